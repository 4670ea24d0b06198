"""`python -m emojify_lib data import | download`, and `data`: small archives made from the bundled sample in each
format Kaggle gives out, damaged, wrong and hostile ones, and that a refused import leaves nothing behind."""
import io
import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from emojify_lib.core.emotions import EMOTIONS
from emojify_lib.core.errors import DataError
from emojify_lib.data import fer2013
from emojify_lib.data import importer, sample

KAGGLE = fer2013.FOLDER_NAMES["kaggle"]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def splits():
    """Sample faces split like the csv: 14 train, 7 val (PublicTest), 7 test (PrivateTest), every class in each."""
    return {s: sample.make_sample(n_per_class=n, seed=i) for i, (s, n) in enumerate((("train", 2), ("val", 1),
                                                                                      ("test", 1)))}


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """An empty EMOJIFY_DATA that does not exist yet: a refused import must not even create it."""
    folder = tmp_path / "emojify-data"
    monkeypatch.setenv("EMOJIFY_DATA", str(folder))
    monkeypatch.delenv("EMOJIFY_QUICK", raising=False)
    return folder


def quiet(_line):
    pass


# ------------------------------------------------------------------------------------------ the archives
def _encode(face, suffix):
    ok, buf = cv2.imencode(suffix, face)
    assert ok
    return buf.tobytes()


def make_zip(path, splits, suffix=".png", face=None, extra=(), prefix=""):
    """Kaggle's archive.zip layout: train/<class>/*, test/<class>/* (the sample's val and test go into test/)."""
    usage = {"train": "Training", "val": "PublicTest", "test": "PrivateTest"}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for split, (x, y) in splits.items():
            folder = "train" if split == "train" else "test"
            for i, (img, label) in enumerate(zip(x, y)):
                img = face if face is not None else img
                zf.writestr(f"{prefix}{folder}/{KAGGLE[label]}/{usage[split]}_{i:05d}{suffix}", _encode(img, suffix))
        for name, content in extra:
            zf.writestr(name, content)
    return path


def make_csv(path, splits):
    return fer2013.write_fer2013_csv(path, splits)


def make_targz(path, splits, member="fer2013/fer2013.csv"):
    text = make_csv(path.with_suffix(".tmp.csv"), splits).read_bytes()
    with tarfile.open(path, "w:gz") as tar:
        for name, content in ((member, text), ("fer2013/README", b"the competition's readme\n")):
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    return path


def canon(x, y):
    """The faces and labels in a fixed order (sorted by label, then pixels): splits compared as sets."""
    keys = np.array([bytes([int(label)]) + face.tobytes() for face, label in zip(x, y)], dtype=object)
    order = np.argsort(keys, kind="stable")
    return x[order], y[order]


def same(a, b):
    (ax, ay), (bx, by) = canon(*a), canon(*b)
    return np.array_equal(ax, bx) and np.array_equal(ay, by)


def leftovers(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else None


def run_cli(*args, env=None):
    full = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {})}
    return subprocess.run([sys.executable, "-m", "emojify_lib", "data", *args], capture_output=True, text=True,
                          env=full, timeout=120)


# ------------------------------------------------------------------------------ each format, read back
@pytest.mark.parametrize("kind", ["zip", "zip in a folder", "tar.gz", "csv", "competition zip",
                                  "competition zip with icml_face_data.csv"])
