"""Property-based bad input for the data loaders: every input gives a correct result or our DataError/ImageError,
never a crash deep inside NumPy or OpenCV and never a silent wrong answer."""
import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emojify_lib.data import fer2013
from emojify_lib.core.errors import DataError, ImageError

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GOOD_ROWS = "".join(f"{i % 7},{' '.join(['9'] * 2304)},{u}\n"
                    for i, u in enumerate(["Training", "PublicTest", "PrivateTest"]))


def _write(tmp_path, text: str | bytes):
    path = tmp_path / "fer2013.csv"
    path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
    return path


def _load_or_data_error(path):
    try:
        return fer2013.load_fer2013_csv(path)
    except DataError as exc:
        assert str(path.name) in str(exc) or "fer2013" in str(exc)
        return None


pixel_lists = st.lists(st.integers(-300, 600), min_size=0, max_size=2400)


@SETTINGS
@given(label=st.integers(-3, 12), pixels=pixel_lists, usage=st.sampled_from(["Training", "PublicTest", "x", ""]))
def test_random_rows(tmp_path_factory, label, pixels, usage):
    path = _write(tmp_path_factory.mktemp("csv"), "emotion,pixels,Usage\n" + GOOD_ROWS
                  + f"{label},{' '.join(map(str, pixels))},{usage}\n")
    loaded = _load_or_data_error(path)
    valid = 0 <= label <= 6 and len(pixels) == 2304 and all(0 <= p <= 255 for p in pixels) and usage
    if valid and usage in ("Training", "PublicTest"):
        split = "train" if usage == "Training" else "val"
        assert loaded is not None
        np.testing.assert_array_equal(loaded[split][0][-1].ravel(), pixels)  # exactly what was written
        assert loaded[split][1][-1] == label
    else:
        assert loaded is None  # every invalid row is reported, none is silently accepted


@SETTINGS
@given(cut=st.one_of(st.integers(0, 2304 * 4 + 12), st.sampled_from([4, 4 + 2303 * 4, 4 + 2303 * 4 + 3])))
def test_truncated_rows(tmp_path_factory, cut):
    row = f"3,{' '.join(['200'] * 2304)},Training"
    path = _write(tmp_path_factory.mktemp("csv"), "emotion,pixels,Usage\n" + GOOD_ROWS + row[:cut] + "\n")
    loaded = _load_or_data_error(path)
    if cut >= len(row):  # the whole row survived
        assert loaded is not None and len(loaded["train"][1]) == 2
    elif cut == 0:  # an empty line is skipped
        assert loaded is not None and len(loaded["train"][1]) == 1
    else:  # any real cut is reported
        assert loaded is None


@SETTINGS
@given(text=st.text(max_size=300))
def test_random_text_files(tmp_path_factory, text):
    _load_or_data_error(_write(tmp_path_factory.mktemp("csv"), text))


@SETTINGS
@given(blob=st.binary(max_size=400))
def test_random_bytes_files(tmp_path_factory, blob):
    _load_or_data_error(_write(tmp_path_factory.mktemp("csv"), blob))


@SETTINGS
@given(header=st.lists(st.sampled_from(["emotion", "pixels", "Usage", "label", " emotion", "", "x"]), max_size=5))
def test_random_headers(tmp_path_factory, header):
    path = _write(tmp_path_factory.mktemp("csv"), ",".join(header) + "\n" + GOOD_ROWS)
    loaded = _load_or_data_error(path)
    names = [h.strip() for h in header]
    if loaded is not None:
        assert "emotion" in names and "pixels" in names


# ------------------------------------------------------------------------------------------- image files
def _encode(image, ext=".png"):
    ok, buf = cv2.imencode(ext, image)
    assert ok
    return buf.tobytes()


IMAGES = {
    "gray": _encode(np.full((48, 48), 77, np.uint8)),
    "16-bit": _encode(np.full((60, 60), 40000, np.uint16)),
    "rgba": _encode(np.dstack([np.full((50, 50, 3), 90, np.uint8), np.full((50, 50), 10, np.uint8)])),
    "1x1": _encode(np.array([[200]], np.uint8)),
    "4000x3000": _encode(np.full((3000, 4000, 3), 30, np.uint8), ".jpg"),
}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_odd_but_valid_images(tmp_path, name):
    path = tmp_path / f"{name}.png"
    path.write_bytes(IMAGES[name])
    face = fer2013.to_gray48(fer2013.read_image(path), where=str(path))
    assert face.shape == (48, 48) and face.dtype == np.uint8


@SETTINGS
@given(which=st.sampled_from(sorted(IMAGES)), cut=st.floats(0, 0.99), junk=st.binary(max_size=64))
def test_truncated_and_corrupted_images(tmp_path_factory, which, cut, junk):
    blob = IMAGES[which]
    path = tmp_path_factory.mktemp("img") / "face.png"
    path.write_bytes(blob[: int(len(blob) * cut)] + junk)
    try:
        face = fer2013.to_gray48(fer2013.read_image(path), where=str(path))
    except ImageError as exc:
        assert str(path) in str(exc)
    else:  # decoders sometimes recover part of an image: then it must still be a proper face array
        assert face.shape == (48, 48) and face.dtype == np.uint8


@SETTINGS
@given(shape=st.lists(st.integers(0, 6), min_size=0, max_size=4),
       dtype=st.sampled_from([np.uint8, np.uint16, np.int32, np.float32, np.float64, bool, np.complex64]),
       fill=st.sampled_from([0.0, 1.0, 255.0, np.nan, np.inf, -5.0]))
def test_to_gray48_on_random_arrays(shape, dtype, fill):
    with np.errstate(invalid="ignore", over="ignore"):
        array = np.full(shape, fill).astype(dtype) if shape else np.array(fill).astype(dtype)
    try:
        face = fer2013.to_gray48(array)
    except ImageError:
        return
    assert face.shape == (48, 48) and face.dtype == np.uint8
