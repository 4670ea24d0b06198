"""Loading FER2013 (csv or image folders) and the bundled sample, and building ``tf.data`` pipelines.

Everything here returns faces as ``uint8`` arrays of shape ``(N, 48, 48)`` and labels as ``int64`` arrays of
shape ``(N,)`` holding canonical class ids (see :mod:`emojify_lib.core.emotions`). Scaling to floats happens in
exactly one place: the model's ``Rescaling`` layer.
"""
from __future__ import annotations

import csv
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..core import config
from ..core.emotions import EMOTIONS, FOLDER_ALIASES, NUM_CLASSES
from ..core.errors import DataError, ImageError
from ..core.images import IMAGE_SUFFIXES, SIZE, read_image, to_gray48

PIXELS = SIZE * SIZE
#: The csv's ``Usage`` values and the split names we use for them.
USAGE_TO_SPLIT = {"Training": "train", "PublicTest": "val", "PrivateTest": "test"}
SPLITS = ("train", "val", "test")

Split = tuple[np.ndarray, np.ndarray]


# ------------------------------------------------------------------------------------------------ csv
def _parse_pixels(text: str, where: str) -> np.ndarray:
    """Parse one row's space-separated pixel string into ``uint8 (48, 48)``."""
    with warnings.catch_warnings():
        # NumPy warns (and will raise) when the text holds something that is not a number.
        warnings.simplefilter("error", DeprecationWarning)
        try:
            values = np.fromstring(text, dtype=np.int32, sep=" ")  # fastest exact parser NumPy has
            bad = False
        except (ValueError, DeprecationWarning):
            bad = True
    if bad or values.size != PIXELS:
        tokens = text.split()
        junk = next((t for t in tokens if not t.lstrip("-").isdigit()), None)
        if junk is not None:
            raise DataError(f"{where}: pixel value {junk[:20]!r} is not a whole number; "
                            "each row needs 2304 space-separated integers 0-255")
        values = np.array(tokens, dtype=np.int64)
    if values.size != PIXELS:
        raise DataError(f"{where}: expected {PIXELS} pixels (48×48), found {values.size}; "
                        "the row is truncated or belongs to another data set")
    if values.min() < 0 or values.max() > 255:
        raise DataError(f"{where}: pixel values must lie in 0-255, found {values.min()}..{values.max()}")
    return values.astype(np.uint8).reshape(SIZE, SIZE)


def _parse_label(text: str, where: str) -> int:
    """Parse one row's emotion field into a canonical id 0-6."""
    text = text.strip()
    if not text.isdigit() or int(text) >= NUM_CLASSES:
        raise DataError(f"{where}: emotion label {text[:20]!r} is not an id 0-6 "
                        f"({', '.join(f'{i} {n}' for i, n in enumerate(EMOTIONS))})")
    return int(text)


def read_csv_row(line: str, where: str = "csv row") -> tuple[np.ndarray, int]:
    """One line of ``fer2013.csv``, ``"emotion,pixels,Usage"``, as ``(face uint8 (48, 48), label int)``.

    Defined in lesson 03. :class:`DataError` naming ``where`` when the row has the wrong number of fields, a label
    that is not an id 0-6, or pixels that are not 2,304 whole numbers 0-255.
    """
    fields = line.rstrip("\r\n").split(",")
    if len(fields) != 3:
        raise DataError(f"{where}: expected 3 comma-separated fields (emotion,pixels,Usage), found {len(fields)}")
    return _parse_pixels(fields[1].strip(), where), _parse_label(fields[0], where)