def test_each_format_imports_and_loads_back_as_the_training_data(kind, splits, data_dir, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    if kind.startswith("zip"):
        file = make_zip(src / "archive.zip", splits, prefix="archive/" if kind == "zip in a folder" else "")
    elif kind == "tar.gz":
        file = make_targz(src / "fer2013.tar.gz", splits)
    elif kind == "csv":
        file = make_csv(src / "fer2013.csv", splits)
    elif kind.endswith("icml_face_data.csv"):  # the same csv with its columns as 'emotion, Usage, pixels'
        usage = {"train": "Training", "val": "PublicTest", "test": "PrivateTest"}
        rows = [f"{label}, {usage[s]}, {' '.join(map(str, face.ravel()))}\n"
                for s, (x, y) in splits.items() for face, label in zip(x, y)]
        file = src / "challenges.zip"
        with zipfile.ZipFile(file, "w", zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("icml_face_data.csv", "emotion, Usage, pixels\n" + "".join(rows))
            zf.writestr("train.csv", "emotion,pixels\n")
    else:  # the competition's whole download: a zip holding fer2013.tar.gz among other files
        inner = make_targz(tmp_path / "fer2013.tar.gz", splits).read_bytes()
        file = src / "challenges.zip"
        with zipfile.ZipFile(file, "w") as zf:
            zf.writestr("fer2013.tar.gz", inner)
            zf.writestr("example_submission.csv", "id,emotion\n")
    result = importer.import_fer2013(file, allow_partial=True, say=quiet)
    target = data_dir / "fer2013"
    assert result.status == "imported" and result.target == target and not result.complete
    assert sorted(p.name for p in data_dir.iterdir()) == ["fer2013"]       # no temporary folder is left
    assert importer.read_manifest(target)["sha256"] and fer2013.find_fer2013() == target

    dataset = fer2013.load_dataset(quick=False, verbose=False)                 # what `train` and the lessons load
    assert dataset.source == "fer2013" and dataset.path == target
    if kind.startswith("zip"):  # Kaggle's folders: test/ = PublicTest + PrivateTest; validation held out of train
        test = tuple(np.concatenate([splits["val"][i], splits["test"][i]]) for i in (0, 1))
        assert same(dataset.test, test)
        both = tuple(np.concatenate([dataset.train[i], dataset.val[i]]) for i in (0, 1))
        assert same(both, splits["train"])
        assert sorted(p.suffix for p in target.rglob("*.png")) and not list(target.rglob("*.csv"))
    else:             # the csv's Usage decides: Training / PublicTest / PrivateTest = train / val / test
        direct = fer2013.load_fer2013_csv(make_csv(tmp_path / "direct.csv", splits))
        for s in ("train", "val", "test"):
            assert same(dataset.split(s), splits[s]) and same(dataset.split(s), direct[s])


def test_jpeg_files_are_copied_unchanged(splits, data_dir, tmp_path):
    file = make_zip(tmp_path / "archive.zip", splits, suffix=".jpg")
    importer.import_fer2013(file, allow_partial=True, say=quiet)
    with zipfile.ZipFile(file) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".jpg"))
        assert (data_dir / "fer2013" / name).read_bytes() == zf.read(name)


def test_full_counts_import_without_a_switch(splits, data_dir, tmp_path, monkeypatch):
    """The counts check itself: an archive whose counts equal the expected ones needs no --allow-partial."""
    file = make_zip(tmp_path / "archive.zip", splits)
    counts = {"train": tuple(np.bincount(splits["train"][1], minlength=7)),
              "test": tuple(np.bincount(splits["val"][1], minlength=7) + np.bincount(splits["test"][1], minlength=7))}
    monkeypatch.setattr(importer, "EXPECTED_FOLDERS", counts)
    result = importer.import_fer2013(file, say=quiet)
    assert result.complete and importer.read_manifest(data_dir / "fer2013")["complete"] is True
    assert "This is the complete FER2013 (28 faces)" in importer.describe()


