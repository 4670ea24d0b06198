"""Graders for lesson 03's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np

from . import _grading
from ._grading import ExerciseFailed, ExerciseOpen, _short, call, expect_close, fail, grader, passed
from ..core.emotions import CLASSIC_ORDER, EMOTIONS, NUM_CLASSES
from ..data.fer2013 import read_csv_row, read_folder_image
from ..data.pipeline import class_weights

__all__ = ["score", "check_read_csv_row", "check_read_folder_image", "check_majority_baseline",
           "check_class_weights"]

LESSON = "03"
FER2013_TRAIN_COUNTS = np.array([3995, 436, 4097, 7215, 4830, 3171, 4965])


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


def _raised(fn, arg, name: str) -> BaseException | None:
    """Call ``fn(arg)`` where it should raise: the exception it raised, or None. The stub counts as open."""
    try:
        fn(arg)
    except NotImplementedError:
        raise ExerciseOpen(f"{name} still raises NotImplementedError: replace the `# YOUR CODE HERE` stub with "
                           "your code, then run that cell and this one again.") from None
    except Exception as exc:  # noqa: BLE001 - whatever the learner raised is judged below
        return exc
    return None


def _first_line(exc: BaseException, limit: int = 120) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expect_face(face, want: np.ndarray, what: str, hint_values: str, atol: int = 0) -> None:
    """The learner's face must be a ``uint8 (48, 48)`` array equal to ``want`` (within ``atol`` gray levels)."""
    if not isinstance(face, np.ndarray):
        fail(f"{what}: the face is a {type(face).__name__}, expected a NumPy array",
             "build it with np.array(...) or np.fromstring / np.asarray.")
    if face.shape != (48, 48):
        hint = "reshape the 2,304 numbers to (48, 48): 48 rows of 48 pixels."
        if face.ndim == 3:
            hint = "one face is (48, 48): no channel axis (read the image as grayscale) and no batch axis."
        fail(f"{what}: the face has shape {face.shape}, expected (48, 48)", hint)
    if face.dtype != np.uint8:
        fail(f"{what}: the face has dtype {face.dtype}, expected uint8",
             "pixels are stored as uint8 (0-255) everywhere in the course: .astype(np.uint8) once you know "
             "they lie in 0-255.")
    if np.array_equal(face, want.T) and not np.array_equal(face, want):
        fail(f"{what}: the face is transposed", "the pixels run row by row: reshape(48, 48), no .T, no order='F'.")
    expect_close(face, want, f"{what}'s face", hint_values, atol=atol)


def _expect_label(label, want: int, what: str, hint: str) -> None:
    if isinstance(label, (bool, np.bool_)) or not isinstance(label, (int, np.integer)):
        fail(f"{what}: the label is {_short(label)} ({type(label).__name__}), expected an int",
             "convert the text to a number with int(...).")
    if int(label) != want:
        fail(f"{what}: the label is {int(label)}, expected {want}", hint)


def _pair(got, what: str):
    if not isinstance(got, tuple) or len(got) != 2:
        fail(f"{what} returned {_short(got)}; expected a pair (face, label)", "return face, label")
    face, label = got
    if isinstance(label, np.ndarray) and isinstance(face, (int, np.integer)):
        fail(f"{what} returned (label, face); expected (face, label)", "return face, label — the face first.")
    return face, label


