"""Loaders on small files written in FER2013's own formats, and every bad input we promise to explain."""
import warnings

import cv2
import numpy as np
import pytest

from emojify_lib.data import fer2013
from emojify_lib.data import pipeline
from emojify_lib.testing import random_faces, tiny_splits
from emojify_lib.core.errors import DataError, ImageError

HEADER = "emotion,pixels,Usage\n"


@pytest.fixture
def splits():
    return tiny_splits(14)


def _row(label, pixels, usage="Training"):
    return f"{label},{pixels},{usage}\n"


def _pixels(n=2304, value=7):
    return " ".join([str(value)] * n)


def test_csv_round_trip(tmp_path, splits):
    path = fer2013.write_fer2013_csv(tmp_path / "fer2013.csv", splits)
    loaded = fer2013.load_fer2013_csv(path)
    for s in ("train", "val", "test"):
        np.testing.assert_array_equal(loaded[s][0], splits[s][0])
        np.testing.assert_array_equal(loaded[s][1], splits[s][1])
        assert loaded[s][0].dtype == np.uint8 and loaded[s][1].dtype == np.int64


def test_csv_without_usage_column_holds_out_validation(tmp_path):
    x, y = random_faces(70)
    text = "emotion,pixels\n" + "".join(f"{l},{' '.join(map(str, f.ravel()))}\n" for f, l in zip(x, y))
    (tmp_path / "train.csv").write_text(text)
    loaded = fer2013.load_fer2013_csv(tmp_path / "train.csv")
    assert len(loaded["train"][1]) + len(loaded["val"][1]) == 70 and len(loaded["val"][1]) > 0


@pytest.mark.parametrize("row,message", [
    (_row(3, _pixels(2303)), "expected 2304 pixels"),
    (_row(3, _pixels(2305)), "expected 2304 pixels"),
    (_row(3, _pixels(2304).replace("7", "x", 1)), "not a whole number"),
    (_row(3, _pixels(2304).replace("7", "1.5", 1)), "not a whole number"),
    (_row(3, _pixels(2304, 256)), "0-255"),
    (_row(3, "-1 " + _pixels(2303)), "0-255"),
    (_row(7, _pixels()), "not an id 0-6"),
    (_row(-1, _pixels()), "not an id 0-6"),
    (_row("happy", _pixels()), "not an id 0-6"),
    (_row(3, _pixels(), "Bogus"), "Usage"),
    ("3," + _pixels() + "\n", "expected 3 fields"),
])
def test_bad_rows_name_file_and_line(tmp_path, row, message):
    good = _row(0, _pixels()) + _row(1, _pixels(), "PublicTest") + _row(2, _pixels(), "PrivateTest")
    path = tmp_path / "fer2013.csv"
    path.write_text(HEADER + good + row)
    with pytest.raises(DataError, match=message) as info:
        fer2013.load_fer2013_csv(path)
    assert "fer2013.csv, line 5" in str(info.value)
    # errors="skip" keeps the good rows and counts the bad one
    with pytest.warns(UserWarning, match="skipped 1 bad row"):
        loaded = fer2013.load_fer2013_csv(path, errors="skip")
    assert sum(len(v[1]) for v in loaded.values()) == 3