# ------------------------------------------------------------------------------- the command, end to end
def test_cli_refuses_a_partial_archive_then_imports_it_once(splits, data_dir, tmp_path):
    file = make_zip(tmp_path / "archive.zip", splits)
    r = run_cli("import", str(file))
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "not the complete FER2013" in r.stderr and "--allow-partial" in r.stderr
    assert "14 train + 14 test faces, FER2013 has 28,709 + 7,178" in r.stderr
    assert leftovers(data_dir) is None

    r = run_cli("import", str(file), "--allow-partial")
    assert r.returncode == 0, r.stderr
    assert "Imported archive.zip" in r.stdout and "train 14, test 14" in r.stdout and "Warning" in r.stdout
    r = run_cli("import", str(file), "--allow-partial")
    assert r.returncode == 0 and "already there" in r.stdout

    r = run_cli()                                       # `data`: what emojify sees
    assert r.returncode == 0, r.stderr
    assert f"Found: {data_dir / 'fer2013'}" in r.stdout and "from archive.zip" in r.stdout
    assert "Not the complete FER2013" in r.stdout
    row = next(line for line in r.stdout.splitlines() if line.strip().startswith("train"))
    assert row.split()[1:] == [str(n) for n in np.bincount(splits["train"][1], minlength=7)] + ["14"]


def test_data_without_fer2013_says_it_uses_the_sample(data_dir):
    r = run_cli()
    assert r.returncode == 0, r.stderr
    assert "No FER2013 there" in r.stdout and "bundled sample" in r.stdout
    assert "data download" in r.stdout and "data import FILE" in r.stdout
    assert leftovers(data_dir) is None


def test_another_file_is_not_imported_over_an_import(splits, data_dir, tmp_path):
    first = make_zip(tmp_path / "archive.zip", splits)
    importer.import_fer2013(first, allow_partial=True, say=quiet)
    other = make_csv(tmp_path / "fer2013.csv", splits)
    with pytest.raises(DataError, match="already holds FER2013 imported from archive.zip.*--force"):
        importer.import_fer2013(other, allow_partial=True, say=quiet)
    result = importer.import_fer2013(other, allow_partial=True, force=True, say=quiet)
    assert result.status == "imported" and importer.read_manifest(data_dir / "fer2013")["source"] == "fer2013.csv"
    assert sorted(p.name for p in data_dir.iterdir()) == ["fer2013"]
    assert (data_dir / "fer2013" / "val").is_dir()      # the csv's layout replaced the zip's


def test_the_import_is_found_before_a_stray_csv(splits, data_dir, tmp_path):
    importer.import_fer2013(make_zip(tmp_path / "archive.zip", splits), allow_partial=True, say=quiet)
    make_csv(data_dir / "fer2013.csv", {"train": splits["train"]})
    assert fer2013.find_fer2013() == data_dir / "fer2013"
    assert "Also there, not used" in importer.describe()


# ------------------------------------------------------------------- damaged, wrong and hostile files
def _cut(path, fraction=0.5):
    raw = path.read_bytes()
    path.write_bytes(raw[: int(len(raw) * fraction)])
    return path


def _bad_zip(tmp_path, splits, kind):
    file = tmp_path / "archive.zip"
    if kind == "truncated zip":
        return _cut(make_zip(file, splits))
    if kind == "corrupt member":  # flip bytes inside the first stored image: its CRC no longer matches
        make_zip(file, splits)
        raw = bytearray(file.read_bytes())
        with zipfile.ZipFile(file) as zf:
            info = zf.infolist()[0]
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        for i in range(start + 5, start + 25):
            raw[i] ^= 0xFF
        file.write_bytes(bytes(raw))
        return file
    if kind == "truncated tar.gz":
        return _cut(make_targz(tmp_path / "fer2013.tar.gz", splits), 0.6)
    if kind == "truncated csv":   # cut in the middle of row 10's pixels, as a broken download would
        path = make_csv(tmp_path / "fer2013.csv", splits)
        text = path.read_text()
        path.write_text(text[: sum(len(line) for line in text.splitlines(keepends=True)[:9]) + 100])
        return path
    if kind == "truncated csv row":   # a row cut short inside the file (the last row is whole)
        path = make_csv(tmp_path / "fer2013.csv", splits)
        lines = path.read_text().splitlines(keepends=True)
        lines[9] = lines[9][:100] + "\n"
        path.write_text("".join(lines))
        return path
    if kind == "64×64 images":
        return make_zip(file, splits, face=np.full((64, 64), 128, np.uint8))
    if kind == "colour images":
        return make_zip(file, splits, face=np.full((48, 48, 3), 128, np.uint8))
    if kind == "unknown class folder":
        return make_zip(file, splits, extra=[("train/contempt/x.png", _encode(splits["train"][0][0], ".png"))])
    if kind == "stray file":
        return make_zip(file, splits, extra=[("train/notes.txt", b"hello")])
    if kind == "undecodable image":
        return make_zip(file, splits, extra=[("train/happy/broken.png", b"\x89PNG not really")])
    if kind == "bad csv row":
        path = make_csv(tmp_path / "fer2013.csv", splits)
        lines = path.read_text().splitlines(keepends=True)
        lines[4] = "9" + lines[4][1:]
        path.write_text("".join(lines))
        return path
    if kind == "not fer2013 at all":
        path = tmp_path / "holiday.csv"
        path.write_text("name,price\ncake,3\n")
        return path
    if kind == "binary junk":
        path = tmp_path / "archive.bin"
        path.write_bytes(bytes(range(256)) * 40)
        return path
    if kind == "zip of something else":
        with zipfile.ZipFile(file, "w") as zf:
            zf.writestr("photos/cat.jpg", b"x")
        return file
    raise AssertionError(kind)


