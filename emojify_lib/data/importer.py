"""FER2013 one command away: ``python -m emojify_lib data [import FILE | download]``.

``import`` takes what Kaggle gives you, checks it, and unpacks it into the one layout emojify reads first::

    data/fer2013/                     ($EMOJIFY_DATA/fer2013 when EMOJIFY_DATA is set)
        train/<class>/*.jpg|*.png     Kaggle's class folder names: angry disgust fear happy sad surprise neutral
        val/<class>/*.png             from a csv only: its PublicTest rows
        test/<class>/*.jpg|*.png      the image archive's test/ folder (PublicTest + PrivateTest); a csv's PrivateTest
        emojify-import.json           what it came from (file name, bytes, SHA-256), when, the counts per class

The loaders (:func:`emojify_lib.data.fer2013.load_fer2013_folders`) read it as they would read the source itself:
an image archive gives train / test with 10 % of train held out for validation; a csv gives Training / PublicTest /
PrivateTest as train / val / test. Accepted files (recognised by their content, not their name):

* Kaggle's image-folder ``archive.zip``: ``train/`` and ``test/``, one folder per class, 48×48 gray JPEGs (the
  image files are copied unchanged, after each one is decoded and checked);
* the competition's ``fer2013.tar.gz`` (``fer2013/fer2013.csv`` inside), or the competition's whole download, a
  zip that holds it (or ``icml_face_data.csv``);
* a bare ``fer2013.csv`` (``emotion,pixels,Usage``); its faces are written as PNG files (lossless).

The file is untrusted: paths that would land outside the target (``..``, absolute, links) are refused, and so are
archives with absurd sizes or entry counts (a zip bomb). Everything is written into a hidden folder beside the target
and renamed into place at the end, so a refused, damaged or interrupted import leaves nothing behind.
Counts that differ from FER2013's are refused unless ``allow_partial`` (``--allow-partial``) says a part is meant.
"""
from __future__ import annotations

import argparse
import bz2  # noqa: F401  (tarfile's "r:*" opens .tar.bz2 only when bz2 is importable)
import contextlib
import csv
import gzip
import hashlib
import io
import json
import lzma
import os
import re
import shutil
import sys
import tarfile
import time
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from ..core import config
from ..core.emotions import EMOTIONS, FOLDER_ALIASES, NUM_CLASSES
from ..core.errors import DataError
from ..core.images import IMAGE_SUFFIXES, SIZE
from . import fer2013

#: The folder an import writes, inside ``config.data_dir()``, and the record it leaves there.
TARGET_NAME = "fer2013"
MANIFEST = fer2013.IMPORT_MANIFEST
#: Class folder names written (Kaggle's), canonical order.
CLASS_FOLDERS = fer2013.FOLDER_NAMES["kaggle"]

#: FER2013's real counts per class (canonical order: angry, disgust, fear, happy, sad, surprise, neutral).
#: Kaggle's image folders: ``test`` = the csv's PublicTest + PrivateTest.
EXPECTED_FOLDERS = {
    "train": (3995, 436, 4097, 7215, 4830, 3171, 4965),    # 28,709
    "test": (958, 111, 1024, 1774, 1247, 831, 1233),       # 7,178
}
#: The competition's csv: Training / PublicTest / PrivateTest as train / val / test.
EXPECTED_CSV = {
    "train": EXPECTED_FOLDERS["train"],
    "val": (467, 56, 496, 895, 653, 415, 607),            # 3,589 PublicTest
    "test": (491, 55, 528, 879, 594, 416, 626),           # 3,589 PrivateTest
}

# Limits for an untrusted file. The real ones: archive.zip 35,887 JPEGs of 1-2 KB (about 60 MB in all);
# fer2013.csv 301 MB with 35,887 rows. Anything far beyond is not FER2013 (or is a zip bomb).
MAX_ENTRIES = 100_000          # files in an archive
MAX_IMAGE_BYTES = 256 * 1024   # one 48×48 image file
MAX_IMAGES_BYTES = 1 << 30     # all image files together, uncompressed
MAX_CSV_BYTES = 1 << 30        # the csv, uncompressed
MAX_ROWS = 100_000             # faces in a csv
CSV_NAMES = ("fer2013.csv", "icml_face_data.csv")   # the competition's csv under its two names
TAR_NAMES = ("fer2013.tar.gz", "fer2013.tgz", "fer2013.tar")
SPLIT_ALIASES = {"train": "train", "training": "train", "test": "test", "val": "val", "validation": "val"}
JUNK = re.compile(r"(^|/)(__MACOSX/|\.[^/]*$|thumbs\.db$|desktop\.ini$)", re.IGNORECASE)

#: What a damaged or cut-short archive raises while it is read.
_DAMAGED = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile, lzma.LZMAError,
            NotImplementedError, csv.Error)


def _n(count: int) -> str:
    return f"{count:,}"


