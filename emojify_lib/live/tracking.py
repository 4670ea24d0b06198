"""Following faces from frame to frame and smoothing their probabilities, so the emoji does not flicker.

A face of the new frame continues the face of the last frame whose box overlaps it most (intersection over
union at least ``min_iou``); its probabilities become an exponential moving average with that face's.
"""
from __future__ import annotations

import numpy as np


def iou(a, b) -> float:
    """Intersection over union of two boxes ``(x, y, w, h)``: 0 when apart, 1 when equal."""
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    return inter / float(aw * ah + bw * bh - inter) if inter else 0.0


class FaceTracker:
    """Track ids and smoothed probabilities for the faces of successive frames.

    ``smoothing`` in [0, 1): weight of the past in the moving average; 0 = off (every face gets track 0 and its
    own probabilities).
    """

    def __init__(self, smoothing: float = 0.0, min_iou: float = 0.3):
        if not 0.0 <= smoothing < 1.0:
            raise ValueError(f"smoothing must be in [0, 1), got {smoothing}")
        self.smoothing, self.min_iou = smoothing, min_iou
        self._tracks: list[tuple[int, tuple, np.ndarray]] = []
        self._next_track = 1

    def update(self, boxes, probs) -> list[tuple[int, np.ndarray]]:
        """``(track id, smoothed probabilities)`` for each box of this frame, in the order given."""
        if self.smoothing <= 0:
            return [(0, p) for p in probs]
        out, tracks = [], []
        unmatched = list(self._tracks)  # each face of the last frame continues at most one face of this one
        for box, p in zip(boxes, probs):
            box = tuple(int(v) for v in box)
            best = max(unmatched, key=lambda t: iou(t[1], box), default=None)
            if best is not None and iou(best[1], box) >= self.min_iou:
                unmatched.remove(best)
                track, p = best[0], (self.smoothing * best[2] + (1 - self.smoothing) * p).astype(np.float32)
            else:
                track, self._next_track = self._next_track, self._next_track + 1
            tracks.append((track, box, p))
            out.append((track, p))
        self._tracks = tracks
        return out

    def reset(self) -> None:
        """Forget the faces followed so far (track ids keep counting up, so old ids are never reused)."""
        self._tracks = []
