"""Graders for the exercises at the end of each lesson.

The learner writes a small function (or picks some numbers) in a notebook cell and passes it to a
``check_*`` function here. A right answer prints ``✅ Correct: ...``; a wrong one raises
:class:`ExerciseFailed` (an ``AssertionError``) whose message starts with ``❌``, says what was wrong on which
input, and gives a hint.

Shared helpers for every lesson's graders (use them when adding a lesson's section):

* ``passed(message)``                  print the success line.
* ``fail(problem, hint=None)``         raise :class:`ExerciseFailed`.
* ``call(fn, *args, name=...)``        call the learner's function; an exception in it becomes a clear failure.
* ``expect_close(actual, expected, what=..., hint=..., atol=...)``   compare arrays or numbers (shape, then values).
"""
from __future__ import annotations

import numpy as np

__all__ = [
    "ExerciseFailed", "passed", "fail", "call", "expect_close",
    "check_weighted_sum", "check_perceptron_update", "check_logic_gate",
    "check_output_size", "check_correlate2d", "check_shift_kernel",
    "check_scale_boxes", "check_main_face", "check_smooth",
    "check_majority_baseline", "check_class_weights", "check_recall", "check_precision",
    "check_conv_output_size", "check_conv_params", "check_receptive_field",
    "check_steps_per_epoch", "check_cross_entropy",
]


class ExerciseFailed(AssertionError):
    """An exercise answer is wrong; the message says what and how to fix it."""


def passed(message: str) -> None:
    """Print the success line ``✅ Correct: message``."""
    print(f"✅ Correct: {message}")


def fail(problem: str, hint: str | None = None):
    """Raise :class:`ExerciseFailed` with ``❌ problem`` and, if given, a hint on its own line."""
    text = f"❌ {problem}"
    if hint:
        text += f"\n💡 Hint: {hint}"
    raise ExerciseFailed(text)


def call(fn, *args, name: str | None = None):
    """Call the learner's ``fn(*args)``; turn any exception it raises into a failure that names the input."""
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__} {fn!r}",
             "pass the function itself, without calling it: check(my_function), not check(my_function()).")
    name = name or getattr(fn, "__name__", "your function")
    try:
        return fn(*args)
    except ExerciseFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - any error in learner code becomes a readable failure
        shown = ", ".join(_short(a) for a in args)
        fail(f"{name}({shown}) raised {type(exc).__name__}: {exc}",
             "run your function by hand on that input and read the traceback.")


def _short(value, limit: int = 60) -> str:
    if isinstance(value, np.ndarray) and value.size > 6:
        return f"<array shape {value.shape}>"
    text = repr(value.tolist() if isinstance(value, np.ndarray) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expect_int(got, what: str) -> None:
    """Fail unless the learner's answer is a number (an int, or a float that equals one); bools are refused."""
    if isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)):
        fail(f"{what} returned {_short(got)} ({type(got).__name__}); expected an int")


def expect_close(actual, expected, what: str, hint: str | None = None, atol: float = 1e-6) -> None:
    """Fail unless ``actual`` has ``expected``'s shape and values (within ``atol``). ``what`` names the quantity
    in the message, e.g. ``"weighted_sum(x=[1, 2], w=[0.5, -1], b=0.25)"``."""
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what} returned {_short(actual)} ({type(actual).__name__}), which is not a number or an array of "
             f"numbers", hint)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        fail(f"{what} has shape {a.shape}, expected {e.shape}", hint)
    if not np.all(np.isfinite(a) == np.isfinite(e)) or not np.allclose(a, e, atol=atol, rtol=0, equal_nan=True):
        if a.size <= 6:
            fail(f"{what} returned {_short(a)}, expected {_short(e)}", hint)
        idx = np.unravel_index(np.argmax(np.abs(np.nan_to_num(a - e, nan=np.inf))), a.shape)
        fail(f"{what} differs from the expected result, e.g. at index {tuple(int(i) for i in idx)}: "
             f"got {a[idx]:.6g}, expected {e[idx]:.6g}", hint)


# --- Lesson 01 -----------------------------------------------------------------------------------------------