def load_fer2013_csv(path: str | Path, errors: str = "raise") -> dict[str, Split]:
    """Load Kaggle's ``fer2013.csv`` (columns ``emotion,pixels,Usage``).

    Returns ``{"train": (x, y), "val": (x, y), "test": (x, y)}`` from the ``Training``, ``PublicTest`` and
    ``PrivateTest`` rows; ``x`` is ``uint8 (N, 48, 48)``, ``y`` is ``int64 (N,)`` (FER2013's ids are the
    canonical ids). A file without a ``Usage`` column is treated as all training data, with 10 % held out
    for validation and none for test.

    ``errors="raise"`` (default) stops at the first bad row with a :class:`DataError` naming the file and line;
    ``errors="skip"`` skips bad rows, warns once with their count and first line numbers.
    """
    if errors not in ("raise", "skip"):
        raise ValueError(f"errors must be 'raise' or 'skip', not {errors!r}")
    path = Path(path)
    if not path.is_file():
        raise DataError(f"FER2013 csv not found at {path}. Download fer2013.csv as data/README.md explains, "
                        "or set EMOJIFY_DATA to the folder that holds it.")
    if path.stat().st_size == 0:
        raise DataError(f"{path} is empty (0 bytes); download it again (see data/README.md)")
    xs: dict[str, list] = {s: [] for s in SPLITS}
    ys: dict[str, list] = {s: [] for s in SPLITS}
    skipped: list[str] = []
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = [h.strip() for h in next(reader, [])]
            missing = {"emotion", "pixels"} - set(header)
            if missing:
                raise DataError(f"{path}: header is {header[:5]}, missing column(s) {sorted(missing)}; "
                                "expected 'emotion,pixels,Usage' as in Kaggle's fer2013.csv")
            i_emotion, i_pixels = header.index("emotion"), header.index("pixels")
            i_usage = header.index("Usage") if "Usage" in header else None
            for line, row in enumerate(reader, start=2):
                if not row:
                    continue
                where = f"{path.name}, line {line}"
                try:
                    if len(row) != len(header):
                        raise DataError(f"{where}: expected {len(header)} fields, found {len(row)}")
                    label = _parse_label(row[i_emotion], where)
                    usage = row[i_usage].strip() if i_usage is not None else "Training"
                    if usage not in USAGE_TO_SPLIT:
                        raise DataError(f"{where}: Usage {usage[:20]!r} is not one of {list(USAGE_TO_SPLIT)}")
                    face = _parse_pixels(row[i_pixels].strip(), where)
                except DataError as exc:
                    if errors == "raise":
                        raise DataError(f"{exc} (pass errors='skip' to skip bad rows)") from None
                    skipped.append(str(exc))
                    continue
                split = USAGE_TO_SPLIT[usage]
                xs[split].append(face)
                ys[split].append(label)
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not a UTF-8 text csv (byte {exc.start}: {exc.reason}); "
                        "is it the right file, fully downloaded?") from None
    except csv.Error as exc:
        raise DataError(f"{path}: malformed csv ({exc})") from None
    if skipped:
        warnings.warn(f"{path.name}: skipped {len(skipped)} bad row(s); first: {skipped[0]}", stacklevel=2)
    splits = {s: (_stack(xs[s]), np.asarray(ys[s], dtype=np.int64)) for s in SPLITS}
    if i_usage is None:
        splits["train"], splits["val"] = split_validation(*splits["train"])
        return _require_splits(splits, path, ("train", "val"))
    return _require_splits(splits, path, SPLITS)


def _stack(faces: list[np.ndarray]) -> np.ndarray:
    return np.stack(faces) if faces else np.zeros((0, SIZE, SIZE), np.uint8)


def _require_splits(splits: dict[str, Split], where: Path, needed) -> dict[str, Split]:
    for name in needed:
        if len(splits[name][1]) == 0:
            raise DataError(f"{where}: the {name!r} split is empty; the file is incomplete or not FER2013")
    return splits


def split_validation(x: np.ndarray, y: np.ndarray, fraction: float = 0.1, seed: int = 0) -> tuple[Split, Split]:
    """Hold out ``fraction`` of each class (stratified, seeded) as a validation split."""
    rng = np.random.default_rng(seed)
    val_idx = []
    for c in np.unique(y):
        idx = np.flatnonzero(y == c)
        rng.shuffle(idx)
        val_idx.extend(idx[: int(round(len(idx) * fraction))])
    mask = np.zeros(len(y), bool)
    mask[val_idx] = True
    return (x[~mask], y[~mask]), (x[mask], y[mask])


# -------------------------------------------------------------------------------------------- folders
def read_folder_image(path: str | Path) -> tuple[np.ndarray, int]:
    """One image of the folder version, e.g. ``train/happy/0001.jpg``, as ``(face uint8 (48, 48), label int)``.

    Defined in lesson 03. The label comes from the folder's *name* (any spelling in
    :data:`emojify_lib.core.emotions.FOLDER_ALIASES`), never from its alphabetical position. :class:`ImageError`
    when the file is not a readable image, :class:`DataError` when its folder is not an emotion class.
    """
    path = Path(path)
    name = FOLDER_ALIASES.get(path.parent.name.lower())
    if name is None:
        raise DataError(f"{path}: folder name {path.parent.name!r} is not an emotion class; "
                        f"use one of {sorted(set(FOLDER_ALIASES))}")
    return to_gray48(read_image(path), where=str(path)), EMOTIONS.index(name)


