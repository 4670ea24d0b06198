"""Training: ``train()`` compiles and fits a model on a :class:`~emojify_lib.data.fer2013.Dataset` with the callbacks a
real run needs, and ``plot_history()`` draws the curves.

``train()`` is what ``python -m emojify_lib train`` runs; lesson 05 writes its steps in cells: :func:`compile_model`
(Adam on the recipe's learning-rate schedule, cross-entropy, accuracy), :func:`make_callbacks` and ``model.fit``.
Callbacks: ``ModelCheckpoint`` keeps the best model (by validation accuracy) in ``models/``; ``EarlyStopping``
restores the best epoch's weights (and ends a run that stopped improving, when the recipe has a patience);
``BackupAndRestore`` saves the whole training state every epoch so that a run killed half-way resumes where it
stopped when started again with the same ``out``; the plateau recipes add ``ReduceLROnPlateau``.
"""
from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..core import config
from ..core.emotions import NUM_CLASSES
from ..core.errors import ModelError
from ..data.fer2013 import Dataset, load_dataset
from ..data.pipeline import make_tf_dataset
from . import files

import keras
import tensorflow as tf


@dataclass
class Recipe:
    """Hyper-parameters of a training run.

    ``full()`` is the CPU default for real FER2013 (a short cosine schedule, measured in
    ``benchmarks/results.md``), ``long()`` the 60-epoch recipe with augmentation meant for a GPU, ``quick()`` the
    CI one on the sample. ``schedule="cosine"``: the learning rate climbs linearly to ``learning_rate`` over
    ``warmup_epochs``, then falls along a half cosine to zero at the last epoch. ``schedule="plateau"``: it
    starts at ``learning_rate`` and is multiplied by ``lr_factor`` whenever validation loss stalls for
    ``lr_patience`` epochs. Training stops early after ``patience`` epochs without a better validation accuracy
    (``None``: never), and the best epoch's weights are the ones kept.
    """
    epochs: int = 10
    batch_size: int = 64
    learning_rate: float = 1e-3
    schedule: str = "cosine"     # "cosine" or "plateau"
    warmup_epochs: float = 1.0   # cosine only
    augment: bool = False
    patience: int | None = None  # EarlyStopping, on val_accuracy
    lr_patience: int = 4         # plateau only: ReduceLROnPlateau, on val_loss
    lr_factor: float = 0.5
    min_lr: float = 1e-5

    def __post_init__(self):
        if self.schedule not in ("cosine", "plateau"):
            raise ValueError(f"Recipe.schedule must be 'cosine' or 'plateau', not {self.schedule!r}")

    @classmethod
    def full(cls) -> "Recipe":
        return cls()

    @classmethod
    def long(cls) -> "Recipe":
        return cls(epochs=60, schedule="plateau", augment=True, patience=12)

    @classmethod
    def quick(cls) -> "Recipe":
        # 4 epochs on 2,070 sample faces: too few steps for a warm-up and a decay, so a constant rate
        return cls(epochs=4, schedule="plateau", patience=3, lr_patience=2)

    @classmethod
    def default(cls, data: Dataset | None = None, quick: bool | None = None) -> "Recipe":
        """``quick()`` in quick mode (``EMOJIFY_QUICK``, or ``quick``) or when ``data`` is the synthetic sample
        (a full run on the sample teaches nothing more and takes long), else ``full()``."""
        quick = config.quick_mode() if quick is None else quick
        return cls.quick() if quick or (data is not None and data.source == "sample") else cls.full()

    @classmethod
    def named(cls, name: str) -> "Recipe":
        """``"quick"``, ``"full"`` or ``"long"``."""
        if name not in ("quick", "full", "long"):
            raise ValueError(f"unknown recipe {name!r}; choose quick, full or long")
        return getattr(cls, name)()