def check_weighted_sum(fn) -> None:
    """Lesson 01, exercise 1: ``fn(x, w, b)`` returns the neuron's pre-activation ``z = w . x + b`` (a number)."""
    cases = [
        (np.array([1.0, 2.0]), np.array([0.5, -1.0]), 0.25),
        (np.array([0.0, 0.0]), np.array([3.0, 4.0]), -2.0),
        (np.array([2.0, -1.0, 0.5]), np.array([1.0, 1.0, 4.0]), 0.0),
        (np.array([1.5]), np.array([-2.0]), 1.0),
    ]
    for x, w, b in cases:
        got = call(fn, x, w, b)
        what = f"weighted_sum(x={x.tolist()}, w={w.tolist()}, b={b})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)}, an array of shape {np.shape(got)}; expected one number",
                 "multiply element by element and add the products up (np.dot(w, x) or (w * x).sum()), then add b.")
        hint = "z = w1*x1 + w2*x2 + ... + b. Did you forget the bias, or add it once per input?"
        if abs(float(got) - float(np.dot(w, x))) < 1e-9 and b != 0:
            hint = "you forgot the bias: z = np.dot(w, x) + b."
        elif len(x) != 2:
            hint = (f"this input has {len(x)} numbers: does your function use all of them? "
                    "np.dot(w, x) works for any length.")
        expect_close(got, np.dot(w, x) + b, what, hint)
    passed("z = w · x + b, for inputs of any length.")


def check_perceptron_update(fn) -> None:
    """Lesson 01, exercise 2: ``fn(w, b, x, y, lr)`` applies the perceptron rule once and returns ``(w, b)``."""
    from ..lessons.perceptron import step

    cases = [
        (np.array([0.5, -0.5]), 0.0, np.array([1.0, 2.0]), 1, 0.1),    # predicts 0, label 1 -> move up
        (np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 0, 0.5),     # predicts 1, label 0 -> move down
        (np.array([1.0, 1.0]), 0.5, np.array([2.0, 1.0]), 1, 0.5),     # right: no change
        (np.array([0.2, -0.3, 0.1]), -0.1, np.array([-1.0, 0.5, 2.0]), 1, 0.25),
    ]
    for w, b, x, y, lr in cases:
        w_before = w.copy()
        out = call(fn, w.copy(), b, x.copy(), y, lr)
        what = f"perceptron_update(w={w.tolist()}, b={b}, x={x.tolist()}, y={y}, lr={lr})"
        if not (isinstance(out, (tuple, list)) and len(out) == 2):
            fail(f"{what} returned {_short(out)}; expected a pair (new_w, new_b)", "end with: return w, b")
        error = y - step(np.dot(w_before, x) + b)
        want_w, want_b = w_before + lr * error * x, b + lr * error
        if error == 0:
            hint = "this example is already classified right, so nothing should change."
        else:
            hint = ("the update is error = y - step(w·x + b); w + lr * error * x; b + lr * error. "
                    "Check the sign of the error and that x scales the weight change.")
        expect_close(out[0], want_w, f"the new w of {what}", hint)
        expect_close(out[1], want_b, f"the new b of {what}", hint)
    passed("mistakes move the weights by lr · (y − ŷ) · x and the bias by lr · (y − ŷ); right answers change nothing.")


_GATES = {"and": (0, 0, 0, 1), "or": (0, 1, 1, 1), "nand": (1, 1, 1, 0), "nor": (1, 0, 0, 0)}


