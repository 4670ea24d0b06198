"""The one list of emotion classes.

FER2013 labels faces with ids 0-6 in this order: angry, disgust, fear, happy, sad, surprise, neutral.
Everything in emojify uses that order. The classic "Emojify" scripts (and their ``emotion_model.h5``)
instead use the alphabetical order of their training folders; :data:`CLASSIC_ORDER` and the two
mapping functions translate between the two explicitly.
"""
from __future__ import annotations

import numpy as np

#: Canonical class names, index = FER2013 label id.
EMOTIONS: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
NUM_CLASSES = len(EMOTIONS)

#: Names shown to people.
DISPLAY_NAMES: dict[str, str] = {
    "angry": "Angry", "disgust": "Disgusted", "fear": "Fearful", "happy": "Happy",
    "sad": "Sad", "surprise": "Surprised", "neutral": "Neutral",
}

#: Emoji image file (in ``emojis/``) for each class.
EMOJI_FILES: dict[str, str] = {
    "angry": "angry.png", "disgust": "disgusted.png", "fear": "fearful.png", "happy": "happy.png",
    "sad": "sad.png", "surprise": "surprised.png", "neutral": "neutral.png",
}

#: The classic Emojify order: alphabetical folder names, index = that model's output unit.
CLASSIC_ORDER: tuple[str, ...] = ("angry", "disgust", "fear", "happy", "neutral", "sad", "surprise")

#: Folder names accepted for each class (Emojify's and Kaggle's image version), lower-cased.
FOLDER_ALIASES: dict[str, str] = {
    "angry": "angry", "anger": "angry",
    "disgust": "disgust", "disgusted": "disgust",
    "fear": "fear", "fearful": "fear",
    "happy": "happy", "happiness": "happy",
    "sad": "sad", "sadness": "sad",
    "surprise": "surprise", "surprised": "surprise",
    "neutral": "neutral",
}


def label_of(name: str) -> int:
    """Canonical label id (0-6) of a class or folder name such as ``"Disgusted"`` or ``"fear"``.

    Raises ``KeyError`` naming the accepted names when the name is unknown.
    """
    key = FOLDER_ALIASES.get(name.strip().lower())
    if key is None:
        raise KeyError(f"{name!r} is not an emotion class; expected one of {sorted(FOLDER_ALIASES)}")
    return EMOTIONS.index(key)


#: ``CLASSIC_TO_CANONICAL[i]`` is the canonical id of the classic model's output unit ``i``.
CLASSIC_TO_CANONICAL = np.array([EMOTIONS.index(n) for n in CLASSIC_ORDER])
#: ``CANONICAL_TO_CLASSIC[j]`` is the classic output unit of canonical class ``j``.
CANONICAL_TO_CLASSIC = np.array([CLASSIC_ORDER.index(n) for n in EMOTIONS])


def classic_to_canonical(probs: np.ndarray) -> np.ndarray:
    """Reorder the last axis of classic-order outputs ``(..., 7)`` into canonical order."""
    probs = np.asarray(probs)
    return probs[..., CANONICAL_TO_CLASSIC]


def canonical_to_classic(probs: np.ndarray) -> np.ndarray:
    """Reorder the last axis of canonical-order outputs ``(..., 7)`` into the classic order."""
    probs = np.asarray(probs)
    return probs[..., CLASSIC_TO_CANONICAL]