# ------------------------------------------------------------------------------------------------ results
@dataclass
class ImportResult:
    """What :func:`import_fer2013` did: ``status`` is ``"imported"`` or ``"already"``."""
    status: str
    target: Path
    format: str
    counts: dict = field(default_factory=dict)
    complete: bool = True
    seconds: float = 0.0
    source: str = ""

    def summary(self) -> str:
        sizes = ", ".join(f"{s} {_n(sum(c.values()))}" for s, c in self.counts.items())
        part = "" if self.complete else " (a partial copy: not FER2013's full counts)"
        if self.status == "already":
            return (f"FER2013 is already there: {self.target} ({sizes}){part}; nothing to do "
                    "(--force imports it again)")
        return f"Imported {self.source} into {self.target}: {sizes} faces{part} in {self.seconds:.1f} s"


def _counts_dict(table: dict[str, list[int]]) -> dict[str, dict[str, int]]:
    return {split: {EMOTIONS[c]: int(n) for c, n in enumerate(row)} for split, row in table.items()}


def _compare(found: dict[str, list[int]], expected: dict) -> str | None:
    """``None`` when ``found`` equals FER2013's counts, else a short phrase saying how it differs."""
    if set(found) != set(expected):
        return (f"it has the splits {sorted(found)}, FER2013 has {sorted(expected)}")
    totals = {s: sum(found[s]) for s in expected}
    if any(totals[s] != sum(expected[s]) for s in expected):
        have = " + ".join(f"{_n(totals[s])} {s}" for s in expected)
        want = " + ".join(f"{_n(sum(expected[s]))}" for s in expected)
        return f"it holds {have} faces, FER2013 has {want}"
    wrong = [f"{s} {EMOTIONS[c]} {_n(found[s][c])} (FER2013: {_n(expected[s][c])})"
             for s in expected for c in range(NUM_CLASSES) if found[s][c] != expected[s][c]]
    return "its per-class counts differ from FER2013's: " + "; ".join(wrong[:3]) if wrong else None


