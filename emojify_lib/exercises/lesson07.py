"""Graders for lesson 07's exercises (see :mod:`emojify_lib.exercises` for how grading works).

The live step is graded on webcam-like frames made from photos scikit-image ships (:mod:`emojify_lib.testing`),
against the library's own crop (:func:`~emojify_lib.live.faces.crop_face`) and predictor
(:class:`~emojify_lib.live.predictor.EmotionPredictor`, what :class:`~emojify_lib.live.session.LiveSession` runs).
"""
from __future__ import annotations

import numpy as np

from ..core.emotions import EMOTIONS
from ..live import faces as _faces
from . import _grading
from ._grading import ExerciseFailed, ExerciseOpen, _short, call, expect_close, fail, grader, passed

__all__ = ["score", "check_scale_boxes", "check_crop_face", "check_live_step", "check_smooth", "check_main_face"]

LESSON = "07"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


@grader(LESSON, "scale_boxes", reference=_faces.scale_boxes)
def check_scale_boxes(fn) -> None:
    """``fn(boxes, scale)`` maps ``(K, 4)`` boxes found on a frame shrunk by ``scale`` back to full-frame
    pixels: every number divided by ``scale``, rounded to whole pixels, as an integer array."""
    cases = [(np.array([[10, 20, 30, 30]]), 0.5, [[20, 40, 60, 60]]),
             (np.array([[0, 0, 33, 33], [50, 10, 16, 16]]), 0.25, [[0, 0, 132, 132], [200, 40, 64, 64]]),
             (np.array([[7, 5, 21, 21]]), 320 / 640, [[14, 10, 42, 42]]),
             (np.array([[11, 7, 25, 25]]), 320 / 500, [[17, 11, 39, 39]]),
             (np.zeros((0, 4), int), 0.5, np.zeros((0, 4)))]
    empty_hint = ("with no faces (K = 0) the answer is an empty int array of shape (0, 4), as np.zeros((0, 4), int): "
                  "arithmetic on the whole (K, 4) array keeps that shape, a list of rows does not.")
    for boxes, scale, expected in cases:
        try:
            got = call(fn, boxes.copy(), scale, name="scale_boxes")
        except ExerciseOpen:
            raise
        except ExerciseFailed as exc:
            if not len(boxes):
                fail(f"{str(exc)[2:].splitlines()[0]} (no boxes: a frame without faces)", empty_hint)
            raise
        hint = "a box found at half size is twice as large in the full frame: divide by the scale."
        if not len(boxes):
            hint = empty_hint
        if np.asarray(got).shape == np.asarray(expected).shape and len(boxes) and \
                np.allclose(np.asarray(got, float), boxes * scale, atol=1):
            hint = "you multiplied by the scale: the small frame's boxes must grow, so divide by it."
        elif np.asarray(got).shape == np.asarray(expected).shape and len(boxes) and \
                np.array_equal(np.asarray(got), np.floor(boxes / scale)) and not np.array_equal(got, expected):
            hint = "int() and astype(int) cut off the fraction; round to the nearest pixel first (np.round)."
        expect_close(got, expected, what=f"scale_boxes({_short(boxes)}, {scale:.4g})", hint=hint)
        if np.asarray(got).dtype.kind not in "iu":
            fail(f"scale_boxes returned dtype {np.asarray(got).dtype}; boxes are whole pixels",
                 "finish with np.round(...).astype(int).")
    passed("boxes found on the small frame land on the same faces in the full frame.")


def _crop_cases():
    from ..testing import astronaut_640x480, lfw_faces_frame

    astronaut, lfw = astronaut_640x480(), lfw_faces_frame()
    detector = _faces.FaceDetector()
    return [(astronaut, tuple(int(v) for v in detector.detect(astronaut)[0]), "the astronaut's face"),
            (lfw, tuple(int(v) for v in detector.detect(lfw)[-1]), "a face of the LFW frame"),
            (astronaut, (250, 2, 100, 100), "a box touching the frame's top edge")]