def load_image_folder(folder: str | Path) -> tuple[Split, int]:
    """Load one split folder holding a sub-folder per class (any accepted class name, see
    :data:`emojify_lib.core.emotions.FOLDER_ALIASES`). Returns ``((x, y), n_unreadable)``; unreadable files are
    skipped with a warning that counts them."""
    folder = Path(folder)
    subdirs = sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    if not subdirs:
        raise DataError(f"{folder} has no class sub-folders; expected e.g. {folder}/happy/*.png "
                        "(see data/README.md)")
    faces, labels, bad = [], [], []
    for sub in subdirs:
        name = FOLDER_ALIASES.get(sub.name.lower())
        if name is None:
            raise DataError(f"{sub}: folder name {sub.name!r} is not an emotion class; "
                            f"use one of {sorted(set(FOLDER_ALIASES))}")
        files = sorted(p for p in sub.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        if not files:
            raise DataError(f"{sub} holds no images (.png/.jpg); remove the folder or add its images")
        for file in files:
            try:
                face, label = read_folder_image(file)
            except ImageError as exc:
                bad.append(str(exc))
                continue
            faces.append(face)
            labels.append(label)
    if bad:
        warnings.warn(f"{folder}: skipped {len(bad)} unreadable image(s); first: {bad[0]}", stacklevel=2)
    if not faces:
        raise DataError(f"{folder}: none of its images could be read")
    return (_stack(faces), np.asarray(labels, dtype=np.int64)), len(bad)


def load_fer2013_folders(root: str | Path) -> dict[str, Split]:
    """Load the image-folder version of FER2013: ``root/train/<class>/*`` and ``root/test/<class>/*``.

    Folder names may be Emojify's (``disgusted``, ``fearful``, ``surprised``...) or Kaggle's (``disgust``,
    ``fear``, ``surprise``...); they are mapped onto the canonical ids by name, never by sorted position.
    A ``val`` (or ``validation``) folder is used when present, else 10 % of ``train`` is held out.
    """
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"FER2013 folder not found at {root}; see data/README.md")
    found = {p.name.lower(): p for p in root.iterdir() if p.is_dir()}
    for needed in ("train", "test"):
        if needed not in found:
            raise DataError(f"{root} has no {needed}/ folder; expected {root}/train/<class>/ and {root}/test/<class>/")
    splits = {"train": load_image_folder(found["train"])[0], "test": load_image_folder(found["test"])[0]}
    val_dir = found.get("val") or found.get("validation")
    if val_dir is not None:
        splits["val"] = load_image_folder(val_dir)[0]
    else:
        splits["train"], splits["val"] = split_validation(*splits["train"])
    return splits


# ------------------------------------------------------------------------------------------ datasets
@dataclass
class Dataset:
    """Three splits of faces plus where they came from.

    ``train``, ``val``, ``test`` are ``(x uint8 (N, 48, 48), y int64 (N,))``; ``source`` is ``"fer2013"`` or
    ``"sample"``; ``description`` is one sentence for people.
    """
    train: Split
    val: Split
    test: Split
    source: str
    description: str
    path: Path | None = None
    extra: dict = field(default_factory=dict)

    def split(self, name: str) -> Split:
        return getattr(self, name)

    def class_counts(self, name: str = "train") -> np.ndarray:
        """Number of faces per canonical class in a split, ``int64 (7,)``."""
        return np.bincount(self.split(name)[1], minlength=NUM_CLASSES)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{s}={len(self.split(s)[1])}" for s in SPLITS)
        return f"Dataset(source={self.source!r}, {sizes})"


#: The record ``python -m emojify_lib data import`` leaves in the folder it writes (``data/fer2013``).
IMPORT_MANIFEST = "emojify-import.json"


def find_fer2013(root: str | Path | None = None) -> Path | None:
    """Where FER2013 is, if anywhere: a csv file or a folder holding ``train/`` and ``test/``.

    Looks in ``root`` (default ``$EMOJIFY_DATA`` or ``data/``) for what ``data import`` wrote (``fer2013/`` with
    its :data:`IMPORT_MANIFEST`) first, then ``fer2013.csv``, ``fer2013/fer2013.csv``, ``fer2013/{train,test}``
    and ``{train,test}``.
    """
    base = Path(root) if root is not None else config.data_dir()
    if base.is_file():
        return base
    imported = base / "fer2013"
    if (imported / IMPORT_MANIFEST).is_file() and (imported / "train").is_dir() and (imported / "test").is_dir():
        return imported
    for candidate in (base / "fer2013.csv", base / "fer2013" / "fer2013.csv"):
        if candidate.is_file():
            return candidate
    for candidate in (base / "fer2013", base):
        if (candidate / "train").is_dir() and (candidate / "test").is_dir():
            return candidate
    return None