def steps_per_epoch(n: int, batch_size: int, replicas: int = 1) -> int:
    """Optimizer steps in one epoch over ``n`` images when each of ``replicas`` devices takes ``batch_size`` per
    step: ``ceil(n / (batch_size · replicas))`` (the last, smaller batch is a step too). Defined in lesson 05."""
    return -(-int(n) // (int(batch_size) * int(replicas)))


def learning_rate_schedule(recipe: Recipe, steps_per_epoch: int, epochs: int | None = None,
                           learning_rate: float | None = None):
    """The recipe's learning rate: a warm-up + cosine ``LearningRateSchedule`` (a function of the step) over
    ``epochs`` (default ``recipe.epochs``) of ``steps_per_epoch`` steps, or for the plateau recipe a plain
    number that its callback can lower."""
    peak = learning_rate or recipe.learning_rate
    if recipe.schedule == "plateau":
        return peak
    epochs = recipe.epochs if epochs is None else epochs
    total = max(1, int(steps_per_epoch * epochs))
    warmup = min(total - 1, int(round(steps_per_epoch * recipe.warmup_epochs)))
    return keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0 if warmup else peak, decay_steps=total - warmup,
        warmup_target=peak if warmup else None, warmup_steps=warmup)


def make_optimizer(recipe: Recipe, steps_per_epoch: int, epochs: int | None = None,
                   learning_rate: float | None = None) -> keras.optimizers.Optimizer:
    """Adam with :func:`learning_rate_schedule`."""
    return keras.optimizers.Adam(learning_rate=learning_rate_schedule(recipe, steps_per_epoch, epochs, learning_rate))


def compile_model(model: keras.Model, steps_per_epoch: int, epochs: int, recipe: Recipe | None = None,
                  learning_rate: float | None = None) -> keras.Model:
    """Compile ``model`` for training and return it: Adam on the recipe's learning rate (default
    :meth:`Recipe.full`: a warm-up over the first epoch to 1e-3, then a half cosine to 0 after ``epochs`` epochs
    of ``steps_per_epoch`` steps), the sparse categorical cross-entropy loss (labels are class ids) and accuracy.

    Defined in lesson 05.
    """
    model.compile(optimizer=make_optimizer(recipe or Recipe.full(), steps_per_epoch, epochs, learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def make_callbacks(path: str | Path, backup_dir: str | Path, patience: int = 5) -> list:
    """The callbacks of a real run: ``ModelCheckpoint`` saves the model to ``path`` (a ``.keras`` file) whenever
    the validation accuracy reaches a new best; ``EarlyStopping`` stops after ``patience`` epochs without a better
    validation accuracy and puts back the best epoch's weights; ``BackupAndRestore`` keeps the whole training
    state in ``backup_dir`` after every epoch, so that a killed run resumes there.

    Defined in lesson 05.
    """
    return [keras.callbacks.ModelCheckpoint(str(path), monitor="val_accuracy", mode="max", save_best_only=True),
            keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=patience,
                                          restore_best_weights=True),
            keras.callbacks.BackupAndRestore(str(backup_dir))]


def schedule_callbacks(recipe: Recipe, epochs: int | None = None) -> list:
    """The callbacks that go with the recipe: EarlyStopping (keeps the best epoch's weights; stops early only
    with ``patience``) and, for the plateau schedule, ReduceLROnPlateau."""
    epochs = recipe.epochs if epochs is None else epochs
    found = [keras.callbacks.EarlyStopping(monitor="val_accuracy", mode="max", patience=recipe.patience or epochs,
                                           restore_best_weights=True)]
    found.extend(plateau_callbacks(recipe))
    return found


def plateau_callbacks(recipe: Recipe) -> list:
    """``ReduceLROnPlateau`` for the plateau schedule (the cosine schedule lives in the optimizer: none)."""
    if recipe.schedule != "plateau":
        return []
    return [keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=recipe.lr_factor,
                                              patience=recipe.lr_patience, min_lr=recipe.min_lr)]


def gpu_count() -> int:
    return len(tf.config.list_physical_devices("GPU"))


def default_strategy() -> tf.distribute.Strategy:
    """``MirroredStrategy`` over all GPUs when there are several, else the default (one device) strategy."""
    return tf.distribute.MirroredStrategy() if gpu_count() > 1 else tf.distribute.get_strategy()