def test_missing_empty_wrong_header_and_empty_split(tmp_path):
    with pytest.raises(DataError, match="not found.*data/README.md"):
        fer2013.load_fer2013_csv(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        fer2013.load_fer2013_csv(tmp_path / "empty.csv")
    (tmp_path / "header.csv").write_text("label,image\n0,1 2 3\n")
    with pytest.raises(DataError, match=r"missing column\(s\) \['emotion', 'pixels'\]"):
        fer2013.load_fer2013_csv(tmp_path / "header.csv")
    (tmp_path / "nosplit.csv").write_text(HEADER + _row(0, _pixels()) + _row(1, _pixels(), "PublicTest"))
    with pytest.raises(DataError, match="'test' split is empty"):
        fer2013.load_fer2013_csv(tmp_path / "nosplit.csv")
    (tmp_path / "binary.csv").write_bytes(b"emotion,pixels,Usage\n0,\xff\xfe\x00,Training\n")
    with pytest.raises(DataError, match="not a UTF-8"):
        fer2013.load_fer2013_csv(tmp_path / "binary.csv")


def test_read_csv_row_one_line_and_its_errors():
    face, label = fer2013.read_csv_row(_row(5, _pixels(value=9)))
    assert face.dtype == np.uint8 and face.shape == (48, 48) and (face == 9).all()
    assert label == 5 and type(label) is int
    pixels = " ".join(str(v % 256) for v in range(2304))
    assert fer2013.read_csv_row(f"0,{pixels},PrivateTest\r\n")[0][1, 0] == 48  # row by row: pixel 48 starts row 1
    for line, message in [(_row(7, _pixels()), "not an id 0-6"), (_row(3, _pixels(2303)), "expected 2304 pixels"),
                          (_row(3, _pixels(value=300)), "0-255"), ("3,7 7", "expected 3 comma-separated"),
                          (_row(3, "7 x" + " 7" * 2302), "'x' is not a whole number")]:
        with pytest.raises(DataError, match=message):
            fer2013.read_csv_row(line, where="line 9")


def test_read_folder_image_labels_by_folder_name(tmp_path):
    for folder, label in [("neutral", 6), ("sad", 4), ("Surprised", 5), ("disgusted", 1)]:
        path = tmp_path / "train" / folder / "x.png"
        path.parent.mkdir(parents=True)
        cv2.imwrite(str(path), np.full((48, 48), label, np.uint8))
        face, got = fer2013.read_folder_image(path)
        assert got == label and face.shape == (48, 48) and (face == label).all()
    (tmp_path / "contempt").mkdir()
    cv2.imwrite(str(tmp_path / "contempt" / "y.png"), np.zeros((48, 48), np.uint8))
    with pytest.raises(DataError, match="'contempt' is not an emotion class"):
        fer2013.read_folder_image(tmp_path / "contempt" / "y.png")
    (tmp_path / "train" / "sad" / "bad.jpg").write_text("no picture")
    with pytest.raises(ImageError, match="bad.jpg: not a readable image"):
        fer2013.read_folder_image(tmp_path / "train" / "sad" / "bad.jpg")


@pytest.mark.parametrize("names", ["emojify", "kaggle"])
def test_folders_both_naming_schemes_map_by_name(tmp_path, splits, names):
    root = fer2013.write_image_folders(tmp_path / "fer", {"train": splits["train"], "test": splits["test"]}, names)
    loaded = fer2013.load_fer2013_folders(root)
    x, y = loaded["test"]
    # each loaded face must carry the label it was written with (folder order is alphabetical, ids are not)
    for face, label in zip(*splits["test"]):
        match = np.flatnonzero((x == face).all(axis=(1, 2)))
        assert match.size == 1 and y[match[0]] == label
    assert len(loaded["train"][1]) + len(loaded["val"][1]) == 14


def test_folder_images_of_other_sizes_and_colours_are_converted(tmp_path):
    for c in ("happy", "sad"):
        (tmp_path / "train" / c).mkdir(parents=True)
        (tmp_path / "test" / c).mkdir(parents=True)
    rgb = np.zeros((100, 80, 3), np.uint8); rgb[..., 2] = 255
    cv2.imwrite(str(tmp_path / "train/happy/a.png"), rgb)
    rgba = np.full((48, 48, 4), 128, np.uint8)
    cv2.imwrite(str(tmp_path / "train/happy/b.png"), rgba)
    cv2.imwrite(str(tmp_path / "train/sad/c.jpg"), np.full((30, 30), 200, np.uint8))
    cv2.imwrite(str(tmp_path / "test/happy/d.png"), np.full((48, 48), 9, np.uint8))
    cv2.imwrite(str(tmp_path / "test/sad/e.png"), np.full((48, 48), 9, np.uint8))
    loaded = fer2013.load_fer2013_folders(tmp_path)
    x = np.concatenate([loaded["train"][0], loaded["val"][0]])
    assert x.shape == (3, 48, 48) and x.dtype == np.uint8
    assert sorted(int(v) for v in x[:, 0, 0]) == sorted([76, 128, 200])  # pure red → gray 76


def test_folder_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        fer2013.load_fer2013_folders(tmp_path / "missing")
    (tmp_path / "train" / "happy").mkdir(parents=True)
    with pytest.raises(DataError, match="no test/ folder"):
        fer2013.load_fer2013_folders(tmp_path)
    (tmp_path / "test" / "happy").mkdir(parents=True)
    with pytest.raises(DataError, match="holds no images"):
        fer2013.load_fer2013_folders(tmp_path)
    cv2.imwrite(str(tmp_path / "train/happy/ok.png"), np.zeros((48, 48), np.uint8))
    cv2.imwrite(str(tmp_path / "test/happy/ok.png"), np.zeros((48, 48), np.uint8))
    (tmp_path / "train" / "contempt").mkdir()
    with pytest.raises(DataError, match="'contempt' is not an emotion class"):
        fer2013.load_fer2013_folders(tmp_path)


def test_unreadable_images_are_skipped_with_a_counted_warning(tmp_path):
    folder = tmp_path / "train"
    (folder / "happy").mkdir(parents=True)
    cv2.imwrite(str(folder / "happy/ok.png"), np.zeros((48, 48), np.uint8))
    (folder / "happy/empty.png").write_bytes(b"")
    (folder / "happy/text.png").write_text("not an image")
    good = cv2.imencode(".png", np.zeros((48, 48), np.uint8))[1].tobytes()
    (folder / "happy/truncated.png").write_bytes(good[: len(good) // 3])
    with pytest.warns(UserWarning, match="skipped 3 unreadable image"):
        (x, y), bad = fer2013.load_image_folder(folder)
    assert bad == 3 and len(y) == 1


@pytest.mark.parametrize("image,message", [
    (None, "None"), (np.zeros((48,)), "shape"), (np.zeros((4, 4, 2), np.uint8), "shape"),
    (np.zeros((0, 5), np.uint8), "empty"), (np.full((4, 4), np.nan), "NaN"),
    (np.full((4, 4), 300, np.int32), "0..255"), (np.zeros((4, 4), complex), "unsupported"),
])
def test_to_gray48_rejects_bad_images(image, message):
    with pytest.raises(ImageError, match=message):
        fer2013.to_gray48(image, where="frame 3")


def test_to_gray48_accepts_common_types():
    assert fer2013.to_gray48(np.ones((10, 10), np.float32))[0, 0] == 255
    assert fer2013.to_gray48(np.full((96, 96), 65535, np.uint16))[0, 0] == 255
    assert fer2013.to_gray48(np.zeros((1, 1, 3), np.uint8)).shape == (48, 48)


def test_find_and_load_dataset_prefers_fer2013(tmp_path, splits, monkeypatch):
    monkeypatch.setenv("EMOJIFY_DATA", str(tmp_path))
    assert fer2013.find_fer2013() is None
    with pytest.raises(DataError, match="FER2013 not found"):
        fer2013.load_dataset(source="fer2013")
    fer2013.write_fer2013_csv(tmp_path / "fer2013.csv", splits)
    assert fer2013.find_fer2013() == tmp_path / "fer2013.csv"
    real = fer2013.load_dataset(quick=False, verbose=False)
    assert real.source == "fer2013" and len(real.train[1]) == 14
    assert fer2013.load_dataset(quick=True, verbose=False).source == "sample"  # quick mode = sample data


def test_load_dataset_falls_back_to_sample_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EMOJIFY_DATA", str(tmp_path))
    ds = fer2013.load_dataset(quick=True)
    assert ds.source == "sample" and "sample" in capsys.readouterr().out
    assert ds.train[0].dtype == np.uint8 and ds.train[0].shape[1:] == (48, 48)
    assert ds.class_counts("train").min() > 0


def test_tf_dataset_batches_raw_pixels_and_augments(splits):
    x, y = splits["train"]
    batches = list(pipeline.make_tf_dataset(x, y, batch_size=5))
    assert [len(b[1]) for b in batches] == [5, 5, 4]
    first = batches[0][0].numpy()
    assert first.shape == (5, 48, 48, 1) and first.dtype == np.float32
    np.testing.assert_array_equal(first[..., 0], x[:5])  # raw 0-255, no scaling here
    aug = next(iter(pipeline.make_tf_dataset(x, y, batch_size=14, augment=True)))[0].numpy()
    assert aug.shape == (14, 48, 48, 1) and 0 <= aug.min() and aug.max() <= 255
    assert not np.array_equal(aug[..., 0], x)
    with pytest.raises(ImageError, match=r"\(N, 48, 48\)"):
        pipeline.make_tf_dataset(x.astype(np.float32), y)