@pytest.mark.parametrize("kind,message", [
    ("truncated zip", "the zip archive is damaged or cut short"),
    ("corrupt member", "the zip archive is damaged or cut short"),
    ("truncated tar.gz", "the tar archive is damaged or cut short"),
    ("truncated csv", "fer2013.csv: the last line is not a whole row .*the file is cut short"),
    ("truncated csv row", "fer2013.csv, line 10: expected 3 fields, found 2; the file is damaged or cut short"),
    ("64×64 images", "is 64×64 pixels, FER2013's faces are 48×48"),
    ("colour images", "not an 8-bit grayscale image"),
    ("unknown class folder", "class folder train/'contempt' is not one of FER2013's seven emotions"),
    ("stray file", "unexpected entry 'train/notes.txt'"),
    ("undecodable image", "broken.png is not a readable image"),
    ("bad csv row", "fer2013.csv, line 5: emotion label '9' is not an id 0-6"),
    ("not fer2013 at all", "not the header 'emotion,pixels,Usage'"),
    ("binary junk", "neither a zip or tar archive nor a UTF-8 text csv"),
    ("zip of something else", "holds neither train/ and test/ image folders nor fer2013.csv"),
])
def test_wrong_or_damaged_files_are_refused_and_leave_nothing(kind, message, splits, data_dir, tmp_path):
    file = _bad_zip(tmp_path, splits, kind)
    data_dir.mkdir()
    (data_dir / "keep.txt").write_text("the learner's own file")
    with pytest.raises(DataError, match=message) as info:
        importer.import_fer2013(file, allow_partial=True, say=quiet)
    assert "\n" not in str(info.value)
    assert leftovers(data_dir) == ["keep.txt"]


def test_cli_gives_one_line_and_status_2_for_a_cut_short_download(splits, data_dir, tmp_path):
    file = _bad_zip(tmp_path, splits, "truncated zip")
    r = run_cli("import", str(file), "--allow-partial")
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("emojify: error: archive.zip: the zip archive is damaged or cut short")
    assert r.stderr.count("\n") == 1 and "download it again" in r.stderr and "Traceback" not in r.stderr
    assert leftovers(data_dir) is None
    r = run_cli("import", str(tmp_path / "missing.zip"))
    assert r.returncode == 2 and "no such file" in r.stderr and r.stderr.count("\n") == 1


@pytest.mark.parametrize("name,message", [
    ("../evil.png", "climbs out of the archive"),
    ("train/../../evil.png", "climbs out of the archive"),
    ("/tmp/evil.png", "absolute or Windows path"),
    ("..\\evil.png", "absolute or Windows path"),
    ("C:/evil.png", "absolute or Windows path"),
])
def test_zip_slip_paths_are_refused(name, message, splits, data_dir, tmp_path):
    file = make_zip(tmp_path / "archive.zip", splits, extra=[(name, b"\x89PNG")])
    with pytest.raises(DataError, match=message):
        importer.import_fer2013(file, allow_partial=True, say=quiet)
    assert leftovers(data_dir) is None and not (tmp_path / "evil.png").exists()


