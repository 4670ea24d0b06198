"""Property-based bad frames for the live path: every frame gives predictions or our ImageError, never a crash
inside OpenCV or TensorFlow."""
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from emojify_lib.core.emotions import EMOTIONS
from emojify_lib.core.errors import ImageError
from emojify_lib.live.predictor import EmotionPredictor


@pytest.fixture(scope="module")
def predictor(classic_model):
    return EmotionPredictor(classic_model)


def _check(predictor, frame):
    try:
        predictions = predictor.predict(frame)
    except ImageError:
        return
    for p in predictions:
        assert p.emotion in EMOTIONS and np.isfinite(p.probs).all() and abs(p.probs.sum() - 1) < 1e-3


frames = st.one_of(
    hnp.arrays(st.sampled_from([np.uint8, np.float32, np.float64, np.int16, np.uint16, bool]),
               hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=40),
               elements=st.just(0) | st.just(1)),
    hnp.arrays(np.float32, st.tuples(st.integers(1, 60), st.integers(1, 60), st.sampled_from([1, 3, 4])),
               elements=st.floats(allow_nan=True, allow_infinity=True, width=32)),
    hnp.arrays(np.uint8, st.tuples(st.integers(1, 120), st.integers(1, 120), st.sampled_from([1, 3, 4]))),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(frame=frames)
def test_random_frames(predictor, frame):
    _check(predictor, frame)


@pytest.mark.parametrize("frame", [None, "frame", [[1, 2], [3, 4]], np.zeros((480, 640, 3), np.uint8),
                                   np.full((480, 640, 3), 255, np.uint8), np.full((480, 640, 3), np.nan),
                                   np.zeros((480, 640, 3), np.float64), np.ones((1, 1, 3), np.uint8),
                                   np.zeros((480, 640, 2), np.uint8), np.zeros((3000, 4000, 3), np.uint8)])
def test_named_bad_frames(predictor, frame):
    _check(predictor, frame)


def test_float_frame_in_0_to_1_is_understood(predictor, astronaut_frame):
    assert len(predictor.predict(astronaut_frame.astype(np.float32) / 255)) == 1