def data_and_recipe(source: str = "auto", path: str | Path | None = None, recipe: str | None = None,
                    quick: bool | None = None, verbose: bool = True) -> tuple[Dataset, Recipe]:
    """The data and the recipe of a training run, decided once, for both ways to train (``train()`` here and
    :func:`~emojify_lib.model.distributed.train_multiworker` on a cluster; the CLI's ``train`` uses it for both).

    Quick mode is ``quick`` or ``EMOJIFY_QUICK``. The data is :func:`~emojify_lib.data.fer2013.load_dataset`'s
    choice for ``source`` (``"auto"``, ``"fer2013"``, ``"sample"``) and ``path``; the recipe is the one named
    (``"quick"``, ``"full"``, ``"long"``), else :meth:`Recipe.default` for that data and mode.
    """
    quick = bool(quick) or config.quick_mode()
    data = load_dataset(source=source, path=path, quick=quick, verbose=verbose)
    return data, (Recipe.named(recipe) if recipe else Recipe.default(data, quick=quick))


@dataclass
class RunSettings:
    """A run's settings with the recipe's defaults filled in (see :func:`run_settings`)."""
    recipe: Recipe
    epochs: int
    batch_size: int
    learning_rate: float
    augment: bool
    out: Path


def run_settings(data: Dataset, recipe: Recipe | None = None, epochs: int | None = None,
                 batch_size: int | None = None, learning_rate: float | None = None, augment: bool | None = None,
                 out: str | Path | None = None) -> RunSettings:
    """What ``train()`` and ``train_multiworker()`` share before they build anything: each argument left at
    ``None`` takes the recipe's value (default recipe :meth:`Recipe.default` for ``data``), and ``out``
    (default ``models/emotion_cnn.keras``) must name a ``.keras`` file (:class:`ModelError` otherwise)."""
    recipe = recipe or Recipe.default(data)
    out = Path(out) if out is not None else files.default_model_path()
    if out.suffix != ".keras":
        raise ModelError(f"out={out}: emojify saves models as .keras files; give a name ending in .keras")
    return RunSettings(recipe, recipe.epochs if epochs is None else epochs, batch_size or recipe.batch_size,
                       learning_rate or recipe.learning_rate, recipe.augment if augment is None else augment, out)


def write_run_record(out: Path, data: Dataset, model_name: str, history: dict, seconds: float,
                     resumed_at_epoch: int, **extra) -> Path:
    """The JSON record beside a trained model, as both ways to train write it: the data, the model, the epochs
    (``epochs_run`` counts those of earlier, resumed runs too), the best validation accuracy, the time and the
    training images per second of this run; ``extra`` adds fields (a cluster's workers, for instance)."""
    val_acc = history.get("val_accuracy", [])
    epochs_now = len(history.get("loss", val_acc))
    return files.write_model_info(
        out, data_source=data.source, data_description=data.description, model=model_name,
        epochs_run=resumed_at_epoch + epochs_now, resumed_at_epoch=resumed_at_epoch,
        best_val_accuracy=max(val_acc) if val_acc else None, train_images=int(len(data.train[1])),
        seconds=round(seconds, 1), images_per_second=round(len(data.train[1]) * epochs_now / max(seconds, 1e-9), 1),
        **extra)