def check_logic_gate(w, b, gate: str = "and") -> None:
    """Lesson 01, exercise 3: weights ``w`` (2 numbers) and bias ``b`` with ``step(w . x + b)`` equal to ``gate``
    (``"and"``, ``"or"``, ``"nand"`` or ``"nor"``) on the four inputs 00, 01, 10, 11."""
    from ..lessons.perceptron import step

    gate = gate.lower()
    if gate not in _GATES:
        raise ValueError(f"gate must be one of {sorted(_GATES)} (XOR cannot be done by one perceptron), got {gate!r}")
    w = np.asarray(w, dtype=np.float64)
    if w.shape != (2,):
        fail(f"w must hold 2 weights, one per input; got shape {w.shape}")
    if np.ndim(b) != 0:
        fail(f"b must be one number; got {_short(b)}")
    inputs = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float64)
    want = np.array(_GATES[gate])
    got = step(inputs @ w + float(b))
    wrong = [f"{int(x[0])}{int(x[1])} -> {g} (should be {t})" for x, g, t in zip(inputs, got, want) if g != t]
    if wrong:
        fail(f"with w={w.tolist()}, b={float(b)} the perceptron is not {gate.upper()}: " + "; ".join(wrong),
             "write the four inequalities w·x + b >= 0 (output 1) or < 0 (output 0) and pick numbers that "
             "satisfy all of them; for AND, both weights positive and a bias more negative than either weight.")
    def term(v, name):
        return f"{'−' if v < 0 else '+'} {abs(v):g}{name}"

    formula = f"{w[0]:g}·x1 {term(w[1], '·x2')} {term(float(b), '')}"
    passed(f"step({formula}) computes {gate.upper()} on all four inputs.")


# --- Lesson 02 -----------------------------------------------------------------------------------------------

def check_output_size(fn) -> None:
    """Lesson 02, exercise 1: ``fn(n, k, p, s)`` returns the output length ``(n + 2p - k) // s + 1`` (an int)."""
    cases = [(5, 3, 0, 1), (5, 3, 1, 1), (48, 3, 1, 1), (48, 2, 0, 2), (7, 3, 0, 2), (8, 3, 0, 2), (28, 5, 2, 1),
             (10, 4, 1, 3), (224, 7, 3, 2)]
    for n, k, p, s in cases:
        got = call(fn, n, k, p, s)
        what = f"output_size(n={n}, k={k}, p={p}, s={s})"
        want = (n + 2 * p - k) // s + 1
        if isinstance(got, (float, np.floating)) and float(got) != want:
            fail(f"{what} returned {got}, a fraction; expected the whole number {want}",
                 "a window that does not fit is dropped, so round down: use // instead of /.")
        _expect_int(got, what)
        if got != want:
            hint = "padding adds p on BOTH sides (2p), then count the steps of size s that fit, plus the first one."
            if got == (n + p - k) // s + 1:
                hint = "padding adds p zeros on each side, so the padded length is n + 2p."
            elif got == (n + 2 * p - k) / s + 1 or got == -(-(n + 2 * p - k) // s) + 1:
                hint = "round down (//): a window that would hang over the edge is not used."
            elif got == (n + 2 * p - k) // s:
                hint = "you forgot the first window: add 1."
            fail(f"{what} returned {got}, expected {want}", hint)
    passed("output = ⌊(n + 2p − k) / s⌋ + 1.")


def check_correlate2d(fn) -> None:
    """Lesson 02, exercise 2: ``fn(image, kernel)`` is a 'valid', stride-1 cross-correlation (a float array
    of shape ``(H - kh + 1, W - kw + 1)``)."""
    from ..lessons.convolution import correlate2d

    rng = np.random.default_rng(2)
    cases = [
        (np.arange(16, dtype=np.float64).reshape(4, 4), np.array([[1.0, 0.0], [0.0, -1.0]])),
        (rng.integers(0, 10, (5, 6)).astype(np.float64), np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]])),
        (rng.normal(size=(7, 5)), rng.normal(size=(2, 3))),        # not square: rows and columns differ
    ]
    for image, kernel in cases:
        got = call(fn, image.copy(), kernel.copy(), name="my_correlate2d")
        want = correlate2d(image, kernel)
        what = f"my_correlate2d(image {image.shape}, kernel {kernel.shape})"
        hint = ("out[i, j] = (image[i:i+kh, j:j+kw] * kernel).sum(), for i in range(H - kh + 1) and "
                "j in range(W - kw + 1).")
        got_arr = np.asarray(got, dtype=np.float64) if np.ndim(got) == 2 else None
        if got_arr is not None and got_arr.shape == want.shape:
            if np.allclose(got_arr, correlate2d(image, kernel[::-1, ::-1]), atol=1e-6) and \
                    not np.allclose(want, got_arr, atol=1e-6):
                hint = "you flipped the kernel: that is convolution. Correlation uses the kernel as it is."
            elif np.allclose(got_arr, want.astype(np.int64), atol=1e-6) and not np.allclose(got_arr, want):
                hint = "the result was rounded to integers: create the output with dtype float (np.zeros(..., float))."
        elif got_arr is not None and got_arr.shape == want.shape[::-1]:
            hint = "rows and columns are swapped: the output has H - kh + 1 rows and W - kw + 1 columns."
        expect_close(got, want, what, hint)
    passed("your loops compute the same sliding-window sums as emojify_lib.convolution.correlate2d.")