@grader(LESSON, "read_csv_row", reference=read_csv_row)
def check_read_csv_row(fn) -> None:
    """Lesson 03, exercise 1: ``fn(line)`` turns one line of ``fer2013.csv`` (``"emotion,pixels,Usage"``, maybe
    ending in a newline) into ``(face uint8 (48, 48), label int)`` and raises ``ValueError`` for a bad row."""
    rng = np.random.default_rng(3)
    for label, usage, end in [(0, "Training", ""), (3, "PublicTest", "\n"), (6, "PrivateTest", "\r\n")]:
        face = rng.integers(0, 256, (48, 48), dtype=np.uint8)
        face[0, :3] = (0, 255, 7)
        line = f"{label},{' '.join(map(str, face.ravel().tolist()))},{usage}{end}"
        what = f"read_csv_row('{line[:18]}...{usage}{end!r}')"
        got_face, got_label = _pair(call(fn, line, name="read_csv_row"), what)
        _expect_label(got_label, label, what, "the label is the first field, before the first comma.")
        _expect_face(got_face, face, what, "the pixels are the second field: 2,304 numbers separated by spaces.")

    good = " ".join(["128"] * 2304)
    bad_rows = [
        ("2303 pixels", f"4,{' '.join(['128'] * 2303)},Training", ("2304", "2303"),
         "say what you expected and what you found, e.g. ValueError(f'expected 2304 pixels, found {n}'); "
         "NumPy's own 'cannot reshape' message does not tell a reader which rule the row broke."),
        ("label 9", f"9,{good},Training", ("9",),
         "FER2013's ids are 0-6: check the label and raise ValueError naming it if it is out of range."),
        ("label 'happy'", f"happy,{good},Training", ("happy",),
         "the label must be a digit 0-6; int('happy') raises a ValueError that names it, which is fine."),
        ("a pixel 300", f"4,300 {' '.join(['128'] * 2303)},Training", ("300",),
         "check 0 <= pixel <= 255 BEFORE .astype(np.uint8): uint8 silently wraps 300 to 44."),
        ("a pixel 'x'", f"4,x {' '.join(['128'] * 2303)},Training", ("x",),
         "a pixel that is not a number must raise ValueError; int('x') does."),
    ]
    for problem, line, must_name, hint in bad_rows:
        what = f"read_csv_row on a row with {problem}"
        exc = _raised(fn, line, "read_csv_row")
        if exc is None:
            fail(f"{what} returned instead of raising ValueError", hint)
        if not isinstance(exc, ValueError):
            fail(f"{what} raised {type(exc).__name__}({_first_line(exc)!r}); expected a ValueError",
                 "raise ValueError('what is wrong with the row') yourself; a bad value in a row is a ValueError.")
        missing = [m for m in must_name if m not in str(exc)]
        if missing:
            fail(f"{what} raised ValueError({_first_line(exc)!r}), which does not mention {missing}", hint)
    passed("one csv row → a uint8 (48, 48) face and its label, and a bad row says what is wrong with it.")


def _write(path: Path, image: np.ndarray) -> str:
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image)
    return str(path)


@grader(LESSON, "read_folder_image", reference=read_folder_image)
def check_read_folder_image(fn) -> None:
    """Lesson 03, exercise 2: ``fn(path)`` reads one 48×48 image of the folder version (``.../train/<class>/
    <file>``) into ``(face uint8 (48, 48), label int)``, the label from the folder's name in FER2013's id order;
    an unreadable file raises ``ValueError`` naming the file."""
    rng = np.random.default_rng(4)
    with tempfile.TemporaryDirectory(prefix="emojify-ex03-") as tmp:
        root = Path(tmp) / "fer2013" / "train"
        folders = ["happy", "neutral", "sad", "disgusted", "surprise", "angry", "fearful"]
        for i, folder in enumerate(folders):
            face = rng.integers(0, 256, (48, 48), dtype=np.uint8)
            path = _write(root / folder / f"{i:05d}.png", face)
            want_face, want_label = read_folder_image(path)
            what = f"read_folder_image('.../train/{folder}/{i:05d}.png')"
            try:
                got = call(fn, path, name="read_folder_image")
            except ExerciseOpen:
                raise
            except ExerciseFailed as exc:
                if folder in ("disgusted", "fearful"):
                    fail(f"{what} failed: {str(exc).splitlines()[0][2:200]}",
                         f"the classic Emojify folders say '{folder}', Kaggle's say '{EMOTIONS[want_label]}': "
                         "emotions.label_of(name) knows both spellings.")
                raise
            got_face, got_label = _pair(got, what)
            hint = "the label comes from the folder's name (Path(path).parent.name): emotions.label_of(name)."
            if isinstance(got_label, (int, np.integer)) and folder in CLASSIC_ORDER and \
                    int(got_label) == CLASSIC_ORDER.index(folder) != want_label:
                hint = (f"that is '{folder}''s position in the alphabetical folder order; FER2013's id of "
                        f"{folder} is {want_label}. Map the folder by its NAME: emotions.label_of(name).")
            _expect_label(got_label, want_label, what, hint)
            _expect_face(got_face, want_face, what,
                         "read the file as grayscale: cv2.imread(path, cv2.IMREAD_GRAYSCALE).")
        colour = rng.integers(0, 256, (48, 48, 3), dtype=np.uint8)
        path = _write(root / "sad" / "colour.png", colour)
        what = "read_folder_image('.../train/sad/colour.png') (a colour image)"
        got_face, _ = _pair(call(fn, path, name="read_folder_image"), what)
        _expect_face(got_face, read_folder_image(path)[0], what,
                     "convert colour to gray: cv2.IMREAD_GRAYSCALE, or cv2.cvtColor(img, cv2.COLOR_BGR2GRAY).",
                     atol=1)

        broken = root / "happy" / "broken.jpg"
        broken.write_text("this is not a picture")
        exc = _raised(fn, str(broken), "read_folder_image")
        what = "read_folder_image('.../train/happy/broken.jpg') (a file that is not an image)"
        hint = ("cv2.imread does not raise on a bad file, it returns None: check for None and raise "
                "ValueError(f'{path}: not a readable image').")
        if exc is None:
            fail(f"{what} returned instead of raising ValueError", hint)
        if not isinstance(exc, ValueError) or "broken.jpg" not in str(exc):
            fail(f"{what} raised {type(exc).__name__}({_first_line(exc)!r}); expected a ValueError that names the "
                 "file", hint)
    passed("the label comes from the folder's name in FER2013's order (neutral is 6, not its alphabetical 4), "
           "and an unreadable file says which one it is.")