def test_links_and_tar_slip_are_refused(splits, data_dir, tmp_path):
    file = make_zip(tmp_path / "archive.zip", splits)
    with zipfile.ZipFile(file, "a") as zf:
        link = zipfile.ZipInfo("train/happy/link.png")
        link.external_attr = (0o120777 << 16)
        zf.writestr(link, "/etc/passwd")
    with pytest.raises(DataError, match="is a symbolic link"):
        importer.import_fer2013(file, allow_partial=True, say=quiet)
    tar = make_targz(tmp_path / "fer2013.tar.gz", splits, member="../fer2013.csv")
    with pytest.raises(DataError, match="climbs out of the archive"):
        importer.import_fer2013(tar, allow_partial=True, say=quiet)
    assert leftovers(data_dir) is None


def test_zip_bombs_are_refused_before_anything_is_unpacked(splits, data_dir, tmp_path, monkeypatch):
    zeros = bytes(importer.MAX_IMAGE_BYTES + 1)            # compresses to a few hundred bytes
    file = make_zip(tmp_path / "archive.zip", splits, extra=[("train/happy/bomb.png", zeros)])
    assert file.stat().st_size < 100_000
    with pytest.raises(DataError, match="bomb.png' unpacks to 262,145 bytes.*zip bomb"):
        importer.import_fer2013(file, allow_partial=True, say=quiet)
    monkeypatch.setattr(importer, "MAX_ENTRIES", 10)       # FER2013 has 35,887 files; the cap is 100,000
    with pytest.raises(DataError, match="refused: 28 entries"):
        importer.import_fer2013(make_zip(tmp_path / "many.zip", splits), allow_partial=True, say=quiet)
    assert leftovers(data_dir) is None


def test_an_interrupted_import_leaves_nothing(splits, data_dir, tmp_path, monkeypatch):
    file = make_zip(tmp_path / "archive.zip", splits)
    calls = []

    def interrupt(*args):
        calls.append(args)
        if len(calls) == 5:
            raise KeyboardInterrupt
    monkeypatch.setattr(importer, "_decode_check", interrupt)
    with pytest.raises(KeyboardInterrupt):
        importer.import_fer2013(file, allow_partial=True, say=quiet)
    assert leftovers(data_dir) is None


# ----------------------------------------------------------------------------------------- download
FAKE_KAGGLE = '''
import os, shutil, pathlib
pathlib.Path(os.environ["KAGGLE_MARKER"]).write_text("imported")   # the test asserts this never happens
class KaggleApi:
    def authenticate(self):
        pass
    def dataset_download_files(self, dataset, path=None, quiet=True, **kw):
        assert dataset == "msambare/fer2013"
        shutil.copy(os.environ["FAKE_ARCHIVE"], os.path.join(path, "fer2013.zip"))
'''


@pytest.fixture
def fake_kaggle(tmp_path):
    """A stand-in for Kaggle's client (no network here): it only records that it was imported, and 'downloads'
    a local archive. The real client is not installed in the test environment."""
    pkg = tmp_path / "fake" / "kaggle"
    (pkg / "api").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "api" / "__init__.py").write_text("")
    (pkg / "api" / "kaggle_api_extended.py").write_text(FAKE_KAGGLE)
    return tmp_path / "fake"