def train(model: keras.Model | str | Callable[[], keras.Model], data: Dataset, epochs: int | None = None, *,
          batch_size: int | None = None, learning_rate: float | None = None, augment: bool | None = None,
          out: str | Path | None = None, recipe: Recipe | None = None, strategy: tf.distribute.Strategy | None = None,
          mixed_precision: bool | None = None, resume: bool = True, verbose: int | str = "auto",
          callbacks: list | None = None, class_weight: dict | None = None,
          seed: int = 0) -> keras.callbacks.History:
    """Compile ``model`` with Adam and fit it on ``data.train``, validating on ``data.val``.

    ``model`` is a Keras model, or a model name (``"classic"``/``"strong"``) or builder function: pass one of the
    latter to train on several GPUs, because a model must be built inside its distribution ``strategy``
    (default: :func:`default_strategy`). ``mixed_precision`` (default: on when a GPU is present) computes in
    float16 and keeps float32 weights. Other arguments default to ``recipe`` (default :meth:`Recipe.default`:
    the quick recipe on the sample or in quick mode, the full one on FER2013).

    The best model is saved to ``out`` (default ``models/emotion_cnn.keras``) with a JSON record beside it;
    training state is backed up to ``models/backup/<name>/`` each epoch and restored when ``resume`` is true.
    ``class_weight`` (e.g. :func:`~emojify_lib.data.pipeline.class_weights` of the training labels) weighs each
    face's loss by its class, as lesson 05 does; the default, ``None``, is the recipe measured in
    ``benchmarks/results.md``. This is the call ``python -m emojify_lib train`` makes; lesson 05 writes the same
    steps (:func:`compile_model`, :func:`make_callbacks`, ``model.fit``) in cells.
    Returns the Keras ``History`` (``history.history`` maps metric names to per-epoch lists).
    """
    from . import networks

    settings = run_settings(data, recipe, epochs, batch_size, learning_rate, augment, out)
    recipe, epochs, batch_size, learning_rate, augment, out = (
        settings.recipe, settings.epochs, settings.batch_size, settings.learning_rate, settings.augment, settings.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    strategy = strategy or default_strategy()
    if mixed_precision is None:
        mixed_precision = gpu_count() > 0
    keras.utils.set_random_seed(seed)

    previous_policy = keras.mixed_precision.global_policy()
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        with strategy.scope():
            if isinstance(model, str):
                model = networks.build_model(model)
            elif not isinstance(model, keras.Model):
                model = model()
            elif strategy.num_replicas_in_sync > 1:
                raise ModelError("to train on several GPUs pass a model name or builder function, not a built "
                                 "model: its variables must be created inside the strategy's scope")
            steps = steps_per_epoch(len(data.train[1]), batch_size, strategy.num_replicas_in_sync)
            compile_model(model, steps, epochs, recipe, learning_rate)
    finally:
        keras.mixed_precision.set_global_policy(previous_policy)

    global_batch = batch_size * strategy.num_replicas_in_sync
    train_ds = make_tf_dataset(*data.train, batch_size=global_batch, shuffle=True, augment=augment, seed=seed)
    val_ds = make_tf_dataset(*data.val, batch_size=global_batch)

    backup_dir = out.parent / "backup" / out.stem
    if not resume and backup_dir.exists():
        shutil.rmtree(backup_dir)
    all_callbacks = [*make_callbacks(out, backup_dir, patience=recipe.patience or epochs),
                     *plateau_callbacks(recipe), *(callbacks or [])]
    started = time.perf_counter()
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=all_callbacks,
                        class_weight=class_weight, shuffle=False, verbose=verbose)  # the dataset shuffles itself
    seconds = time.perf_counter() - started
    model.save(out)  # best weights (EarlyStopping restored them) in the final file
    # history.epoch lists the epochs this call ran; after a resume it starts where the backup left off
    write_run_record(out, data, model.name, history.history, seconds,
                     resumed_at_epoch=history.epoch[0] if history.epoch else 0)
    history.model_path = out
    return history


def plot_history(history, axes=None, title: str | None = None):
    """Plot loss and accuracy per epoch for training and validation; returns the matplotlib figure.

    ``history`` is a Keras ``History`` or its ``.history`` dict.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    logs = getattr(history, "history", history)
    if not logs or "loss" not in logs:
        raise ValueError("plot_history needs a Keras History (or its .history dict) with at least 'loss'")
    if axes is None:
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    else:
        fig = axes[0].figure
    epochs = range(1, len(logs["loss"]) + 1)
    for ax, metric, label in ((axes[0], "loss", "loss (cross-entropy)"), (axes[1], "accuracy", "accuracy")):
        if metric not in logs:
            continue
        ax.plot(epochs, logs[metric], "o-", label="training")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "s-", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(label)
        if metric == "accuracy":
            ax.axhline(1 / NUM_CLASSES, color="gray", ls="--", lw=1, label=f"chance (1/{NUM_CLASSES})")
            ax.set_ylim(0, 1.02)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def ensure_trained_model(path: str | Path | None = None, data: Dataset | None = None, model: str = "classic",
                         epochs: int | None = None):
    """The trained model at ``path`` (default ``models/emotion_cnn.keras``); if there is none yet, train one
    first (on ``data``, default :func:`~emojify_lib.data.fer2013.load_dataset`) so a lesson can run on its own.
    Returns the loaded Keras model."""
    from . import networks

    path = Path(path) if path is not None else files.default_model_path()
    if not path.is_file():
        print(f"No trained model at {path}; training one now (lesson 05 explains this step).")
        train(model, data or load_dataset(), epochs=epochs, out=path, verbose=0)
    return networks.load_model(path)