@grader(LESSON, "majority_baseline")
def check_majority_baseline(fn) -> None:
    """Lesson 03, exercise 3: ``fn(y)`` returns the accuracy (a number in 0..1) of a "model" that always
    answers the most common class of the labels ``y`` (int array, ids 0-6)."""
    # the first case tells the mistakes apart: the most common id (5), its count (3) and the accuracy (0.5) differ
    cases = [np.array([5, 5, 0, 1, 5, 2]), np.array([0, 1, 2, 3, 4, 5, 6, 6]), np.array([5]),
             np.repeat(np.arange(7), FER2013_TRAIN_COUNTS)]
    for y in cases:
        got = call(fn, y.copy(), name="majority_baseline")
        want = np.bincount(y).max() / len(y)
        what = f"majority_baseline({_short(y)})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)}; expected one number, the accuracy",
                 "count each class (np.bincount(y)), take the largest count, divide by len(y).")
        hint = "the accuracy is (how many faces have the most common label) / (how many faces there are)."
        counts, g = np.bincount(y), float(got)
        if abs(g - counts.argmax()) < 1e-9 or abs(g - counts.argmax() / len(y)) < 1e-9:
            hint = ("that is built from np.argmax, which gives WHICH class is most common (its id); you want HOW "
                    "MANY faces it has (np.max of the counts), divided by len(y).")
        elif abs(g - counts.max()) < 1e-9:
            hint = "that is the count of the biggest class; divide it by len(y) to get an accuracy."
        elif abs(g - 1 / len(np.unique(y))) < 1e-9 or abs(g - 1 / 7) < 1e-9:
            hint = "that is chance for equal classes (1/k); the majority class is more common than that."
        expect_close(got, want, what, hint)
    passed("on FER2013's training labels, always answering 'happy' is already right 25.1 % of the time.")


@grader(LESSON, "class_weights", reference=class_weights)
def check_class_weights(fn) -> None:
    """Lesson 03, exercise 4: ``fn(labels)`` turns training labels (int ids ``(N,)``, all 7 classes present) into
    Keras's ``class_weight`` dict ``{class id: n / (k · n_c)}`` with ``k = 7`` classes and ``n`` labels."""
    rng = np.random.default_rng(5)
    for counts in ([5] * 7, [10, 2, 10, 20, 10, 8, 10], FER2013_TRAIN_COUNTS):
        counts = np.asarray(counts)
        labels = rng.permutation(np.repeat(np.arange(NUM_CLASSES), counts))
        got = call(fn, labels.copy(), name="class_weights")
        want = class_weights(labels)
        what = f"class_weights(labels with {counts.tolist()} faces per class)"
        if isinstance(got, np.ndarray | list | tuple):
            fail(f"{what} returned a {type(got).__name__}; Keras's fit(class_weight=...) wants a dict "
                 "{class id: weight}", "turn your k weights into a dict: dict(enumerate(weights)), with float values.")
        if not isinstance(got, dict):
            fail(f"{what} returned {_short(got)} ({type(got).__name__}); expected a dict {{class id: weight}}")
        if sorted(got) != list(range(NUM_CLASSES)) or not all(isinstance(c, (int, np.integer)) for c in got):
            fail(f"{what} has the keys {sorted(got, key=str)[:7]}; expected the class ids 0..6",
                 "the keys are the label ids 0-6 (what fit sees in y), not class names.")
        arr = np.array([got[c] for c in range(NUM_CLASSES)], dtype=np.float64)
        n, k = counts.sum(), NUM_CLASSES
        hint = "weight_c = n / (k · n_c): n = len(labels), k = 7, n_c = np.bincount(labels) — rare classes above 1."
        if np.allclose(arr, counts / n):
            hint = "those are the class frequencies n_c / n; the weight is the inverse, scaled by 1/k."
        elif np.allclose(arr, n / counts):
            hint = "almost: divide by k = 7 too, so that balanced classes get weight 1."
        elif np.allclose(arr, counts / (k * n)) or np.allclose(arr, k * counts / n):
            hint = "upside down: rare classes must get LARGE weights, n / (k · n_c)."
        expect_close(arr, np.array([want[c] for c in range(NUM_CLASSES)]), what, hint)
    passed("rare classes weigh more: on FER2013 a disgust face counts 9.4×, a happy face 0.57× — the same numbers "
           "as emojify_lib.data.pipeline.class_weights, which lesson 05 passes to fit.")