def _no_kaggle_env(home, extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAGGLE_") and k != "XDG_CONFIG_HOME"}
    return {**env, "HOME": str(home), **(extra or {})}


def test_download_without_credentials_says_what_to_do_and_fetches_nothing(data_dir, tmp_path, fake_kaggle):
    home = tmp_path / "home"
    home.mkdir()
    marker = tmp_path / "kaggle-was-imported"
    env = _no_kaggle_env(home, {"KAGGLE_MARKER": str(marker),
                                "PYTHONPATH": f"{fake_kaggle}{os.pathsep}{ROOT}"})
    r = subprocess.run([sys.executable, "-m", "emojify_lib", "data", "download"], capture_output=True, text=True,
                       env=env, timeout=120)
    assert r.returncode == 2, r.stderr
    for needed in ("no Kaggle credentials", "https://www.kaggle.com/settings", "~/.kaggle/kaggle.json",
                   "KAGGLE_USERNAME", "pip install kaggle", "/rules", "msambare/fer2013", "data import"):
        assert needed in r.stderr, needed
    assert not marker.exists() and leftovers(data_dir) is None and not (home / ".kaggle").exists()


def test_download_with_credentials_imports_what_kaggles_client_fetched(splits, data_dir, tmp_path, fake_kaggle):
    home = tmp_path / "home"
    (home / ".kaggle").mkdir(parents=True)
    (home / ".kaggle" / "kaggle.json").write_text('{"username": "learner", "key": "0"}')
    archive = make_zip(tmp_path / "archive.zip", splits)
    env = _no_kaggle_env(home, {"KAGGLE_MARKER": str(tmp_path / "marker"), "FAKE_ARCHIVE": str(archive),
                                "PYTHONPATH": f"{fake_kaggle}{os.pathsep}{ROOT}"})
    r = subprocess.run([sys.executable, "-m", "emojify_lib", "data", "download", "--allow-partial"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Imported fer2013.zip" in r.stdout and str(home / ".kaggle" / "kaggle.json") in r.stdout
    assert sorted(p.name for p in data_dir.iterdir()) == ["fer2013"]   # the downloaded archive is removed
    assert fer2013.load_fer2013_folders(data_dir / "fer2013")["test"][0].shape == (14, 48, 48)


def test_kaggle_credentials_are_looked_for_where_kaggles_client_looks(tmp_path, monkeypatch):
    for name in ("KAGGLE_API_TOKEN", "KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_CONFIG_DIR", "XDG_CONFIG_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert importer.kaggle_credentials() is None
    monkeypatch.setenv("KAGGLE_USERNAME", "learner")
    assert importer.kaggle_credentials() is None                       # a name without a key is not enough
    monkeypatch.setenv("KAGGLE_KEY", "0")
    assert "KAGGLE_USERNAME" in importer.kaggle_credentials()
    monkeypatch.delenv("KAGGLE_KEY")
    (tmp_path / ".config" / "kaggle").mkdir(parents=True)
    (tmp_path / ".config" / "kaggle" / "kaggle.json").write_text("{}")
    assert importer.kaggle_credentials().endswith("kaggle.json")


def test_download_over_a_partial_import_is_refused_before_fetching(splits, data_dir, tmp_path, monkeypatch):
    importer.import_fer2013(make_zip(tmp_path / "archive.zip", splits), allow_partial=True, say=quiet)
    monkeypatch.setenv("KAGGLE_USERNAME", "learner")
    monkeypatch.setenv("KAGGLE_KEY", "0")
    with pytest.raises(DataError, match="already holds a partial import; pass --force"):
        importer.download(say=quiet)
    assert "kaggle" not in sys.modules and sorted(p.name for p in data_dir.iterdir()) == ["fer2013"]


def test_data_describes_a_csv_put_there_by_hand(splits, data_dir, monkeypatch):
    make_csv(data_dir / "fer2013.csv", splits)
    text = importer.describe()
    assert f"Found: {data_dir / 'fer2013.csv'}  [csv" in text and "Imported by" not in text
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.startswith("  ")}
    assert rows["val"] == [str(n) for n in np.bincount(splits["val"][1], minlength=7)] + ["7"]
    assert rows["split"] == list(EMOTIONS) + ["total"]
    monkeypatch.setenv("EMOJIFY_QUICK", "1")
    assert "Quick mode is on" in importer.describe()