# -------------------------------------------------------------------------------------------- safe paths
def _parts(name: str, src: str) -> list[str]:
    """The path components of an archive entry; refuses names that could land outside the target."""
    if "\x00" in name or "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        raise DataError(f"{src}: refused: entry {name[:80]!r} has an absolute or Windows path that would be "
                        "written outside the target folder; this is not Kaggle's FER2013 (and may be malicious)")
    parts = [p for p in name.split("/") if p not in ("", ".")]
    if ".." in parts:
        raise DataError(f"{src}: refused: entry {name[:80]!r} climbs out of the archive with '..' (a zip-slip "
                        "path); this is not Kaggle's FER2013 (and may be malicious)")
    return parts


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# ------------------------------------------------------------------------------------------- the writer
class _Writer:
    """Writes faces into a hidden folder beside the target; :meth:`commit` renames it into place."""

    def __init__(self, target: Path):
        self.target = target
        self.tmp = target.parent / f".{target.name}.importing-{os.getpid()}-{os.urandom(3).hex()}"
        self.tmp.mkdir()
        self.counts: dict[str, list[int]] = {}
        self.bytes = 0

    def path(self, split: str, label: int, name: str) -> Path:
        folder = self.tmp / split / CLASS_FOLDERS[label]
        if split not in self.counts:
            self.counts[split] = [0] * NUM_CLASSES
        folder.mkdir(parents=True, exist_ok=True)
        self.counts[split][label] += 1
        return folder / name

    def write_bytes(self, split: str, label: int, name: str, data: bytes, src: str) -> None:
        path = self.path(split, label, name)
        try:
            with open(path, "xb") as handle:   # "x": a name that occurs twice is refused, never overwritten
                handle.write(data)
        except FileExistsError:
            raise DataError(f"{src}: {split}/{CLASS_FOLDERS[label]}/{name} occurs twice in the archive; "
                            "it is not Kaggle's FER2013 archive") from None
        self.bytes += len(data)

    def write_face(self, split: str, label: int, name: str, face) -> None:
        import cv2

        ok, png = cv2.imencode(".png", face)
        if not ok:  # pragma: no cover - OpenCV always encodes a uint8 (48, 48) array
            raise DataError(f"could not encode {name} as PNG")
        with open(self.path(split, label, name), "xb") as handle:
            handle.write(png.tobytes())
        self.bytes += png.size

    def commit(self, manifest: dict, replace: bool) -> None:
        (self.tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        if replace and self.target.exists():
            old = self.target.parent / f".{self.target.name}.replaced-{os.getpid()}-{os.urandom(3).hex()}"
            os.rename(self.target, old)
            try:
                os.rename(self.tmp, self.target)
            except OSError:
                os.rename(old, self.target)
                raise
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(self.tmp, self.target)

    def discard(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


def _remove_stale(parent: Path) -> None:
    """Remove hidden folders left by imports that were killed outright (their process no longer exists)."""
    for old in parent.glob(f".{TARGET_NAME}.*-*-*"):
        match = re.match(rf"\.{TARGET_NAME}\.(importing|replaced)-(\d+)-", old.name)
        if not match or not old.is_dir():
            continue
        try:
            os.kill(int(match.group(2)), 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except (PermissionError, OSError):
            pass


# ------------------------------------------------------------------------------------ image-folder zips
def _decode_check(data: bytes, where: str, src: str) -> None:
    import cv2
    import numpy as np

    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED) if data else None
    if image is None:
        raise DataError(f"{src}: {where} is not a readable image (damaged, or not an image); "
                        "download the archive again")
    if image.ndim != 2 or image.dtype != np.uint8:
        kind = f"{image.shape[2]} channels" if image.ndim == 3 else f"{image.ndim} dimensions"
        raise DataError(f"{src}: {where} is not an 8-bit grayscale image ({kind}, {image.dtype}); "
                        "FER2013's faces are 48×48 gray: this is another data set")
    if image.shape != (SIZE, SIZE):
        raise DataError(f"{src}: {where} is {image.shape[1]}×{image.shape[0]} pixels, FER2013's faces are "
                        f"{SIZE}×{SIZE}: this is another data set (or an upscaled copy of FER2013)")


def _image_entries(infos: list, src: str) -> list[tuple[str, int, str, object]]:
    """``(split, label, file name, info)`` for each image of a Kaggle-style archive; refuses anything else."""
    named = [(info, _parts(info.filename, src)) for info in infos]
    # one wrapping folder (e.g. fer2013/train/...) is fine: drop it when every entry starts with it
    firsts = {parts[0] for _, parts in named if parts}
    if len(firsts) == 1 and next(iter(firsts)).lower() not in SPLIT_ALIASES and all(len(p) > 1 for _, p in named):
        named = [(info, parts[1:]) for info, parts in named]
    entries, seen_classes = [], set()
    for info, parts in named:
        shown = "/".join(parts)
        if len(parts) != 3 or parts[0].lower() not in SPLIT_ALIASES:
            raise DataError(f"{src}: unexpected entry {shown[:80]!r}; Kaggle's archive holds only "
                            "train/<class>/<image> and test/<class>/<image>")
        split, cls, name = SPLIT_ALIASES[parts[0].lower()], parts[1], parts[2]
        canonical = FOLDER_ALIASES.get(cls.lower())
        if canonical is None:
            raise DataError(f"{src}: class folder {parts[0]}/{cls[:40]!r} is not one of FER2013's seven emotions "
                            f"({', '.join(EMOTIONS)}); this is another data set")
        if Path(name).suffix.lower() not in IMAGE_SUFFIXES:
            raise DataError(f"{src}: {shown[:80]!r} is not an image file (expected .jpg or .png faces)")
        if len(name) > 200:
            raise DataError(f"{src}: file name {name[:40]!r}... is too long")
        seen_classes.add((split, canonical))
        entries.append((split, EMOTIONS.index(canonical), name, info))
    splits = {split for split, _ in seen_classes}
    for needed in ("train", "test"):
        if needed not in splits:
            raise DataError(f"{src}: has no {needed}/ folder of images; Kaggle's archive holds train/<class>/ "
                            "and test/<class>/")
    return entries


def _import_zip_images(zf: zipfile.ZipFile, infos: list, src: str, writer_factory, allow_partial: bool,
                       say) -> tuple["_Writer", str | None]:
    entries = _image_entries(infos, src)
    total = sum(info.file_size for *_, info in entries)
    big = next((info for *_, info in entries if info.file_size > MAX_IMAGE_BYTES), None)
    if big is not None:
        raise DataError(f"{src}: refused: {big.filename[:80]!r} unpacks to {_n(big.file_size)} bytes, far more "
                        f"than a 48×48 face needs (at most {_n(MAX_IMAGE_BYTES)}); not FER2013, or a zip bomb")
    if total > MAX_IMAGES_BYTES:
        raise DataError(f"{src}: refused: its images unpack to {_n(total)} bytes (FER2013's: about 60 MB); "
                        "not FER2013, or a zip bomb")
    counts: dict[str, list[int]] = {}
    for split, label, _, _ in entries:
        counts.setdefault(split, [0] * NUM_CLASSES)[label] += 1
    differs = _compare(counts, EXPECTED_FOLDERS)
    _check_counts(differs, src, allow_partial)
    _check_space(total * 2, src)
    say(f"Checking and unpacking {_n(len(entries))} images of {src} ...")
    writer = writer_factory()
    for split, label, name, info in entries:
        with zf.open(info) as member:
            data = member.read(MAX_IMAGE_BYTES + 1)
        if len(data) > MAX_IMAGE_BYTES:
            raise DataError(f"{src}: refused: {info.filename[:80]!r} unpacks to more than it claims; a zip bomb")
        _decode_check(data, info.filename, src)
        writer.write_bytes(split, label, name, data, src)
    return writer, differs, "image folders"


def _check_counts(differs: str | None, src: str, allow_partial: bool) -> None:
    if differs and not allow_partial:
        raise DataError(f"{src}: not the complete FER2013: {differs}. A cut-short download or another data set? "
                        "Download it again, or pass --allow-partial to import it anyway")


def _check_space(need: int, src: str) -> None:
    free = shutil.disk_usage(_parent_that_exists(config.data_dir())).free
    if need > free:
        raise DataError(f"{src}: needs about {need / 1e6:,.0f} MB in {config.data_dir()}, only "
                        f"{free / 1e6:,.0f} MB are free; make room (or set EMOJIFY_DATA to another disk)")


def _parent_that_exists(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


# --------------------------------------------------------------------------------------------- csv files
class _Reader(io.RawIOBase):
    """Any object with ``read(n)`` as a plain readable stream (a tar member read in stream mode has no
    ``seekable``, which ``io.TextIOWrapper`` asks for)."""

    def __init__(self, handle):
        self.handle = handle

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.handle.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _import_csv(stream, src: str, writer_factory, allow_partial: bool, say) -> tuple["_Writer", str | None]:
    """Read a FER2013 csv from a binary ``stream``: every row checked, each face written as a PNG."""
    text = io.TextIOWrapper(io.BufferedReader(_Reader(stream), 1 << 16), encoding="utf-8", newline="")
    first = text.readline(4096)
    header = [h.strip() for h in first.strip().split(",")]
    if not {"emotion", "pixels"} <= set(header):
        raise DataError(f"{src}: the first line is {first[:60]!r}, not the header 'emotion,pixels,Usage' of "
                        "FER2013's csv; is it the right file?")
    if "Usage" not in header:
        raise DataError(f"{src}: has no Usage column, so its test faces cannot be told from its training faces "
                        "(the competition's train.csv?); import fer2013.csv, fer2013.tar.gz or the whole download")
    i_emotion, i_pixels, i_usage = header.index("emotion"), header.index("pixels"), header.index("Usage")
    say(f"Checking and unpacking the faces of {src} ...")
    writer = writer_factory()
    rows = 0
    for line, row in enumerate(csv.reader(text), start=2):
        if not row:
            continue
        where = f"{src}, line {line}"
        if len(row) != len(header):
            raise DataError(f"{where}: expected {len(header)} fields, found {len(row)}; the file is damaged "
                            "or cut short (download it again)")
        usage = row[i_usage].strip()
        if usage not in fer2013.USAGE_TO_SPLIT:
            raise DataError(f"{where}: Usage {usage[:20]!r} is not one of {list(fer2013.USAGE_TO_SPLIT)}")
        label = fer2013._parse_label(row[i_emotion], where)
        face = fer2013._parse_pixels(row[i_pixels].strip(), where)
        rows += 1
        if rows > MAX_ROWS:
            raise DataError(f"{src}: refused: more than {_n(MAX_ROWS)} faces (FER2013 has 35,887); "
                            "another data set")
        writer.write_face(fer2013.USAGE_TO_SPLIT[usage], label, f"{usage}_{line:05d}.png", face)
    if rows == 0:
        raise DataError(f"{src}: holds a header but no faces; the file is cut short (download it again)")
    counts = {s: writer.counts.get(s, [0] * NUM_CLASSES) for s in ("train", "val", "test")}
    differs = _compare(counts, EXPECTED_CSV)
    _check_counts(differs, src, allow_partial)
    return writer, differs, "csv"


def _check_last_row(path: Path, src: str) -> None:
    """Fail fast on a csv cut short mid-row: its last line is checked before hundreds of MB are read (the full read
    checks every row anyway; this only makes a broken download answer in a second)."""
    with open(path, "rb") as handle:
        header = handle.readline(4096).decode("utf-8", errors="replace").split(",")
        handle.seek(max(0, path.stat().st_size - 65536))
        lines = handle.read().decode("utf-8", errors="replace").rstrip("\r\n").rsplit("\n", 1)
    if "pixels" not in [h.strip() for h in header] or len(lines) < 2:
        return                                   # not FER2013's header, or no rows: the full read says so
    fields = lines[-1].split(",")
    if len(fields) != len(header) or not any(len(f.split()) == 2304 for f in fields):
        raise DataError(f"{src}: the last line is not a whole row ({len(fields)} field(s), "
                        f"{max(len(f.split()) for f in fields):,} values at most, FER2013's rows hold 2,304 "
                        "pixels); the file is cut short (download it again)")


def _csv_member(names: list[tuple[str, object]]):
    """The entry holding the competition's csv (by its file name), if any."""
    for wanted in CSV_NAMES:
        for name, obj in names:
            if name.rsplit("/", 1)[-1].lower() == wanted:
                return obj
    return None


def _import_tar(fileobj, src: str, writer_factory, allow_partial: bool, say, stream: bool = False):
    """The competition's ``fer2013.tar.gz``: find ``fer2013/fer2013.csv`` and read it without unpacking."""
    with tarfile.open(fileobj=fileobj, mode="r|*" if stream else "r:*") as tar:
        for n, member in enumerate(tar, start=1):
            if n > MAX_ENTRIES:
                raise DataError(f"{src}: refused: more than {_n(MAX_ENTRIES)} entries; not FER2013's archive")
            _parts(member.name, src)
            if member.name.rsplit("/", 1)[-1].lower() not in CSV_NAMES:
                continue
            if not member.isfile():
                raise DataError(f"{src}: refused: {member.name[:80]!r} is a link or special file, not the csv")
            if member.size > MAX_CSV_BYTES:
                raise DataError(f"{src}: refused: {member.name[:80]!r} unpacks to {_n(member.size)} bytes "
                                "(FER2013's csv: 301 MB); not FER2013, or an archive bomb")
            _check_space(member.size // 2, src)
            handle = tar.extractfile(member)
            return _import_csv(handle, f"{src}:{member.name}", writer_factory, allow_partial, say)
    raise DataError(f"{src}: holds no fer2013.csv (the competition's fer2013.tar.gz holds fer2013/fer2013.csv); "
                    "is it the right file?")


def _import_zip(path: Path, src: str, writer_factory, allow_partial: bool, say):
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise DataError(f"{src}: refused: {_n(len(infos))} entries (FER2013's archive: 35,887 images); "
                            "not FER2013, or a zip bomb")
        files = []
        for info in infos:
            _parts(info.filename, src)                 # every name is checked, junk included
            if (info.external_attr >> 16) & 0o170000 == 0o120000:
                raise DataError(f"{src}: refused: entry {info.filename[:80]!r} is a symbolic link; "
                                "this is not Kaggle's FER2013")
            if info.flag_bits & 0x1:
                raise DataError(f"{src}: {info.filename[:80]!r} is encrypted; emojify reads only plain archives")
            if not info.is_dir() and not JUNK.search(info.filename):
                files.append(info)
        if not files:
            raise DataError(f"{src}: the zip archive is empty")
        folders = [i for i in files if len(_parts(i.filename, src)) >= 3]
        if folders:
            return _import_zip_images(zf, files, src, writer_factory, allow_partial, say)
        named = [(i.filename, i) for i in files]
        inner = _csv_member(named)
        if inner is not None:
            if inner.file_size > MAX_CSV_BYTES:
                raise DataError(f"{src}: refused: {inner.filename[:80]!r} unpacks to {_n(inner.file_size)} bytes "
                                "(FER2013's csv: 301 MB); not FER2013, or a zip bomb")
            _check_space(inner.file_size // 2, src)
            with zf.open(inner) as handle:
                return _import_csv(handle, f"{src}:{inner.filename}", writer_factory, allow_partial, say)
        tar = next((i for i in files if i.filename.rsplit("/", 1)[-1].lower() in TAR_NAMES), None)
        if tar is not None:
            with zf.open(tar) as handle:
                return _import_tar(handle, f"{src}:{tar.filename}", writer_factory, allow_partial, say,
                                   stream=True)
        shown = ", ".join(i.filename for i in files[:3])
        raise DataError(f"{src}: holds neither train/ and test/ image folders nor fer2013.csv (it holds {shown}"
                        f"{' ...' if len(files) > 3 else ''}); is it the right file?")


def _kind(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(512)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "zip"
    if head[:2] == b"\x1f\x8b" or head[:3] == b"BZh" or head[:6] == b"\xfd7zXZ\x00" or head[257:262] == b"ustar":
        return "tar"
    return "csv"


# --------------------------------------------------------------------------------------------- the import
def import_fer2013(source: str | Path, allow_partial: bool = False, force: bool = False,
                   say=print) -> ImportResult:
    """Check ``source`` (Kaggle's ``archive.zip``, the competition's ``fer2013.tar.gz`` or its download, or a bare
    ``fer2013.csv``) and unpack it atomically into ``config.data_dir() / "fer2013"``.

    :class:`DataError` (one line: what, where, what to do) when the file is missing, damaged, cut short, unsafe or
    not FER2013, or when its counts differ from FER2013's and ``allow_partial`` is False; nothing is left behind.
    When the same file was imported before, returns with ``status == "already"``; when something else is there,
    refuses unless ``force``. ``say`` receives the progress lines.
    """
    start = time.perf_counter()
    path = Path(source).expanduser()
    src = path.name
    if not path.is_file():
        raise DataError(f"{path}: no such file; give the path of archive.zip, fer2013.tar.gz or fer2013.csv "
                        "(see data/README.md)" if not path.is_dir() else
                        f"{path} is a folder; give the downloaded archive (archive.zip, fer2013.tar.gz) or csv")
    size = path.stat().st_size
    if size == 0:
        raise DataError(f"{path}: the file is empty (0 bytes); download it again")
    digest = _sha256(path)
    root = config.data_dir()
    target = root / TARGET_NAME
    if target.exists():
        previous = read_manifest(target)
        if previous and previous.get("sha256") == digest and not force:
            return ImportResult("already", target, previous.get("format", ""), previous.get("counts", {}),
                                previous.get("complete", False), source=src)
        if not force:
            what = (f"FER2013 imported from {previous.get('source')} on {previous.get('imported', '?')[:10]}"
                    if previous else "a folder not made by `data import`")
            raise DataError(f"{target} already holds {what}; pass --force to replace it with {src}, "
                            "or set EMOJIFY_DATA to import somewhere else")
    created_root = not root.exists()
    root.mkdir(parents=True, exist_ok=True)
    _remove_stale(root)
    writers: list[_Writer] = []

    def writer_factory() -> _Writer:
        writers.append(_Writer(target))
        return writers[-1]

    kind = _kind(path)
    try:
        try:
            if kind == "zip":
                writer, differs, fmt = _import_zip(path, src, writer_factory, allow_partial, say)
            elif kind == "tar":
                with open(path, "rb") as handle:
                    writer, differs, fmt = _import_tar(handle, src, writer_factory, allow_partial, say)
            else:
                if size > MAX_CSV_BYTES:
                    raise DataError(f"{src}: refused: {_n(size)} bytes is far more than FER2013's csv (301 MB)")
                _check_space(size // 2, src)
                _check_last_row(path, src)
                with open(path, "rb") as handle:
                    writer, differs, fmt = _import_csv(handle, src, writer_factory, allow_partial, say)
        except _DAMAGED as exc:
            label = {"zip": "zip archive", "tar": "tar archive", "csv": "csv file"}[kind]
            reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
            raise DataError(f"{src}: the {label} is damaged or cut short ({reason}); download it again") from None
        except UnicodeDecodeError as exc:
            raise DataError(f"{src}: not a FER2013 file: neither a zip or tar archive nor a UTF-8 text csv "
                            f"(byte {exc.start}); is it the right file, fully downloaded?") from None
        manifest = {
            "source": src, "bytes": size, "sha256": digest, "format": fmt,
            "imported": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "complete": differs is None, "differs": differs,
            "counts": _counts_dict(writer.counts),
        }
        writer.commit(manifest, replace=force)
    except BaseException:
        for writer in writers:
            writer.discard()
        if created_root:
            with contextlib.suppress(OSError):
                root.rmdir()  # only when empty: we made it, we take it away
        raise
    if differs:
        say(f"Warning: {src} is not the complete FER2013 ({differs}); imported anyway (--allow-partial). "
            "The course's figures refer to the full set.")
    return ImportResult("imported", target, fmt, manifest["counts"], differs is None,
                        time.perf_counter() - start, src)


def read_manifest(folder: Path) -> dict | None:
    """The record an import left in ``folder``, or ``None``."""
    try:
        data = json.loads((Path(folder) / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


# ------------------------------------------------------------------------------------------- what we see
def _count_folders(root: Path) -> dict[str, list[int]]:
    counts = {}
    for split_dir in sorted(p for p in root.iterdir() if p.is_dir()):
        split = SPLIT_ALIASES.get(split_dir.name.lower())
        if split is None:
            continue
        row = [0] * NUM_CLASSES
        for class_dir in split_dir.iterdir():
            name = FOLDER_ALIASES.get(class_dir.name.lower())
            if name is not None and class_dir.is_dir():
                row[EMOTIONS.index(name)] += sum(1 for f in class_dir.iterdir() if f.suffix.lower() in IMAGE_SUFFIXES)
        counts[split] = row
    return counts


def _count_csv(path: Path) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {}
    with open(path, encoding="utf-8", errors="replace") as handle:
        header = [h.strip() for h in handle.readline().split(",")]
        if "emotion" not in header:
            return counts
        i_emotion = header.index("emotion")
        i_usage = header.index("Usage") if "Usage" in header else None
        for line in handle:
            fields = line.split(",")
            if len(fields) != len(header) or not fields[i_emotion].strip().isdigit():
                continue
            label = int(fields[i_emotion])
            split = fer2013.USAGE_TO_SPLIT.get(fields[i_usage].strip(), "?") if i_usage is not None else "train"
            if label < NUM_CLASSES:
                counts.setdefault(split, [0] * NUM_CLASSES)[label] += 1
    return counts


def _table(counts: dict[str, list[int]]) -> list[str]:
    width = max(len(e) for e in EMOTIONS)
    lines = ["  " + "split".ljust(6) + "".join(e.rjust(width + 1) for e in EMOTIONS) + "total".rjust(8)]
    for split in ("train", "val", "test", "?"):
        if split in counts:
            row = counts[split]
            lines.append("  " + split.ljust(6) + "".join(_n(n).rjust(width + 1) for n in row)
                         + _n(sum(row)).rjust(8))
    return lines


def describe() -> str:
    """What emojify sees: where it looks, what it found (format, origin, counts per split and class), and what the
    lessons and ``train`` will use."""
    root = config.data_dir()
    where = ("$EMOJIFY_DATA" if os.environ.get("EMOJIFY_DATA") else "the project's data/ folder; set EMOJIFY_DATA "
             "to look elsewhere")
    lines = [f"emojify looks for FER2013 in {root} ({where})."]
    location = fer2013.find_fer2013()
    if location is None:
        from . import sample

        sizes = {q: {s: sum(c) for s, c in sample.split_counts(q).items()} for q in (True, False)}
        lines += [
            "No FER2013 there (looked for fer2013/ with train/ and test/, fer2013.csv, fer2013/fer2013.csv).",
            "So every lesson and `train` use the bundled sample: synthetic cartoon faces drawn by emojify_lib.data."
            f"sample ({' / '.join(_n(n) for n in sizes[False].values())} train / val / test faces; "
            f"{' / '.join(_n(n) for n in sizes[True].values())} in quick mode).",
            "To get FER2013:  python -m emojify_lib data download       (with a Kaggle account; it says how)",
            "             or  python -m emojify_lib data import FILE    (archive.zip, fer2013.tar.gz or fer2013.csv "
            "you downloaded; see data/README.md)",
        ]
        return "\n".join(lines)
    if location.is_file():
        fmt, counts, manifest = "csv (Training / PublicTest / PrivateTest = train / val / test)", _count_csv(location), None
    else:
        manifest = read_manifest(location)
        counts = _count_folders(location)
        fmt = "image folders" + (" (val = the csv's PublicTest, test = its PrivateTest)" if "val" in counts
                                 else " (validation: 10 % of train, held out per class)")
    lines.append(f"Found: {location}  [{fmt}]")
    if manifest:
        lines.append(f"Imported by `data import` from {manifest.get('source')} (SHA-256 "
                     f"{str(manifest.get('sha256'))[:12]}…) on {str(manifest.get('imported'))[:10]}.")
    lines += _table(counts)
    differs = _compare(counts, EXPECTED_CSV if "val" in counts else EXPECTED_FOLDERS)
    if differs is None:
        lines.append(f"This is the complete FER2013 ({_n(sum(map(sum, counts.values())))} faces).")
    else:
        lines.append(f"Not the complete FER2013: {differs}.")
    others = [p for p in (root / "fer2013.csv", root / TARGET_NAME / "fer2013.csv", root / TARGET_NAME)
              if p.exists() and p != location]
    if others:
        lines.append("Also there, not used: " + ", ".join(str(p) for p in others))
    if config.quick_mode():
        lines.append("Quick mode is on (EMOJIFY_QUICK=1): lessons and `train` use the bundled sample anyway, "
                     "unless you name the data (--data PATH).")
    else:
        lines.append("The lessons (full mode), `train` and `evaluate` use it.")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ download
KAGGLE_DATASET = "msambare/fer2013"
KAGGLE_COMPETITION = "challenges-in-representation-learning-facial-expression-recognition-challenge"


def kaggle_credentials() -> str | None:
    """Where the ``kaggle`` package would find credentials (a short description), or ``None``. Reads nothing
    secret: it only looks whether the variables or files exist."""
    env = os.environ
    if env.get("KAGGLE_API_TOKEN"):
        return "the KAGGLE_API_TOKEN variable"
    if env.get("KAGGLE_USERNAME") and env.get("KAGGLE_KEY"):
        return "the KAGGLE_USERNAME and KAGGLE_KEY variables"
    home = Path.home()
    folders = [Path(env["KAGGLE_CONFIG_DIR"]).expanduser()] if env.get("KAGGLE_CONFIG_DIR") else []
    xdg = Path(env["XDG_CONFIG_HOME"]).expanduser() if env.get("XDG_CONFIG_HOME") else home / ".config"
    folders += [home / ".kaggle", xdg / "kaggle"]
    for folder in folders:
        for name in ("kaggle.json", "access_token", "access_token.txt"):
            if (folder / name).is_file():
                return str(folder / name)
    return None


def no_credentials_help() -> str:
    comp_url = f"https://www.kaggle.com/c/{KAGGLE_COMPETITION}"
    return "\n".join([
        "emojify: no Kaggle credentials found, so nothing was downloaded.",
        "FER2013 comes from Kaggle; downloading it needs a (free) Kaggle account and an API token:",
        "  1. Sign in at https://www.kaggle.com, open https://www.kaggle.com/settings, and under 'API' click",
        "     'Create New Token'. Save the kaggle.json it gives you as ~/.kaggle/kaggle.json",
        "     (mkdir -p ~/.kaggle; mv ~/Downloads/kaggle.json ~/.kaggle/; chmod 600 ~/.kaggle/kaggle.json),",
        "     or set KAGGLE_USERNAME and KAGGLE_KEY (the two values inside it), or KAGGLE_API_TOKEN to a token.",
        "  2. Install Kaggle's client once:  pip install kaggle   (conda: conda install -c conda-forge kaggle)",
        f"  3. The faces belong to the competition's data: read its rules at {comp_url}/rules",
        f"     (with --competition, click 'I Understand and Accept' there first, or Kaggle answers 403), and the",
        f"     licence on the data set's page https://www.kaggle.com/datasets/{KAGGLE_DATASET}.",
        "  4. Run again:  python -m emojify_lib data download",
        "Or download archive.zip (the data set's page, 'Download') or fer2013.tar.gz (the competition's 'Data' tab)",
        "in your browser and run:  python -m emojify_lib data import ~/Downloads/archive.zip",
    ])


def download(competition: bool = False, allow_partial: bool = False, force: bool = False,
             say=print) -> ImportResult | None:
    """Download FER2013 with Kaggle's own client and import it. ``None`` (after printing what to do) when there
    are no Kaggle credentials; nothing is fetched then. The default is the image-folder data set
    ``msambare/fer2013`` (Kaggle's archive.zip, the one the course's figures were measured on);
    ``competition=True`` takes the competition's original files (its rules must be accepted on kaggle.com)."""
    target = config.data_dir() / TARGET_NAME
    if target.exists() and not force:   # decided before anything is fetched
        previous = read_manifest(target)
        if previous and previous.get("complete"):
            return ImportResult("already", target, previous.get("format", ""), previous.get("counts", {}), True,
                                source=previous.get("source", ""))
        what = "a partial import" if previous else "a folder not made by `data import`"
        raise DataError(f"{target} already holds {what}; pass --force to download and replace it")
    where = kaggle_credentials()
    if where is None:
        print(no_credentials_help(), file=sys.stderr)
        return None
    try:
        from kaggle.api.kaggle_api_extended import KaggleApi  # importing `kaggle` authenticates at once
    except ImportError:
        raise DataError("Kaggle's client is not installed: pip install kaggle (or conda install -c conda-forge "
                        "kaggle), then run `python -m emojify_lib data download` again") from None
    except SystemExit:
        raise DataError(f"Kaggle did not accept the credentials in {where}; make a new token at "
                        "https://www.kaggle.com/settings and try again") from None
    api = KaggleApi()
    try:
        api.authenticate()
    except SystemExit:
        raise DataError(f"Kaggle did not accept the credentials in {where}; make a new token at "
                        "https://www.kaggle.com/settings and try again") from None
    folder = config.data_dir() / "downloads"
    folder.mkdir(parents=True, exist_ok=True)
    before = set(folder.iterdir())
    name = KAGGLE_COMPETITION if competition else KAGGLE_DATASET
    say(f"Downloading {name} from Kaggle into {folder} (credentials: {where}) ...")
    try:
        if competition:
            api.competition_download_files(KAGGLE_COMPETITION, path=str(folder), quiet=False)
        else:
            api.dataset_download_files(KAGGLE_DATASET, path=str(folder), quiet=False)
    except Exception as exc:  # the client's HTTP errors have no common base class we could name
        hint = (f"; accept the competition's rules at https://www.kaggle.com/c/{KAGGLE_COMPETITION}/rules first"
                if competition and "403" in str(exc) else "")
        raise DataError(f"the download from Kaggle failed: {str(exc).splitlines()[0][:200] if str(exc) else exc!r}"
                        f"{hint}") from None
    new = sorted(set(folder.iterdir()) - before, key=lambda p: p.stat().st_size, reverse=True)
    if not new:
        raise DataError(f"Kaggle's client finished but left no new file in {folder}")
    try:
        result = import_fer2013(new[0], allow_partial=allow_partial, force=force, say=say)
    except DataError as exc:
        raise DataError(f"{exc} (the download is kept as {new[0]}: import it again with `data import`, "
                        "or delete it)") from None
    for file in new:
        file.unlink(missing_ok=True)   # imported: the archive is no longer needed (kept when the import failed)
    with contextlib.suppress(OSError):
        folder.rmdir()
    return result


# --------------------------------------------------------------------------------------------- the CLI
def add_arguments(parser) -> None:
    """The ``data`` command's sub-commands (``python -m emojify_lib data [import FILE | download]``)."""
    sub = parser.add_subparsers(dest="data_command", metavar="[import FILE | download]")
    p = sub.add_parser("import", help="check a downloaded FER2013 file and unpack it into data/fer2013",
                       description="Check Kaggle's archive.zip (image folders), the competition's fer2013.tar.gz "
                                   "(or its whole download) or a bare fer2013.csv, and unpack it into data/fer2013 "
                                   "(or $EMOJIFY_DATA/fer2013): every image decoded, every row parsed, the counts "
                                   "compared with FER2013's. A damaged or wrong file leaves nothing behind.")
    p.add_argument("file", metavar="FILE", help="archive.zip, fer2013.tar.gz or fer2013.csv")
    p.add_argument("--allow-partial", action="store_true",
                   help="import even when the counts differ from FER2013's (28,709 train, 7,178 test): a subset, "
                        "a quick look, a test")
    p.add_argument("--force", action="store_true", help="replace what is already in data/fer2013")
    p = sub.add_parser("download", help="download FER2013 with Kaggle's client (needs a Kaggle account) and import it",
                       description="Download Kaggle's image-folder FER2013 (data set msambare/fer2013) with the "
                                   "`kaggle` package, then import it. Without Kaggle credentials it fetches nothing "
                                   "and says how to get them.")
    p.add_argument("--competition", action="store_true",
                   help="download the competition's original files (fer2013.csv) instead; accept its rules on "
                        "kaggle.com first")
    p.add_argument("--allow-partial", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--force", action="store_true", help="download and import again even when FER2013 is there")


def run_cli(args) -> int:
    """Run ``data``, ``data import`` or ``data download``; errors raise :class:`DataError` (one line)."""
    command = getattr(args, "data_command", None)
    if command is None:
        print(describe())
        return 0
    say = lambda line: print(line, flush=True)  # noqa: E731
    if command == "import":
        result = import_fer2013(args.file, allow_partial=args.allow_partial, force=args.force, say=say)
    else:
        result = download(competition=args.competition, allow_partial=args.allow_partial, force=args.force,
                          say=say)
        if result is None:
            return 2
    print(result.summary())
    if result.status == "imported":
        print("Check it with: python -m emojify_lib data")
    return 0
