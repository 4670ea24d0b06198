"""Lesson 08's recipe on real FER2013 on this CPU: where a training step's time goes, then the full run.

    python benchmarks/bench_modern.py DIR [--epochs N] [--skip-profile] [--json OUT.json] [--save M.keras]
    python benchmarks/bench_modern.py --report OUT.json RUN.log   # rows for results.md from a finished run

``DIR`` holds FER2013 (Kaggle's ``train/`` ``test/`` folders, an imported ``data/fer2013``, or a csv). The
network trains on all 28,709 Training faces (no hold-out: the schedule ends at zero and the last epoch is the one
kept) and is tested on the 7,178 test faces after every epoch, plain and with flip averaging; the test passes are
timed apart from training. Before the run it times one training step of the network's variants side by side
(``profile``): the lesson-04-era layout with two blocks at 48×48, one block there (the recipe's), bfloat16 against
float32, the input pipeline alone, and the classic CNN, so each step's cost is compared in the same minute.
Prints one line per measurement and appends rows to ``benchmarks/results.md`` (group 10) through ``common``.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Results, _cpu_name as cpu_name, loadavg as load_average  # noqa: E402

GROUP = "10 lesson 08 recipe"


def step_speed(model, batch: int, steps: int = 8, precision: str = "float32") -> float:
    """Training images per second of one compiled GradientTape step of ``model`` (after one warm-up step)."""
    import keras
    import tensorflow as tf
    from emojify_lib.model import modern

    rng = np.random.default_rng(0)
    images = tf.constant(rng.integers(0, 256, (batch, 48, 48, 1)).astype(np.float32))
    targets = tf.one_hot(rng.integers(0, 7, batch), 7)
    step = modern.make_train_step(model, keras.optimizers.AdamW(1e-4), keras.losses.CategoricalCrossentropy())
    step(images, targets)
    start = time.perf_counter()
    for _ in range(steps):
        loss, _ = step(images, targets)
    float(loss)
    return steps * batch / (time.perf_counter() - start)


def profile(recipe) -> list[tuple[str, float, str]]:
    import keras
    import tensorflow as tf
    from emojify_lib.model import modern, networks

    rows = []
    b = recipe.batch_size
    variants = [
        ("two conv-BN-ReLU blocks at 48×48 (the first probe), float32", dict(blocks=(2, 2, 2, 2)), "float32"),
        ("two blocks at 48×48, bfloat16", dict(blocks=(2, 2, 2, 2)), "bfloat16"),
        ("one block at 48×48 (the recipe), float32", {}, "float32"),
        ("one block at 48×48, bfloat16", {}, "bfloat16"),
        ("one block at 48×48, no batch norm layers' cost (BN removed), float32", dict(no_bn=True), "float32"),
    ]
    for label, change, precision in variants:
        r = recipe.with_(blocks=change.get("blocks", recipe.blocks))
        if change.get("no_bn"):
            model = _without_bn(r)
        else:
            model = modern.build(r, precision)
        speed = step_speed(model, b)
        rows.append((f"train step: {label}", speed, f"images/s, batch {b}; {model.count_params():,} parameters"))
        print(rows[-1], flush=True)
    data = modern.training_dataset(np.zeros((4096, 48, 48), np.uint8), np.zeros(4096, int), recipe)
    start = time.perf_counter()
    n = sum(int(x.shape[0]) for x, _ in data)
    rows.append(("input pipeline alone (flip + crop in tf.data)", n / (time.perf_counter() - start), "images/s"))
    model = modern.build(recipe)
    predict = tf.function(lambda x: model(x, training=False))
    x = tf.zeros((256, 48, 48, 1))
    predict(x)
    start = time.perf_counter()
    for _ in range(8):
        predict(x)
    rows.append(("test pass (forward only, batch 256)", 8 * 256 / (time.perf_counter() - start), "images/s"))
    classic = networks.classic_cnn()
    classic_speed = step_speed(classic, 64)
    rows.append(("train step: classic CNN (lesson 04), float32", classic_speed, "images/s, batch 64"))
    for row in rows[-3:]:
        print(row, flush=True)
    keras.backend.clear_session()
    return rows


def _without_bn(recipe):
    import keras
    from keras import layers

    inputs = keras.Input((48, 48, 1))
    x = layers.Rescaling(1 / 255.0)(inputs)
    for stage, (w, n) in enumerate(zip(recipe.widths, recipe.blocks), start=1):
        for _ in range(n):
            x = layers.Conv2D(w, 3, padding="same", activation="relu")(x)
        if stage < len(recipe.widths):
            x = layers.MaxPooling2D()(x)
    x = layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, layers.Dense(7, activation="softmax")(layers.Dropout(0.4)(x)))


def load_all(root: Path):
    from emojify_lib.data.fer2013 import load_fer2013

    splits = load_fer2013(root)
    train = [splits["train"]] + ([splits["val"]] if "val" in splits and "test" in splits else [])
    x = np.concatenate([s[0] for s in train])
    y = np.concatenate([s[1] for s in train])
    test = splits["test"] if "test" in splits else splits["val"]
    return x, y, test[0], test[1]


def report(log: dict, profile_rows: list, label: str = "the recipe") -> None:
    """Group 10's rows from a finished run's log and its profile, saved for ``run_all.py --markdown``."""
    results = Results(GROUP)
    cpu = log.get("cpu", "unknown")
    for name, value, unit in profile_rows:
        results.add(name, round(value, 1), "images/s", f"{unit}; CPU {cpu}; the same minute as the other step rows")
    per_epoch = " ".join(f"{a:.3f}" for a in log["test_accuracy"])
    per_epoch_flip = " ".join(f"{a:.3f}" for a in log["test_accuracy_flip"])
    minutes = log["total_train_seconds"] / 60
    epochs = len(log["train_seconds"])
    results.add(f"{label}: test accuracy with flip averaging", round(100 * log["test_accuracy_flip"][-1], 1), "%",
                f"{epochs} epochs, {minutes:.1f} min of training on {cpu} ({log['precision']}); after each epoch, "
                f"flip-averaged: {per_epoch_flip}")
    results.add(f"{label}: test accuracy, plain", round(100 * log["test_accuracy"][-1], 1), "%",
                f"after each epoch: {per_epoch}")
    results.add(f"{label}: minutes of training", round(minutes, 1), "min",
                f"{epochs} epochs of 28,709 faces on {cpu}, 2 cores, other processes paused; seconds per epoch: "
                + " ".join(f"{t:.0f}" for t in log["train_seconds"]) + "; test passes (timed apart): "
                f"{sum(log['test_seconds']) / 60:.1f} min")
    first60 = next((i + 1 for i, a in enumerate(log["test_accuracy_flip"]) if a >= 0.60), None)
    if first60:
        results.add(f"{label}: time to 60 % test accuracy", round(sum(log["train_seconds"][:first60]) / 60, 1), "min",
                    f"epoch {first60} of {epochs} (flip-averaged), on {cpu}")
    classic = [v for name, v, _ in profile_rows if "classic CNN" in name]
    if classic:  # group 6 measured the classic recipe's epochs to 60 %; its step speed is timed in this session
        results.add("classic CNN, lesson 05's recipe: time to 60 % test accuracy at this session's step speed",
                    round(8 * 25_837 / classic[0] / 60, 1), "min",
                    f"8 epochs of 25,837 faces (group 6: 60.4 % after epoch 8) at the {classic[0]:.0f} images/s its "
                    f"training step ran in this session on {cpu}; training steps only, like the row above")
    if "precision_speeds" in log:
        speeds = log["precision_speeds"]
        results.add(f"{label}: precision chosen by timing both", speeds[log["precision"]], "images/s",
                    f"{log['precision']}; float32 {speeds['float32']} vs bfloat16 {speeds['bfloat16']} images/s, "
                    f"10 steps each, at the start of the run on {cpu}")
    results.save(label.replace(" ", "_"))


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--report":
        import ast
        log = json.loads(Path(sys.argv[2]).read_text())["log"]
        lines = Path(sys.argv[3]).read_text().splitlines()   # the tuples a run printed as it profiled
        rows = [ast.literal_eval(line.removeprefix("profile ")) for line in lines if line.startswith(("profile (", "('"))]
        report(log, rows)
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--precision", default="auto")
    ap.add_argument("--skip-profile", action="store_true")
    ap.add_argument("--json", type=Path, help="write the log (per-epoch lists) here")
    ap.add_argument("--limit", type=int, help="train on the first N faces only (a smoke test)")
    ap.add_argument("--save", type=Path, help="save the trained model here (.keras) with its record")
    args = ap.parse_args()

    from emojify_lib.core import config
    config.quiet_tensorflow()
    from emojify_lib.model import modern

    recipe = modern.ModernRecipe.full().with_(precision=args.precision)
    if args.epochs:
        recipe = recipe.with_(epochs=args.epochs)
    print(f"CPU: {cpu_name()}; load average {load_average()}", flush=True)
    rows = [] if args.skip_profile else profile(recipe)
    start = time.perf_counter()
    x, y, xt, yt = load_all(args.data)
    if args.limit:
        pick = np.random.default_rng(0).permutation(len(x))[: args.limit]
        x, y, xt, yt = x[pick], y[pick], xt[: args.limit], yt[: args.limit]
    print(f"loaded {len(x):,} training and {len(xt):,} test faces in {time.perf_counter() - start:.1f} s", flush=True)

    def checkpoint(epoch, log):
        if args.json:
            args.json.write_text(json.dumps({"cpu": cpu_name(), "recipe": repr(recipe), "log": log}, indent=1))

    model, log = modern.fit_modern(x, y, recipe, test=(xt, yt), on_epoch=checkpoint)
    log["cpu"] = cpu_name()
    log["load_average_end"] = load_average()
    checkpoint(None, log)
    minutes = log["total_train_seconds"] / 60
    print(f"final test accuracy {log['test_accuracy'][-1]:.2%}, with flip averaging "
          f"{log['test_accuracy_flip'][-1]:.2%}, after {minutes:.1f} min of training ({log['precision']}); CPU "
          f"{cpu_name()}", flush=True)
    for row in rows:
        print("profile", row)
    report(log, rows)
    if args.save:
        from emojify_lib.model import files
        model.save(args.save)
        files.write_model_info(args.save, data_source="fer2013", model=model.name, epochs_run=recipe.epochs,
                               test_accuracy=log["test_accuracy_flip"][-1], test_accuracy_plain=log["test_accuracy"][-1],
                               test_flip_average=True, train_images=int(len(x)),
                               seconds=log["total_train_seconds"], cpu=cpu_name())
    return 0


if __name__ == "__main__":
    sys.exit(main())