def check_shift_kernel(kernel) -> None:
    """Lesson 02, exercise 3: a 3x3 kernel that, applied with ``correlate2d``, moves the image one pixel to the
    right: ``out[i, j] = image[i, j - 1]``."""
    from ..lessons.convolution import correlate2d

    k = np.asarray(kernel, dtype=np.float64)
    if k.shape != (3, 3):
        fail(f"the kernel must be 3x3; got shape {k.shape}")
    image = np.random.default_rng(3).integers(0, 256, (9, 9)).astype(np.float64)
    got = correlate2d(image, k, padding="same")[1:-1, 1:-1]        # compare inside, away from padded borders
    want = image[1:-1, :-2]
    if np.allclose(got, want):
        passed("a single 1 left of the centre copies each pixel's left neighbour into it: the image moves right.")
        return
    if np.allclose(got, image[1:-1, 2:]):
        fail("your kernel moves the image one pixel to the LEFT",
             "correlate2d does not flip the kernel: out[i, j] = sum image[i+u-1, j+v-1] * kernel[u, v]. To copy "
             "the LEFT neighbour image[i, j-1] into out[i, j], put the 1 at kernel[1, 0].")
    if np.allclose(got, image[1:-1, 1:-1]):
        fail("your kernel leaves the image where it was (that is the identity kernel)",
             "move the single 1 away from the centre.")
    fail("applied with correlate2d, your kernel does not move the image one pixel to the right",
         "use a kernel that is all zeros except for one 1. Which neighbour of pixel (i, j) should land in out[i, j]?")


# --- Lesson 07 -----------------------------------------------------------------------------------------------

def check_scale_boxes(fn) -> None:
    """``fn(boxes, scale)`` maps ``(K, 4)`` boxes found on a frame shrunk by ``scale`` back to full-frame
    pixels: every number divided by ``scale``, rounded to whole pixels, as an integer array."""
    cases = [(np.array([[10, 20, 30, 30]]), 0.5, [[20, 40, 60, 60]]),
             (np.array([[0, 0, 33, 33], [50, 10, 16, 16]]), 0.25, [[0, 0, 132, 132], [200, 40, 64, 64]]),
             (np.array([[7, 5, 21, 21]]), 320 / 640, [[14, 10, 42, 42]]),
             (np.zeros((0, 4), int), 0.5, np.zeros((0, 4)))]
    for boxes, scale, expected in cases:
        got = call(fn, boxes.copy(), scale, name="scale_boxes")
        expect_close(got, expected, what=f"scale_boxes({_short(boxes)}, {scale})",
                     hint="a box found at half size is twice as large in the full frame: divide by the scale.")
        if np.asarray(got).dtype.kind not in "iu":
            fail(f"scale_boxes returned dtype {np.asarray(got).dtype}; boxes are whole pixels",
                 "finish with np.round(...).astype(int).")
    passed("boxes found on the small frame land on the same faces in the full frame.")


def check_main_face(fn) -> None:
    """``fn(predictions)`` returns the prediction with the largest box (w × h), or ``None`` for no faces."""
    from types import SimpleNamespace

    def p(box, emotion="happy"):  # shaped like the live path's FacePrediction; the grader needs nothing live
        return SimpleNamespace(box=box, emotion=emotion, probs=np.full(7, 1 / 7))

    if call(fn, [], name="main_face") is not None:
        fail("main_face([]) should return None: with no face there is no main face",
             "check `if not predictions: return None` first.")
    cases = [[p((0, 0, 50, 50)), p((100, 0, 80, 80), "sad")],
             [p((0, 0, 100, 20)), p((0, 0, 60, 60), "fear")],
             [p((5, 5, 40, 40), "angry")]]
    for preds in cases:
        want = max(preds, key=lambda q: q.box[2] * q.box[3])
        got = call(fn, preds, name="main_face")
        if got is not want:
            boxes = [q.box for q in preds]
            fail(f"for boxes {boxes} main_face returned {getattr(got, 'box', got)}, expected {want.box}",
                 "compare areas w*h (box[2] * box[3]), not widths or positions.")
    passed("the largest face is the one nearest the camera — the one whose emoji we show.")


