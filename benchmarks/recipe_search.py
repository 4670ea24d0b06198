"""Recipe search for lesson 08's modern CNN on real FER2013: which ingredients pay, and how many epochs.

Runs named configurations of :func:`emojify_lib.model.modern.modern_cnn` and its recipe, each in its own process,
and writes one JSON line per epoch (test accuracy with and without flip averaging) to ``OUT/recipe_search.jsonl``.
It is backend-agnostic Keras 3 with NumPy augmentation, so the same configurations run on a GPU machine (JAX
backend) to rank recipes quickly, and on the 2-core CPU (TensorFlow backend) to time them. Accuracy is a property
of the recipe, not the device; every timing names its device.

    python benchmarks/recipe_search.py --data /path/to/FER2013-folders --out /tmp/rs  base ls no_aug ...
    python benchmarks/recipe_search.py --mosaic DIR ...   # FER2013 packed as two JPEG mosaics (for a GPU machine)

Configurations are in :data:`CONFIGS`; ``--jobs N`` runs N at once.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

SIZE = 48

#: name -> overrides of BASE. The ablations remove one ingredient of "base" each.
BASE = dict(widths=(32, 64, 128, 256), convs=(2, 2, 2, 2), epochs=12, batch=128, peak=2e-3, warmup=1.0,
            weight_decay=5e-4, smoothing=0.0, augment=True, dropout=0.4, optimizer="adamw", schedule="cosine",
            block="vgg", seed=0)
CONFIGS = {
    "base": {},
    "ls": dict(smoothing=0.1),
    "no_aug": dict(augment=False),
    "no_schedule": dict(schedule="constant", peak=1e-3),
    "adam": dict(optimizer="adam"),
    "wd05": dict(weight_decay=5e-2),
    "stem1": dict(convs=(1, 2, 2, 2), smoothing=0.1),
    "stem1_e16": dict(convs=(1, 2, 2, 2), smoothing=0.1, epochs=16),
    "stem1_e20": dict(convs=(1, 2, 2, 2), smoothing=0.1, epochs=20),
    "stem1_w": dict(widths=(32, 96, 192, 384), convs=(1, 2, 2, 2), smoothing=0.1),
    "stem1_res": dict(convs=(1, 2, 2, 2), smoothing=0.1, block="res"),
    "base_e16": dict(smoothing=0.1, epochs=16),
    "base_e24": dict(smoothing=0.1, epochs=24),
    "long_wide": dict(widths=(64, 128, 256, 512), smoothing=0.1, epochs=60, weight_decay=5e-2),
    "long_base": dict(smoothing=0.1, epochs=60, weight_decay=5e-2),
}


def load_mosaic(folder: Path):
    import cv2

    labels = np.load(folder / "fer_labels.npz")
    out = []
    for split in ("tr", "te"):
        y = labels["y" + split]
        mosaic = cv2.imread(str(folder / f"fer_{split}.jpg"), cv2.IMREAD_GRAYSCALE)
        rows, cols = mosaic.shape[0] // SIZE, mosaic.shape[1] // SIZE
        x = mosaic.reshape(rows, SIZE, cols, SIZE).transpose(0, 2, 1, 3).reshape(-1, SIZE, SIZE)[: len(y)]
        out += [x, y]
    return out


def load_folders(root: Path):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from emojify_lib.data.fer2013 import load_fer2013_folders

    s = load_fer2013_folders(root)
    return (np.concatenate([s["train"][0], s["val"][0]]), np.concatenate([s["train"][1], s["val"][1]]),
            s["test"][0], s["test"][1])


def augment(x: np.ndarray, rng: np.random.Generator, pad: int = 4) -> np.ndarray:
    """Random horizontal flip and a random 48×48 crop of the face padded by ``pad`` (edge pixels repeated)."""
    n = len(x)
    flip = rng.random(n) < 0.5
    x = np.where(flip[:, None, None], x[:, :, ::-1], x)
    padded = np.pad(x, ((0, 0), (pad, pad), (pad, pad)), mode="edge")
    dy = rng.integers(0, 2 * pad + 1, n)
    dx = rng.integers(0, 2 * pad + 1, n)
    rows = dy[:, None] + np.arange(SIZE)[None, :]
    cols = dx[:, None] + np.arange(SIZE)[None, :]
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]


def build(cfg):
    import keras
    from keras import layers

    def cbr(x, w, stride=1):
        x = layers.Conv2D(w, 3, strides=stride, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization()(x)
        return layers.ReLU()(x)

    inputs = keras.Input((SIZE, SIZE, 1))
    x = layers.Rescaling(1 / 255.0)(inputs)
    for stage, (w, n) in enumerate(zip(cfg["widths"], cfg["convs"])):
        if cfg["block"] == "res" and stage > 0:
            short = layers.BatchNormalization()(layers.Conv2D(w, 1, use_bias=False)(x))
            y = cbr(x, w)
            y = layers.BatchNormalization()(layers.Conv2D(w, 3, padding="same", use_bias=False)(y))
            x = layers.ReLU()(layers.Add()([short, y]))
        else:
            for _ in range(n):
                x = cbr(x, w)
        if stage < len(cfg["widths"]) - 1:
            x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(cfg["dropout"])(x)
    outputs = layers.Dense(7, activation="softmax")(x)
    return keras.Model(inputs, outputs)


def run_one(name: str, cfg: dict, data, out: Path) -> None:
    import keras

    keras.utils.set_random_seed(cfg["seed"])
    xtr, ytr, xte, yte = data
    steps = -(-len(xtr) // cfg["batch"])
    total = steps * cfg["epochs"]
    warm = min(total - 1, int(round(steps * cfg["warmup"])))
    if cfg["schedule"] == "cosine":
        lr = keras.optimizers.schedules.CosineDecay(0.0, total - warm, warmup_target=cfg["peak"], warmup_steps=warm)
    else:
        lr = cfg["peak"]
    opt = (keras.optimizers.AdamW(lr, weight_decay=cfg["weight_decay"]) if cfg["optimizer"] == "adamw"
           else keras.optimizers.Adam(lr))
    model = build(cfg)
    model.compile(opt, keras.losses.CategoricalCrossentropy(label_smoothing=cfg["smoothing"]), metrics=["accuracy"])
    rng = np.random.default_rng(cfg["seed"])
    yhot = np.eye(7, dtype="float32")[ytr]
    xte4 = xte[..., None].astype("float32")
    started = time.perf_counter()
    for epoch in range(cfg["epochs"]):
        xa = augment(xtr, rng) if cfg["augment"] else xtr
        t = time.perf_counter()
        hist = model.fit(xa[..., None].astype("float32"), yhot, batch_size=cfg["batch"], epochs=1, verbose=0,
                         shuffle=True)
        train_s = time.perf_counter() - t
        p = model.predict(xte4, batch_size=512, verbose=0)
        pf = model.predict(xte4[:, :, ::-1], batch_size=512, verbose=0)
        row = dict(config=name, epoch=epoch + 1, epochs=cfg["epochs"], train_s=round(train_s, 2),
                   elapsed_s=round(time.perf_counter() - started, 1), loss=float(hist.history["loss"][-1]),
                   test=float((p.argmax(1) == yte).mean()), test_flip=float(((p + pf).argmax(1) == yte).mean()),
                   params=int(model.count_params()), backend=keras.backend.backend())
        with open(out / "recipe_search.jsonl", "a") as f:
            f.write(json.dumps(row) + "\n")
        print(json.dumps(row), flush=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("configs", nargs="*", default=["base"])
    ap.add_argument("--data", type=Path, help="FER2013 folders (train/ test/)")
    ap.add_argument("--mosaic", type=Path, help="folder with fer_tr.jpg, fer_te.jpg, fer_labels.npz")
    ap.add_argument("--out", type=Path, default=Path("."))
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--epochs", type=int, help="override every configuration's epochs (for a smoke test)")
    ap.add_argument("--limit", type=int, help="use only the first N training faces (smoke test)")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    unknown = [c for c in args.configs if c not in CONFIGS]
    if unknown:
        ap.error(f"unknown configurations {unknown}; known: {sorted(CONFIGS)}")
    if args.worker or args.jobs == 1 or len(args.configs) == 1:
        data = load_mosaic(args.mosaic) if args.mosaic else load_folders(args.data)
        if args.limit:
            data = [data[0][: args.limit], data[1][: args.limit], data[2], data[3]]
        for name in args.configs:
            cfg = {**BASE, **CONFIGS[name]}
            if args.epochs:
                cfg["epochs"] = args.epochs
            run_one(name, cfg, data, args.out)
        return 0
    pending = list(args.configs)
    running: list[subprocess.Popen] = []
    base_cmd = [sys.executable, __file__, "--worker", "--out", str(args.out)]
    for flag in ("data", "mosaic", "epochs", "limit"):
        if getattr(args, flag):
            base_cmd += [f"--{flag}", str(getattr(args, flag))]
    while pending or running:
        while pending and len(running) < args.jobs:
            running.append(subprocess.Popen(base_cmd + [pending.pop(0)]))
        time.sleep(1)
        running = [p for p in running if p.poll() is None]
    return 0


if __name__ == "__main__":
    sys.exit(main())