@grader(LESSON, "crop_face", reference=_faces.crop_face)
def check_crop_face(fn) -> None:
    """``fn(frame, box, margin=0.1)`` cuts ``box`` (x, y, w, h) out of a BGR frame, grown by ``margin`` of its size
    on every side and clipped to the frame, and returns it as ``uint8 (48, 48)`` grayscale (raw 0–255 pixels)."""
    for frame, box, where in _crop_cases():
        what = f"crop_face(frame, {box}) for {where}"
        try:
            got = call(fn, frame, box, name="crop_face")
        except ExerciseOpen:
            raise
        except _grading.ExerciseFailed as exc:
            if box[1] < 10:  # the margin reaches above the frame
                fail(f"{str(exc)[2:].splitlines()[0]} (box {box}: its margin reaches above the frame)",
                     "a negative start index counts from the other end of the array, so the slice comes out "
                     "empty: clip the grown box to the frame with max(..., 0) and min(..., width or height).")
            raise
        got = np.asarray(got)
        if got.shape == (48, 48, 3):
            fail(f"{what} has shape (48, 48, 3): still three colour channels",
                 "the network reads one gray channel: cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY).")
        if got.shape != (48, 48):
            fail(f"{what} has shape {got.shape}, expected (48, 48)",
                 "resize the cut-out to the network's input size: cv2.resize(crop, (48, 48)).")
        if got.dtype != np.uint8:
            scaled = got.size and float(np.nanmax(got)) <= 1.0
            fail(f"{what} has dtype {got.dtype}" + (" with values in [0, 1]" if scaled else "") +
                 ", expected uint8 pixels 0–255",
                 "keep the raw pixels: the model's first layer (Rescaling) divides by 255, so dividing here would "
                 "scale twice." if scaled else "the crop is already uint8 if you only cut, convert and resize.")
        want = _faces.crop_face(frame, box)
        diff = np.abs(got.astype(float) - want).mean()
        if diff <= 4:  # a different resize interpolation or colour-then-gray order stays within ~2.5 levels
            continue
        x, y, w, h = box
        guesses = [(_faces.crop_face(frame, box, 0.0), "the crop looks like the bare box: grow it by margin·w "
                    "on the left and right and margin·h above and below (10 % by default) — FER2013's faces "
                    "include a little forehead and chin."),
                   (_faces.crop_face(frame, (y, x, h, w)), "rows are y and columns are x: frame[y0:y1, x0:x1], "
                    "not frame[x0:x1, y0:y1].")]
        for other, hint in guesses:
            if np.abs(got.astype(float) - other).mean() < diff / 3:
                fail(f"{what} differs from the expected face crop (mean difference {diff:.0f} gray levels)", hint)
        fail(f"{what} differs from the expected face crop (mean difference {diff:.0f} gray levels)",
             "cut frame[y0:y1, x0:x1] with x0 = max(x - int(margin·w), 0), y0 likewise, x1 = min(x + w + "
             "int(margin·w), width); convert to gray; resize to 48×48. Show your crop with plt.imshow to compare.")
    passed("each box becomes a 48×48 gray face with a little margin, like the faces the network learnt from.")


def _live_step(frame, detector, model) -> list:
    """The library's answer to the live_step exercise: the detector's boxes, :func:`~emojify_lib.live.faces.crop_faces`,
    one call of ``model`` for all faces, the likeliest class and its emoji, as ``(box, emotion, probability,
    emoji)`` tuples (what :meth:`EmotionPredictor.predict <emojify_lib.live.predictor.EmotionPredictor.predict>`
    computes, without smoothing)."""
    from ..live.overlay import load_emoji

    boxes = detector.detect(frame)
    if len(boxes) == 0:
        return []
    probs = np.asarray(model(_faces.crop_faces(frame, boxes)[..., None].astype("float32"), training=False))
    emotions = [EMOTIONS[int(np.argmax(p))] for p in probs]
    return [(tuple(int(v) for v in box), e, float(p.max()), load_emoji(e)) for box, e, p in zip(boxes, emotions, probs)]


def _smooth(previous, new, alpha):
    """The rule :class:`~emojify_lib.live.tracking.FaceTracker` applies to each followed face."""
    return alpha * np.asarray(previous) + (1 - alpha) * np.asarray(new)


def _main_face(faces):
    """What :attr:`Shown.main <emojify_lib.live.session.Shown.main>` gives (the detector lists the largest first)."""
    return max(faces, key=lambda f: f[0][2] * f[0][3]) if len(faces) else None