def check_smooth(fn) -> None:
    """``fn(previous, new, alpha)`` returns the exponential moving average ``alpha·previous + (1−alpha)·new``."""
    prev, new = np.array([0.8, 0.2]), np.array([0.0, 1.0])
    for alpha in (0.0, 0.5, 0.9):
        expect_close(call(fn, prev, new, alpha, name="smooth"), alpha * prev + (1 - alpha) * new,
                     what=f"smooth({prev.tolist()}, {new.tolist()}, alpha={alpha})",
                     hint="alpha weighs the past: alpha=0 means no smoothing (return new).")
    passed("a large alpha keeps the emoji steady; a small one follows the face quickly.")


# --- Lesson 03 -----------------------------------------------------------------------------------------------

def check_majority_baseline(fn) -> None:
    """Lesson 03, exercise 1: ``fn(y)`` returns the accuracy (a number in 0..1) of a "model" that always
    answers the most common class of the labels ``y`` (int array, ids 0-6)."""
    cases = [np.array([3, 3, 3, 0, 1]), np.array([0, 1, 2, 3, 4, 5, 6, 6]), np.array([5]),
             np.repeat(np.arange(7), [3995, 436, 4097, 7215, 4830, 3171, 4965])]
    for y in cases:
        got = call(fn, y.copy(), name="majority_baseline")
        want = np.bincount(y).max() / len(y)
        what = f"majority_baseline({_short(y)})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)}; expected one number, the accuracy",
                 "count each class (np.bincount(y)), take the largest count, divide by len(y).")
        hint = "the accuracy is (how many faces have the most common label) / (how many faces there are)."
        if abs(float(got) - np.bincount(y).max()) < 1e-9:
            hint = "that is the count of the biggest class; divide it by len(y) to get an accuracy."
        elif abs(float(got) - 1 / len(np.unique(y))) < 1e-9 or abs(float(got) - 1 / 7) < 1e-9:
            hint = "that is chance for equal classes (1/k); the majority class is more common than that."
        elif abs(float(got) - np.argmax(np.bincount(y)) / len(y)) < 1e-9:
            hint = "np.argmax gives WHICH class is most common; you want HOW MANY faces it has (np.max)."
        expect_close(got, want, what, hint)
    passed("on FER2013's training labels, always answering 'happy' is already right 25.1 % of the time.")


def check_class_weights(fn) -> None:
    """Lesson 03, exercise 2: ``fn(counts)`` turns the faces per class ``counts`` (``(k,)`` ints) into the
    "balanced" class weights ``n / (k · n_c)`` (``(k,)`` floats), where ``n`` is the total."""
    cases = [np.array([10, 10]), np.array([30, 10]), np.array([5, 20, 25]),
             np.array([3995, 436, 4097, 7215, 4830, 3171, 4965])]
    for counts in cases:
        got = call(fn, counts.copy(), name="class_weights")
        want = counts.sum() / (len(counts) * counts)
        what = f"class_weights({_short(counts)})"
        hint = "weight_c = n / (k · n_c): n = counts.sum(), k = len(counts); rare classes get weights above 1."
        arr = np.asarray(got, dtype=np.float64) if np.ndim(got) == 1 and len(got) == len(counts) else None
        if arr is not None:
            if np.allclose(arr, counts / counts.sum()):
                hint = "those are the class frequencies n_c / n; the weight is the inverse, scaled by 1/k."
            elif np.allclose(arr, counts.sum() / counts):
                hint = "almost: divide by k = len(counts) too, so that balanced classes get weight 1."
            elif (np.allclose(arr, counts / (len(counts) * counts.sum()))
                  or np.allclose(arr, len(counts) * counts / counts.sum())):
                hint = "upside down: rare classes must get LARGE weights, n / (k · n_c)."
        expect_close(got, want, what, hint)
    passed("rare classes weigh more: on FER2013 a disgust face counts 9.4×, a happy face 0.57×.")


