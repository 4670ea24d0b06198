"""Frame in, emotions out: detect every face, crop it, classify all of them in one batched call.

The classifier is a ``tf.function`` with a fixed input signature that calls the model directly. The classic
loop's ``model.predict`` on one face per call builds a new dataset each time (tens of milliseconds) and grows
memory in long loops; one traced call per frame avoids both.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from ..core import config
from ..core.emotions import DISPLAY_NAMES, EMOTIONS, NUM_CLASSES
from ..core.images import SIZE, as_batch, as_gray
from .faces import STILL_PATCH, FaceDetector, crop_faces, face_patches, faces_moved, largest_first_order
from .tracking import FaceTracker


@dataclass
class FacePrediction:
    """One face of a frame: its box ``(x, y, w, h)``, the likeliest emotion and all probabilities ``(7,)``."""
    box: tuple[int, int, int, int]
    emotion: str
    probs: np.ndarray
    track: int = 0

    @property
    def score(self) -> float:
        return float(self.probs[EMOTIONS.index(self.emotion)])

    @property
    def display_name(self) -> str:
        return DISPLAY_NAMES[self.emotion]

    def scaled(self, sx: float, sy: float) -> "FacePrediction":
        """The same face on a copy of its frame resized by ``sx`` across and ``sy`` down (box rounded to pixels)."""
        x, y, w, h = self.box
        return replace(self, box=(round(x * sx), round(y * sy), round(w * sx), round(h * sy)))


def _tf_function(model):
    """The model as one traced TensorFlow function with a fixed input signature (any batch size)."""
    import tensorflow as tf

    return tf.function(lambda x: model(x, training=False), reduce_retracing=True,
                       input_signature=[tf.TensorSpec([None, SIZE, SIZE, 1], tf.float32)])


def _tflite_function(model, threads: int | None = None):
    """The model converted to TensorFlow Lite and run by its interpreter with the XNNPACK CPU kernels: about
    3× faster than the ``tf.function`` for one face on a 2-core CPU (see ``benchmarks/results.md``)."""
    import contextlib
    import io
    import logging
    import os
    import warnings

    import tensorflow as tf

    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # conversion chatter and tf.lite's deprecation notice
        tf_logger.setLevel(logging.ERROR)  # "Assets written to /tmp/..." from the SavedModel export
        try:
            content = tf.lite.TFLiteConverter.from_keras_model(model).convert()
            interpreter = tf.lite.Interpreter(model_content=content, num_threads=threads or os.cpu_count())
        finally:
            tf_logger.setLevel(level)
    with config.silenced_stderr():  # the first allocation applies XNNPACK, whose C++ "INFO: Created …" line
        interpreter.allocate_tensors()  # would otherwise show in the notebook or the terminal
    entry, exit_ = interpreter.get_input_details()[0]["index"], interpreter.get_output_details()[0]["index"]
    shape = [None]

    def run(x):
        if shape[0] != x.shape[0]:  # re-plan only when the number of faces changes
            interpreter.resize_tensor_input(entry, x.shape)
            interpreter.allocate_tensors()
            shape[0] = x.shape[0]
        interpreter.set_tensor(entry, x)
        interpreter.invoke()
        return interpreter.get_tensor(exit_).copy()
    return run


class EmotionPredictor:
    """Classify the faces of video frames with a trained emojify model.

    ``model``: a Keras model mapping raw ``(N, 48, 48, 1)`` pixels to 7 probabilities (see
    :mod:`emojify_lib.model.networks`). ``detector``: a :class:`~emojify_lib.live.faces.FaceDetector` (one is built if
    omitted). ``smoothing`` in [0, 1): weight of the past in an exponential moving average of each face's
    probabilities across frames (faces are followed by box overlap), so the emoji does not flicker; 0 = off.
    ``warning`` is a sentence to show users (e.g. that the model was trained on the synthetic sample only);
    ``description`` says which model it is (shown on screen with :attr:`model_note`).
    ``backend``: ``"tf"`` runs the model as a traced ``tf.function``; ``"tflite"`` converts it once to
    TensorFlow Lite and runs it with XNNPACK, the fastest path on a CPU. ``detect_every``: run the full face
    detector (the slowest step) on every n-th frame only; in between, look for the known faces only near where
    they were (:meth:`~emojify_lib.live.faces.FaceDetector.detect_near`, several times cheaper), and only for the
    faces that moved (:func:`~emojify_lib.live.faces.faces_moved`: a 12×12 patch of the box compared with the one
    from when the box was last found; a face that sits still keeps its box), so boxes follow moving faces and new
    faces appear within n frames; the faces are cropped and classified on every frame.
    """

    def __init__(self, model, detector: FaceDetector | None = None, smoothing: float = 0.0,
                 warning: str | None = None, margin: float = 0.1, backend: str = "tf", detect_every: int = 1,
                 description: str | None = None):
        if backend not in ("tf", "tflite"):
            raise ValueError(f"backend must be 'tf' or 'tflite', not {backend!r}")
        self.tracker = FaceTracker(smoothing)
        self.path: Path | None = None  # the model file, when loaded by from_path
        self.model, self.warning, self.margin = model, warning, margin
        self.description = description
        self.backend = backend
        if detect_every < 1:
            raise ValueError(f"detect_every must be 1 or more, got {detect_every}")
        self.detect_every, self._frames_since_detect = detect_every, 0
        self._boxes = np.zeros((0, 4), np.int32)  # the faces of the last frame, largest first
        self._patches = np.zeros((0, STILL_PATCH, STILL_PATCH), np.float32)  # each box's patch when last found
        self.detector = detector or FaceDetector()
        self._classify = _tflite_function(model) if backend == "tflite" else _tf_function(model)

    @property
    def smoothing(self) -> float:
        return self.tracker.smoothing

    @classmethod
    def from_path(cls, path: str | Path | None = None, **kwargs) -> "EmotionPredictor":
        """Load a model and wrap it. ``path``: a model file, ``"reference"``, or ``None`` to let
        :func:`emojify_lib.model.files.choose_model` pick (the learner's FER2013 model, else the reference
        model). Sets ``description`` (which model, for the screen) and ``warning`` (e.g. sample-trained)."""
        from ..model.networks import load_chosen

        model, choice = load_chosen(path)  # raises a ModelError that says what to do when there is none
        kwargs.setdefault("warning", choice.warning)
        kwargs.setdefault("description", choice.description)
        predictor = cls(model, **kwargs)
        predictor.path = choice.path  # which file: model pickers show it as the current choice
        return predictor

    @property
    def model_note(self) -> str:
        """One line for the screen: which model is used, and any warning about it."""
        parts = [f"Model: {self.description}" if self.description else "", f"Note: {self.warning}" if self.warning else ""]
        return " · ".join(p for p in parts if p)

    def classify(self, faces: np.ndarray) -> np.ndarray:
        """Probabilities ``float32 (K, 7)`` for a stack of ``uint8 (K, 48, 48)`` faces, in one call."""
        batch = as_batch(faces, "classify")
        if len(batch) == 0:
            return np.zeros((0, NUM_CLASSES), np.float32)
        return np.asarray(self._classify(batch))

    def predict(self, frame) -> list[FacePrediction]:
        """Detect, crop and classify every face of a frame (any picture
        :func:`~emojify_lib.core.images.as_gray` accepts). Largest face first."""
        gray = as_gray(frame, "frame")  # once: the detector and the cropper both read this copy
        boxes = self.find_faces(gray)
        probs = self.classify(crop_faces(gray, boxes, self.margin))
        return [FacePrediction(tuple(int(v) for v in box), EMOTIONS[int(np.argmax(p))], p, track)
                for box, (track, p) in zip(boxes, self.tracker.update(boxes, probs))]

    def find_faces(self, frame) -> np.ndarray:
        """The face boxes of the next frame of the video, ``int32 (K, 4)`` largest first, as :meth:`predict` finds
        them: a full detection on every ``detect_every``-th frame (or when no face is known); in between, the known
        faces that moved looked for again near their last box, the others kept where they were."""
        gray = as_gray(frame, "frame")
        if self._frames_since_detect % self.detect_every == 0 or len(self._boxes) == 0:
            boxes = self.detector.detect(gray)
            patches = face_patches(gray, boxes)
            self._frames_since_detect = 0
        else:  # between full detections, look again near where they were for the faces that moved
            boxes, patches = self._boxes.copy(), self._patches.copy()
            for i in np.flatnonzero(faces_moved(patches, face_patches(gray, boxes))):
                boxes[i] = self.detector.detect_near(gray, boxes[i:i + 1])[0]
                patches[i] = face_patches(gray, boxes[i:i + 1])[0]
            order = largest_first_order(boxes)
            boxes, patches = boxes[order], patches[order]
        self._frames_since_detect += 1
        self._boxes, self._patches = boxes, patches
        return boxes

    def reset(self) -> None:
        """Forget the faces followed so far (call when the video jumps or the camera changes)."""
        self.tracker.reset()
        self._boxes, self._patches = self._boxes[:0], self._patches[:0]
        self._frames_since_detect = 0