class _CountingModel:
    """The lesson's model, recording every call (``__call__``, ``predict``, ``predict_on_batch``): how many faces
    went in, what went in, and what came out."""

    def __init__(self, model):
        self._model, self.batches, self.inputs, self.outputs = model, [], [], []

    def _record(self, x, y):
        self.batches.append(int(np.shape(x)[0]) if np.ndim(x) else 0)
        self.inputs.append(np.asarray(x))
        self.outputs.append(np.asarray(y))
        return y

    def __call__(self, x, *args, **kwargs):
        return self._record(x, self._model(x, *args, **kwargs))

    def predict(self, x, *args, **kwargs):
        return self._record(x, self._model.predict(x, *args, **kwargs))

    def predict_on_batch(self, x):
        return self._record(x, self._model.predict_on_batch(x))

    def __getattr__(self, name):
        return getattr(self._model, name)


#: How far (mean absolute gray levels) a fed face may be from the library's crop of the same box: a different
#: resize interpolation or margin rounding stays within about 2.5 (the crop_face check's tolerance, too).
CROP_TOLERANCE = 4.0


@grader(LESSON, "live_step", reference=_live_step)
def check_live_step(fn, model) -> None:
    """``fn(frame, detector, model)`` returns one ``(box, emotion, probability, emoji)`` per face of ``frame``
    (largest first, as the detector gives them): the box ``(x, y, w, h)``, the likeliest emotion's name, its
    probability, and its emoji image (``load_emoji(emotion)``); every face classified in ONE call of the model.

    Graded on what the exercise asks, so that every correct ``crop_face`` passes (rounded or truncated margins,
    any ``cv2.resize`` interpolation): the detector's boxes in its order; one model call holding every face,
    as raw 0-255 pixels within :data:`CROP_TOLERANCE` of the library's crop of the same box; for each face the
    winner of the row the model returned for it (the emotion with the largest probability, and that probability);
    its emoji. ``model``: the lesson's Keras model."""
    from ..live.overlay import load_emoji
    from ..testing import astronaut_640x480, lfw_faces_frame

    detector = _faces.FaceDetector()
    frames = [(astronaut_640x480(), "the astronaut frame"), (lfw_faces_frame(3), "the frame of 3 LFW faces"),
              (np.full((480, 640, 3), 90, np.uint8), "a frame without faces")]
    for frame, where in frames:
        boxes = detector.detect(frame)
        counted = _CountingModel(model)
        got = call(fn, frame, detector, counted, name="live_step")
        try:
            got = list(got)
        except TypeError:
            fail(f"live_step on {where} returned {type(got).__name__}; expected a list of "
                 "(box, emotion, probability, emoji), one per face", "collect one tuple per face in a list.")
        if len(got) != len(boxes):
            hint = "call detector.detect(frame) once and make one entry per box it returns."
            if not len(boxes):
                hint = "a frame without faces gives an empty list, []: return before stacking no crops."
            fail(f"live_step on {where} returned {len(got)} face(s); the detector finds {len(boxes)}", hint)
        if not len(boxes):
            continue
        if counted.batches != [len(boxes)]:
            calls = counted.batches or "no"
            fail(f"live_step on {where} ({len(boxes)} faces) called the model with batches of {calls} faces",
                 f"stack all crops into one (K, 48, 48, 1) array and call the model once: one call for "
                 f"{len(boxes)} faces costs about as much as one call for one face.")
        fed = counted.inputs[0]
        if fed.size != len(boxes) * 48 * 48:
            fail(f"live_step on {where} fed the model an array of shape {fed.shape}; expected ({len(boxes)}, 48, 48, 1)",
                 "stack one 48×48 crop per box (np.stack) and add the channel axis: crops[..., None].")
        fed = fed.astype(np.float64).reshape(len(boxes), 48, 48)
        if fed.max() <= 1.0:
            fail(f"live_step on {where} fed the model pixels in 0–{fed.max():.2g}; expected raw 0–255 pixels",
                 "do not divide by 255: the model's first layer (Rescaling) does it, so dividing here scales twice.")
        rows = counted.outputs[0].reshape(len(boxes), -1)
        for i, (item, box) in enumerate(zip(got, boxes)):
            want_face = _faces.crop_face(frame, box)
            diff = float(np.abs(fed[i] - want_face).mean())
            if diff > CROP_TOLERANCE:
                fail(f"live_step on {where}: face {i} fed to the model differs from the crop of box "
                     f"{tuple(int(v) for v in box)} (mean difference {diff:.0f} gray levels)",
                     "crop every box with your crop_face(frame, box), in the detector's order, and stack them.")
            if not isinstance(item, (tuple, list)) or len(item) != 4:
                fail(f"face {i} on {where} is {_short(item)}; expected a tuple (box, emotion, probability, emoji)")
            box_got, emotion, probability, emoji = item
            expect_close(np.asarray(box_got).reshape(-1), box, what=f"the box of face {i} on {where}",
                         hint="keep the boxes exactly as detector.detect returns them, in the same order.")
            if emotion not in EMOTIONS:
                fail(f"face {i} on {where}: emotion {_short(emotion)} is not one of {list(EMOTIONS)}",
                     "turn the index of the largest probability into a name: EMOTIONS[int(np.argmax(p))].")
            if np.ndim(probability) != 0:
                fail(f"face {i} on {where}: probability is {_short(probability)}; expected one number",
                     "return the probability of the chosen emotion only: p[EMOTIONS.index(emotion)], or p.max().")
            row = rows[i]
            winner = EMOTIONS[int(np.argmax(row))]
            if emotion != winner:
                fail(f"face {i} on {where}: got {emotion}, but the model's row for this face has its largest "
                     f"probability at {winner} ({row.max():.3f})",
                     "the emotion is EMOTIONS[argmax] of that face's own row of probabilities (axis=-1), in the "
                     "order the faces went in.")
            if abs(float(probability) - float(row.max())) > 1e-4:
                fail(f"face {i} on {where}: probability {float(probability):.3f}, but the model gave {winner} "
                     f"{row.max():.3f}", "return the probability of the chosen emotion: p.max() of that face's row.")
            expected = load_emoji(emotion)
            if not isinstance(emoji, np.ndarray) or emoji.shape != expected.shape or \
                    not np.array_equal(emoji, expected):
                fail(f"face {i} on {where}: the emoji is {_short(emoji)}; expected load_emoji({emotion!r}), an "
                     f"image of shape {expected.shape}", "look the picture up by the emotion's name: load_emoji(emotion).")
    passed("detect → crop → classify in one call → emoji, for every face of the frame: the live loop's step.")