# --- Lesson 06 -----------------------------------------------------------------------------------------------

_CM_CASES = (
    np.array([[5, 1], [2, 2]]),
    np.array([[1, 1, 0], [0, 2, 1], [0, 0, 1]]),
    np.array([[4, 0, 1], [0, 0, 0], [2, 3, 5]]),     # no face of class 1 (empty row)
    np.array([[3, 0, 1], [2, 0, 2], [0, 0, 4]]),     # class 1 never predicted (empty column)
)


def _check_cm_metric(fn, name: str, axis: int, right: str, wrong_axis_hint: str) -> None:
    for cm in _CM_CASES:
        got = call(fn, cm.copy(), name=name)
        sums = cm.sum(axis=axis)
        want = np.divide(np.diag(cm), sums, out=np.zeros(len(cm)), where=sums != 0)
        what = f"{name}({_short(cm)})"
        hint = f"{name} of class c = C[c, c] / {right}; give 0 where that sum is 0."
        arr = np.asarray(got, dtype=np.float64) if np.shape(got) == (len(cm),) else None
        if arr is not None:
            other = cm.sum(axis=1 - axis)
            if np.allclose(arr, np.divide(np.diag(cm), other, out=np.zeros(len(cm)), where=other != 0)):
                hint = wrong_axis_hint
            elif not np.isfinite(arr).all():
                hint = ("a class with an empty row or column divides by zero: return 0 there "
                        "(np.divide(..., where=...)).")
            elif np.allclose(arr, np.diag(cm) / cm.sum()):
                hint = f"you divided by the total; divide by {right} instead."
        expect_close(got, want, what, hint)


def check_recall(fn) -> None:
    """Lesson 06, exercise 1: ``fn(cm)`` returns each class's recall ``C[c, c] / C[c, :].sum()`` from a
    confusion matrix ``cm`` (rows = true class), ``(k,)`` floats, 0 for a class with no faces."""
    _check_cm_metric(fn, "recall", axis=1, right="the sum of row c (all faces whose TRUE class is c)",
                     wrong_axis_hint="that is precision: you divided by column sums. Recall asks 'of the faces "
                                     "that ARE class c, how many did we find?', so divide by row sums (axis=1).")
    passed("recall = diagonal / row sums: the share of each class's faces the model found.")


def check_precision(fn) -> None:
    """Lesson 06, exercise 2: ``fn(cm)`` returns each class's precision ``C[c, c] / C[:, c].sum()`` from a
    confusion matrix ``cm`` (columns = predicted class), ``(k,)`` floats, 0 for a class never predicted."""
    _check_cm_metric(fn, "precision", axis=0, right="the sum of column c (all faces PREDICTED as c)",
                     wrong_axis_hint="that is recall: you divided by row sums. Precision asks 'of the faces we "
                                     "CALLED class c, how many are?', so divide by column sums (axis=0).")
    passed("precision = diagonal / column sums: how often the model is right when it names a class.")


# --- Lesson 04 -----------------------------------------------------------------------------------------------

