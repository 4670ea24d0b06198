import numpy as np
import pytest

from emojify_lib.live.overlay import annotate, load_emoji, overlay_rgba
from emojify_lib.core.emotions import EMOTIONS
from emojify_lib.core.errors import ImageError
from emojify_lib.live.predictor import FacePrediction


@pytest.mark.parametrize("emotion", EMOTIONS)
def test_every_emoji_is_a_transparent_png_of_128px_or_more(emotion):
    image = load_emoji(emotion)
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 4
    assert min(image.shape[:2]) >= 128
    assert image[0, 0, 3] == 0 and image[image.shape[0] // 2, image.shape[1] // 2, 3] == 255
    assert load_emoji(EMOTIONS.index(emotion), 64).shape == (64, 64, 4)


def test_emojis_differ():
    images = [load_emoji(e, 64).astype(int) for e in EMOTIONS]
    for i in range(7):
        for j in range(i + 1, 7):
            assert np.abs(images[i] - images[j]).mean() > 2


def test_overlay_blends_and_clips_at_edges():
    frame = np.zeros((100, 100, 3), np.uint8)
    rgba = np.zeros((20, 20, 4), np.uint8)
    rgba[..., 2] = 255
    rgba[..., 3] = 128  # half transparent red
    overlay_rgba(frame, rgba, -10, 90)  # hangs over the left and bottom edges
    assert frame[95, 5, 2] in (127, 128) and frame[95, 5, 0] == 0
    assert frame[85, 5].sum() == 0 and frame[95, 15].sum() == 0
    overlay_rgba(frame, rgba, 500, 500)  # wholly outside: nothing happens
    with pytest.raises(ImageError):
        overlay_rgba(np.zeros((10, 10), np.uint8), rgba, 0, 0)


def test_annotate_draws_without_touching_the_input():
    frame = np.full((240, 320, 3), 50, np.uint8)
    probs = np.full(7, 0.05, np.float32)
    probs[3] = 0.7
    out = annotate(frame, [FacePrediction((100, 60, 100, 100), "happy", probs)])
    assert (frame == 50).all() and out.shape == frame.shape
    assert (out != 50).any(axis=2).sum() > 1000
    with pytest.raises(ValueError, match="unknown emotion"):
        load_emoji("bored")


def test_label_and_emoji_do_not_overlap():
    from emojify_lib.live.overlay import COLORS
    frame = np.full((240, 320, 3), 50, np.uint8)
    probs = np.full(7, 0.05, np.float32)
    probs[0] = 0.7
    box = (100, 60, 100, 100)
    out = annotate(frame, [FacePrediction(box, "angry", probs)])
    # the label strip fills the area under the box's left end with the emotion's colour...
    assert tuple(out[60 + 100 + 3, 100 + 2]) == COLORS["angry"]
    # ...and the emoji covers the box's top-right corner, leaving the top-left corner's strip to the box line
    assert (out[45:75, 185:215] != 50).any(axis=2).mean() > 0.5
    assert (out[50:58, 100:160] == 50).all()


def test_label_stays_inside_the_frame_at_the_bottom_edge():
    frame = np.full((240, 320, 3), 50, np.uint8)
    out = annotate(frame, [FacePrediction((100, 130, 110, 110), "happy", np.eye(7, dtype=np.float32)[3])])
    assert (out[-3:, 102:140] != 50).any()
