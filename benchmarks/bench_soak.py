"""Group 5 — memory soak: 10,000 frames through the predictor (live settings, with emoji overlay) and 2,000 frames
through the kernel-camera demo's capture thread reading a video file; resident memory sampled every 500 frames.
Growth is measured from the first sample after warm-up (frame 500) to the end; target < 20 MiB."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import cv2
import psutil
from common import Results

from emojify_lib.model import networks
from emojify_lib.live.sources import sample_frames
from emojify_lib.apps.widgets import KernelCameraDemo
from emojify_lib.live.session import LIVE_SETTINGS
from emojify_lib.live.overlay import annotate
from emojify_lib.live.predictor import EmotionPredictor

MIB = 2 ** 20


def rss() -> float:
    return psutil.Process().memory_info().rss / MIB


def report(res: Results, name: str, samples: list[tuple[int, float]], seconds: float) -> None:
    warm = samples[1][1] if len(samples) > 1 else samples[0][1]
    growth = samples[-1][1] - warm
    trace = " ".join(f"{mib:.0f}" for _, mib in samples)
    res.add(f"{name}: RSS growth after warm-up", growth, "MiB", f"target < 20 MiB; RSS every 500 frames: {trace}")
    res.add(f"{name}: frames/s over the soak", samples[-1][0] / seconds, "frames/s")


def main() -> Results:
    res = Results("5 memory soak")
    model = networks.classic_cnn()
    frames = sample_frames(60)
    predictor = EmotionPredictor(model, **LIVE_SETTINGS)
    samples = [(0, rss())]
    start = time.perf_counter()
    for i in range(1, 10_001):
        annotate(frames[i % len(frames)], predictor.predict(frames[i % len(frames)]))
        if i % 500 == 0:
            samples.append((i, rss()))
    report(res, "predictor, 10,000 frames", samples, time.perf_counter() - start)

    with tempfile.TemporaryDirectory() as tmp:
        video = Path(tmp) / "soak.avi"
        writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
        for f in frames:
            writer.write(f)
        writer.release()
        from emojify_lib.live.sources import VideoFile

        demo = KernelCameraDemo(EmotionPredictor(model, **LIVE_SETTINGS), source=lambda: VideoFile(video, loop=True),
                                max_frames=2_000)
        samples = [(0, rss())]
        start = time.perf_counter()
        demo.start()
        while demo.running:
            time.sleep(0.05)
            done = demo.frames_processed
            if done >= samples[-1][0] + 500:
                samples.append((done - done % 500, rss()))
        samples.append((demo.frames_processed, rss()))
        report(res, "kernel-camera demo thread, 2,000 video frames", samples, time.perf_counter() - start)
        res.add("kernel-camera demo: frames with errors", demo.errors, "frames")
    res.save()
    return res


if __name__ == "__main__":
    main()