def check_conv_output_size(fn) -> None:
    """Lesson 04, exercise 1: ``fn(n, k, stride, padding)`` returns the side of a Keras ``Conv2D``/pooling output:
    ``(n - k) // stride + 1`` for ``padding="valid"``, ``ceil(n / stride)`` for ``padding="same"`` (an int)."""
    import math

    cases = [(48, 3, 1, "valid"), (46, 3, 1, "valid"), (44, 2, 2, "valid"), (21, 2, 2, "valid"), (7, 3, 2, "valid"),
             (48, 3, 1, "same"), (48, 2, 2, "same"), (5, 3, 2, "same"), (25, 2, 2, "same"), (10, 5, 3, "valid")]
    for n, k, s, padding in cases:
        got = call(fn, n, k, s, padding, name="conv_output_size")
        want = (n - k) // s + 1 if padding == "valid" else math.ceil(n / s)
        what = f"conv_output_size(n={n}, k={k}, stride={s}, padding={padding!r})"
        _expect_int(got, what)
        if got == want:
            continue
        if padding == "same":
            hint = "'same' pads just enough that every stride-th pixel gets a window: ceil(n / stride), whatever k is."
            if got == n:
                hint = "with stride > 1 'same' still skips pixels: the output is ceil(n / stride), not n."
            elif got == n // s:
                hint = "round UP for 'same' (ceil): the last, partly padded window counts too."
            elif got == (n - k) // s + 1:
                hint = "that is the 'valid' formula; 'same' pads the border so the size does not depend on k."
        else:
            hint = "'valid' keeps only windows that fit: (n - k) // stride + 1."
            if got == (n - k) / s + 1 or got == -(-(n - k) // s) + 1:
                hint = "round down (//): a window that would hang over the edge is dropped."
            elif got == (n - k) // s:
                hint = "you forgot the first window: add 1."
            elif got == n - k + 1:
                hint = "divide by the stride: the window jumps `stride` pixels at a time."
        fail(f"{what} returned {got}, expected {want}", hint)
    passed("'valid': (n − k) // s + 1; 'same': ⌈n / s⌉ — 48 → 46 → 44 → 22 in the classic CNN's first layers.")


def check_conv_params(fn) -> None:
    """Lesson 04, exercise 2: ``fn(k, c_in, c_out)`` returns the number of parameters of a ``Conv2D`` with
    ``c_out`` filters of size ``k × k`` on ``c_in`` input channels, with biases: ``(k·k·c_in + 1)·c_out``."""
    cases = [(3, 32, 64), (3, 1, 32), (3, 64, 128), (5, 3, 16), (1, 128, 10), (3, 128, 128)]
    for k, c_in, c_out in cases:
        got = call(fn, k, c_in, c_out, name="conv_params")
        want = (k * k * c_in + 1) * c_out
        what = f"conv_params(k={k}, c_in={c_in}, c_out={c_out})"
        _expect_int(got, what)
        if got == want:
            continue
        hint = "each of the c_out filters is a k × k × c_in block of weights plus one bias."
        if got == k * k * c_in * c_out:
            hint = "you forgot the biases: one per filter, so + c_out."
        elif got == (k * k + 1) * c_out or got == k * k * c_out + c_out:
            hint = "a filter spans ALL input channels: it has k × k × c_in weights, not k × k."
        elif got == (k * k * c_out + 1) * c_in and c_in != 1:
            hint = "c_in and c_out are swapped: there are c_out filters, each k × k × c_in."
        elif got == k * k * c_in * c_out + 1 or got == (k * c_in + 1) * c_out:
            hint = "one bias per filter (c_out of them), and k × k (not k) weights per channel."
        fail(f"{what} returned {got}, expected {want}", hint)
    passed("(k·k·c_in + 1)·c_out: conv2 of the classic CNN has (3·3·32 + 1)·64 = 18,496 parameters.")


def check_receptive_field(fn) -> None:
    """Lesson 04, exercise 3: ``fn(layers)`` takes a list of ``(k, stride)`` pairs (convolutions and poolings, in
    order) and returns the receptive field side ``r``: start at ``r = 1, j = 1``; per layer ``r += (k - 1)·j``,
    then ``j *= stride``."""
    seed = [(3, 1), (3, 1), (2, 2), (3, 1), (2, 2), (3, 1), (2, 2)]
    cases = [[(3, 1)], [(3, 1), (3, 1)], [(3, 1), (2, 2), (3, 1)], [(5, 2), (3, 2), (3, 1)], [], seed,
             [(7, 2), (3, 2), (3, 1), (3, 1)]]
    for layers in cases:
        got = call(fn, list(layers), name="receptive_field")
        r, j = 1, 1
        for k, s in layers:
            r, j = r + (k - 1) * j, j * s
        what = f"receptive_field({layers})"
        _expect_int(got, what)
        if got == r:
            continue
        hint = "r = 1, j = 1; for each (k, s): r += (k - 1) * j, then j *= s."
        no_jump = 1 + sum(k - 1 for k, _ in layers)
        r2, j2 = 1, 1
        for k, s in layers:                      # jump updated before growing r
            j2 *= s
            r2 += (k - 1) * j2
        if got == no_jump and no_jump != r:
            hint = "after a stride-2 layer, one step in the output is 2 input pixels: multiply (k - 1) by the jump j."
        elif got == r2 and r2 != r:
            hint = "grow r with the jump of the layer's INPUT: update r first, then j *= s."
        elif got == sum(k for k, _ in layers):
            hint = "neighbouring windows overlap: each layer adds k - 1 (times the jump), not k."
        fail(f"{what} returned {got}, expected {r}", hint)
    passed("the classic CNN's last pooling layer sees 24 × 24 pixels: half the face, enough for an eye and a brow.")


# --- Lesson 05 -----------------------------------------------------------------------------------------------

def check_steps_per_epoch(fn) -> None:
    """Lesson 05, exercise 1: ``fn(n, batch_size, replicas=1)`` returns the optimizer steps in one epoch over ``n``
    images when each of ``replicas`` devices takes ``batch_size`` of them per step (the last batch may be short):
    ``ceil(n / (batch_size · replicas))``."""
    import math

    cases = [(28709, 64, 1), (2070, 64, 1), (640, 64, 1), (1, 64, 1), (28709, 64, 4), (1000, 32, 2), (300, 64, 8)]
    for n, b, rep in cases:
        got = call(fn, n, b, rep, name="steps_per_epoch")
        want = math.ceil(n / (b * rep))
        what = f"steps_per_epoch(n={n}, batch_size={b}, replicas={rep})"
        _expect_int(got, what)
        if got == want:
            continue
        hint = "the global batch is batch_size × replicas; count how many of those cover n images."
        if got == n // (b * rep):
            hint = "round UP: the last, smaller batch is still a step (math.ceil, or -(-n // global_batch))."
        elif got == math.ceil(n / b) and rep > 1:
            hint = "with several replicas each step consumes batch_size images PER replica: divide by batch_size × replicas."
        elif got == n / (b * rep):
            hint = "a step count is a whole number: round up with math.ceil."
        fail(f"{what} returned {got}, expected {want}", hint)
    passed("⌈n / (batch · replicas)⌉: FER2013's 28,709 training faces take 449 steps at batch 64 on one device.")


def check_cross_entropy(fn) -> None:
    """Lesson 05, exercise 2: ``fn(probs, labels)`` returns the mean cross-entropy ``-mean(log p[i, y_i])`` of
    predicted probabilities ``probs`` ``(N, k)`` for integer ``labels`` ``(N,)`` (one number, natural log)."""
    rng = np.random.default_rng(5)
    raw = rng.random((6, 7)) + 0.05
    cases = [(np.array([[0.7, 0.2, 0.1]]), np.array([0])),
             (np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), np.array([1, 2])),
             (np.full((3, 7), 1 / 7), np.array([0, 3, 6])),
             (raw / raw.sum(axis=1, keepdims=True), rng.integers(0, 7, 6))]
    for probs, labels in cases:
        got = call(fn, probs.copy(), labels.copy(), name="cross_entropy")
        picked = probs[np.arange(len(labels)), labels]
        want = -np.mean(np.log(picked))
        what = f"cross_entropy({_short(probs)}, {_short(labels)})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)} with shape {np.shape(got)}; expected one number (the mean)",
                 "average the per-face losses with np.mean.")
        hint = "pick each face's probability of its TRUE class, probs[np.arange(N), labels], take -log, average."
        g = float(got)
        if abs(g + want) < 1e-9 and want != 0:
            hint = "the sign: log of a probability is negative, so the loss is MINUS the mean log."
        elif abs(g - (-np.sum(np.log(picked)))) < 1e-9 and len(labels) > 1:
            hint = "take the mean over faces, not the sum."
        elif abs(g - (-np.mean(np.log10(picked)))) < 1e-9:
            hint = "use the natural log (np.log), as Keras does, not log10."
        elif abs(g - (-np.mean(np.log(probs)))) < 1e-9:
            hint = "only the true class's probability counts: index it with probs[np.arange(N), labels]."
        expect_close(g, want, what, hint, atol=1e-6)
    passed("−mean log p(true class): 1.946 = ln 7 for a model that guesses uniformly over 7 classes.")