@grader(LESSON, "smooth", reference=_smooth)
def check_smooth(fn) -> None:
    """``fn(previous, new, alpha)`` returns the exponential moving average ``alpha·previous + (1−alpha)·new``."""
    prev, new = np.array([0.8, 0.2]), np.array([0.0, 1.0])
    for alpha in (0.9, 0.0, 0.5):
        got = call(fn, prev, new, alpha, name="smooth")
        hint = "alpha weighs the past: alpha=0 means no smoothing (return new)."
        if alpha == 0.9 and np.shape(got) == prev.shape and np.allclose(got, (1 - alpha) * prev + alpha * new):
            hint = "you swapped the weights: alpha goes with previous, (1 - alpha) with new."
        expect_close(got, alpha * prev + (1 - alpha) * new,
                     what=f"smooth({prev.tolist()}, {new.tolist()}, alpha={alpha})", hint=hint)
    passed("a large alpha keeps the emoji steady; a small one follows the face quickly.")


@grader(LESSON, "main_face", reference=_main_face)
def check_main_face(fn) -> None:
    """``fn(faces)`` returns the entry of ``live_step``'s list whose box ``(x, y, w, h)`` (``entry[0]``) has the
    largest area w × h, or ``None`` for no faces."""
    def face(box, emotion="happy"):
        return (box, emotion, 0.9, None)

    try:
        empty = call(fn, [], name="main_face")
    except ExerciseOpen:
        raise
    except ExerciseFailed as exc:
        fail(f"{str(exc)[2:].splitlines()[0]} (on an empty list: a frame without faces)",
             "with no faces there is no main face: check `if not faces: return None` before max(...).")
    if empty is not None:
        fail("main_face([]) should return None: with no face there is no main face",
             "check `if not faces: return None` first.")
    cases = [[face((0, 0, 50, 50)), face((100, 0, 80, 80), "sad")],
             [face((0, 0, 100, 20)), face((0, 0, 60, 60), "fear")],
             [face((300, 5, 40, 90), "neutral"), face((0, 0, 50, 50), "surprise")],
             [face((5, 5, 40, 40), "angry")]]
    for entries in cases:
        want = max(entries, key=lambda e: e[0][2] * e[0][3])
        got = call(fn, entries, name="main_face")
        if got is not want:
            boxes = [e[0] for e in entries]
            fail(f"for boxes {boxes} main_face returned {got[0] if isinstance(got, tuple) else _short(got)}, "
                 f"expected the entry with box {want[0]}",
                 "compare areas w*h (box[2] * box[3]), not widths or positions, and return the whole entry.")
    passed("the largest face is the one nearest the camera — the one whose emoji the panel shows.")