def load_fer2013(path: str | Path) -> dict[str, Split]:
    """Load FER2013 from a csv file or a folder tree, whichever ``path`` is."""
    path = Path(path)
    return load_fer2013_csv(path) if path.is_file() else load_fer2013_folders(path)


def load_dataset(source: str = "auto", quick: bool | None = None, path: str | Path | None = None,
                 verbose: bool = True) -> Dataset:
    """The data a lesson trains on, and a sentence saying which it is.

    ``source="auto"``: real FER2013 when it is present (under ``$EMOJIFY_DATA`` or ``data/``) and quick mode is
    off; the bundled synthetic sample otherwise. An explicit ``path`` always means real data, in quick mode too
    (:class:`DataError` when FER2013 is not there). ``"fer2013"`` insists on the real data
    (:class:`DataError` if absent); ``"sample"`` always returns the sample. ``quick`` defaults to
    ``EMOJIFY_QUICK``. With ``verbose`` the choice is printed.
    """
    if source not in ("auto", "fer2013", "sample"):
        raise ValueError(f"source must be 'auto', 'fer2013' or 'sample', not {source!r}")
    quick = config.quick_mode() if quick is None else quick
    location = find_fer2013(path) if source != "sample" else None
    explicit = path is not None and source == "auto"  # a path the user gave wins over quick mode
    if location is None and (source == "fer2013" or explicit):
        where = path or config.data_dir()
        raise DataError(f"FER2013 not found under {where} (looked for fer2013.csv, or train/ and test/ folders); "
                        "see data/README.md for where to get it and put it")
    if location is not None and (source == "fer2013" or explicit or not quick):
        splits = load_fer2013(location)
        data = Dataset(splits["train"], splits["val"], splits["test"], "fer2013",
                       f"FER2013 from {location}", path=location)
    else:
        from . import sample

        splits = sample.load_sample(quick=quick)
        why = "quick mode" if quick else "FER2013 not found under " + str(path or config.data_dir())
        data = Dataset(splits["train"], splits["val"], splits["test"], "sample",
                       f"the bundled synthetic sample faces ({why})")
    if verbose:
        print(f"Using {data.description}: " + ", ".join(f"{s} {len(data.split(s)[1])}" for s in SPLITS))
    return data


# ------------------------------------------------------------------------------------------- writing
SPLIT_TO_USAGE = {split: usage for usage, split in USAGE_TO_SPLIT.items()}
#: Folder names of the two image versions of FER2013, per canonical class.
FOLDER_NAMES = {
    "emojify": ("angry", "disgusted", "fearful", "happy", "sad", "surprised", "neutral"),
    "kaggle": ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"),
}


def write_fer2013_csv(path: str | Path, splits: dict[str, Split]) -> Path:
    """Write splits in Kaggle's ``fer2013.csv`` format (``emotion,pixels,Usage``), e.g. to share the sample
    or to build test files. ``splits`` maps ``"train"``/``"val"``/``"test"`` to ``(x, y)``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        handle.write("emotion,pixels,Usage\n")
        for split, (x, y) in splits.items():
            usage = SPLIT_TO_USAGE[split]
            for face, label in zip(x, y):
                handle.write(f"{int(label)},{' '.join(map(str, face.ravel().tolist()))},{usage}\n")
    return path


def write_image_folders(root: str | Path, splits: dict[str, Split], names: str = "kaggle") -> Path:
    """Write splits as PNG folders ``root/<split>/<class>/<n>.png`` with ``names`` ``"kaggle"`` or
    ``"emojify"`` class folder names (the ``val`` split is written only if given)."""
    import cv2

    root = Path(root)
    folders = FOLDER_NAMES[names]
    for split, (x, y) in splits.items():
        for c in range(NUM_CLASSES):
            (root / split / folders[c]).mkdir(parents=True, exist_ok=True)
        for i, (face, label) in enumerate(zip(x, y)):
            cv2.imwrite(str(root / split / folders[int(label)] / f"{i:05d}.png"), face)
    return root
