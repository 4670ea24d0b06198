"""Graders for lesson 05's exercises (see :mod:`emojify_lib.exercises` for how grading works)."""
from __future__ import annotations

import inspect
import math
from pathlib import Path

import numpy as np

from . import _grading
from ._grading import ExerciseFailed, ExerciseOpen, _expect_int, _short, call, expect_close, fail, grader, passed
from ..model import training

__all__ = ["score", "check_cross_entropy", "check_steps_per_epoch", "check_compile_model", "check_make_callbacks",
           "check_fit_model"]

LESSON = "05"


def score() -> None:
    """Print this lesson's score line ("N of M exercises passed")."""
    _grading.score(LESSON)


def _cross_entropy(probs, labels):
    """The lesson's reference: mean ``-log p[i, y_i]``."""
    probs, labels = np.asarray(probs), np.asarray(labels)
    return float(-np.mean(np.log(probs[np.arange(len(labels)), labels])))


@grader(LESSON, "cross_entropy", reference=_cross_entropy)
def check_cross_entropy(fn) -> None:
    """Lesson 05, exercise 1: ``fn(probs, labels)`` returns the mean cross-entropy ``-mean(log p[i, y_i])`` of
    predicted probabilities ``probs`` ``(N, k)`` for integer ``labels`` ``(N,)`` (one number, natural log)."""
    rng = np.random.default_rng(5)
    raw = rng.random((6, 7)) + 0.05
    cases = [(np.array([[0.7, 0.2, 0.1]]), np.array([0])),
             (np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]]), np.array([1, 2])),
             (np.full((3, 7), 1 / 7), np.array([0, 3, 6])),
             (raw / raw.sum(axis=1, keepdims=True), rng.integers(0, 7, 6))]
    for probs, labels in cases:
        got = call(fn, probs.copy(), labels.copy(), name="cross_entropy")
        picked = probs[np.arange(len(labels)), labels]
        want = -np.mean(np.log(picked))
        what = f"cross_entropy({_short(probs)}, {_short(labels)})"
        if np.ndim(got) != 0:
            fail(f"{what} returned {_short(got)} with shape {np.shape(got)}; expected one number (the mean)",
                 "average the per-face losses with np.mean.")
        hint = "pick each face's probability of its TRUE class, probs[np.arange(N), labels], take -log, average."
        g = float(got)
        if abs(g + want) < 1e-9 and want != 0:
            hint = "the sign: log of a probability is negative, so the loss is MINUS the mean log."
        elif abs(g - (-np.sum(np.log(picked)))) < 1e-9 and len(labels) > 1:
            hint = "take the mean over faces, not the sum."
        elif abs(g - (-np.mean(np.log10(picked)))) < 1e-9:
            hint = "use the natural log (np.log), as Keras does, not log10."
        elif abs(g - (-np.mean(np.log(probs)))) < 1e-9:
            hint = "only the true class's probability counts: index it with probs[np.arange(N), labels]."
        expect_close(g, want, what, hint, atol=1e-6)
    passed("−mean log p(true class): 1.946 = ln 7 for a model that guesses uniformly over 7 classes.")


@grader(LESSON, "steps_per_epoch", reference=training.steps_per_epoch)
def check_steps_per_epoch(fn) -> None:
    """Lesson 05, exercise 2: ``fn(n, batch_size, replicas=1)`` returns the optimizer steps in one epoch over ``n``
    images when each of ``replicas`` devices takes ``batch_size`` of them per step (the last batch may be short):
    ``ceil(n / (batch_size · replicas))``."""
    cases = [(28709, 64, 1), (2070, 64, 1), (640, 64, 1), (1, 64, 1), (28709, 64, 4), (1000, 32, 2), (300, 64, 8)]
    for n, b, rep in cases:
        got = call(fn, n, b, rep, name="steps_per_epoch")
        want = math.ceil(n / (b * rep))
        what = f"steps_per_epoch(n={n}, batch_size={b}, replicas={rep})"
        _expect_int(got, what, hint="a step count is a whole number: round UP with math.ceil (an int), or -(-n // "
                                    "global_batch); np.ceil gives a float, so wrap it in int(...).")
        if got == want:
            continue
        hint = "the global batch is batch_size × replicas; count how many of those cover n images."
        if got == n // (b * rep):
            hint = "round UP: the last, smaller batch is still a step (math.ceil, or -(-n // global_batch))."
        elif got == math.ceil(n / b) and rep > 1:
            hint = "with several replicas each step consumes batch_size images PER replica: divide by batch_size × replicas."
        elif got == n / (b * rep):
            hint = "a step count is a whole number: round up with math.ceil."
        fail(f"{what} returned {got}, expected {want}", hint)
    passed("⌈n / (batch · replicas)⌉: FER2013's 28,709 training faces take 449 steps at batch 64 on one device.")


def _tiny_model():
    import keras

    return keras.Sequential([keras.Input((48, 48, 1)), keras.layers.Flatten(),
                             keras.layers.Dense(7, activation="softmax")], name="tiny")


def _name_of(obj) -> str:
    """A loss's or metric's name, whether given as a string, a function, a Keras object or its config dict."""
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return str(obj.get("config", {}).get("name") or obj.get("class_name", ""))
    return str(getattr(obj, "name", None) or getattr(obj, "__name__", "") or type(obj).__name__)


def _check_loss(loss) -> None:
    name = _name_of(loss).lower()
    if "sparse_categorical_crossentropy" not in name:
        hint = "the loss is loss='sparse_categorical_crossentropy'."
        if "categorical_crossentropy" in name:
            hint = ("'categorical_crossentropy' expects one-hot label vectors; our labels are class ids 0–6, which is "
                    "what the SPARSE version takes.")
        elif "binary" in name:
            hint = "binary cross-entropy is for two classes (or independent yes/no labels); we have 7 exclusive classes."
        fail(f"the model was compiled with loss {name or loss!r}", hint)
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    if config.get("from_logits"):
        fail("the loss was given from_logits=True",
             "the classic CNN ends in a softmax, so it outputs probabilities, not logits: leave from_logits False.")


def _check_metrics(metrics) -> None:
    names = [_name_of(m).lower() for m in (metrics or [])]
    if not any(n in ("accuracy", "acc", "sparse_categorical_accuracy") for n in names):
        hint = "pass metrics=['accuracy'] so that fit reports accuracy and val_accuracy."
        if any("categorical_accuracy" in n for n in names):
            hint = ("'categorical_accuracy' compares with one-hot labels; with class ids use 'accuracy' "
                    "(Keras picks the sparse version) or 'sparse_categorical_accuracy'.")
        fail(f"the model's metrics are {names or 'none'}; expected accuracy", hint)


def _compile_model(model, steps_per_epoch, epochs, learning_rate=None):
    """The lesson's reference: the full recipe's warm-up + cosine, or a constant ``learning_rate`` (a plateau
    recipe starts at a constant rate)."""
    recipe = (training.Recipe.full() if learning_rate is None
              else training.Recipe(schedule="plateau", learning_rate=learning_rate))
    training.compile_model(model, steps_per_epoch, epochs, recipe)


@grader(LESSON, "compile_model", reference=_compile_model)
def check_compile_model(fn) -> None:
    """Lesson 05, exercise 3: ``fn(model, steps_per_epoch, epochs, learning_rate=None)`` compiles ``model`` with Adam
    on a learning rate that warms up linearly from 0 to 1e-3 over the first epoch, then falls along a half cosine to
    0 at the last step (or, given a number ``learning_rate``, that constant rate); the sparse categorical
    cross-entropy loss; and accuracy as a metric."""
    import keras

    for spe, epochs in ((10, 4), (7, 3)):
        model = _tiny_model()
        what = f"compile_model(model, steps_per_epoch={spe}, epochs={epochs})"
        try:
            call(fn, model, spe, epochs, name="compile_model")
        except ExerciseOpen:
            raise
        except ExerciseFailed as exc:
            if "'lr'" in str(exc) or "lr=" in str(exc):
                fail(f"{what}: {str(exc)[2:].splitlines()[0]}",
                     "Keras 3 removed the old `lr=` argument: write Adam(learning_rate=...).")
            if "`metrics` argument to be a list" in str(exc):
                fail(f"{what}: {str(exc)[2:].splitlines()[0]}",
                     "metrics takes a list, even of one metric: metrics=['accuracy'], not metrics='accuracy'.")
            raise
        if not getattr(model, "compiled", False) or model.optimizer is None:
            fail(f"{what} did not compile the model it was given",
                 "call model.compile(optimizer=..., loss=..., metrics=...) on the model argument (nothing to return).")
        optimizer = model.optimizer
        if not isinstance(optimizer, keras.optimizers.Adam):
            fail(f"{what} compiled with {type(optimizer).__name__}, expected Adam",
                 "use keras.optimizers.Adam(learning_rate=...): the lesson's optimizer.")
        rate = optimizer._learning_rate
        if not isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
            fail(f"{what} gave Adam a constant learning rate ({float(np.asarray(rate)):.3g})",
                 "pass the warm-up + cosine schedule itself as learning_rate= (a LearningRateSchedule, a function "
                 "of the step), e.g. warmup_cosine(steps_per_epoch, epochs); optimizer='adam' means a constant 1e-3.")
        total = spe * epochs
        steps = np.arange(total + 1)
        got = np.array([float(rate(int(s))) for s in steps])
        want = np.array([float(v) for v in (training.learning_rate_schedule(training.Recipe.full(), spe, epochs)(s)
                                             for s in steps)])
        hint = ("build it with keras.optimizers.schedules.CosineDecay(initial_learning_rate=0.0, warmup_target=1e-3, "
                "warmup_steps=..., decay_steps=...).")
        if got[0] > 0.5 * 1e-3:
            hint = ("no warm-up: the rate must START at 0 and climb to 1e-3 over the first epoch "
                    "(initial_learning_rate=0.0, warmup_target=1e-3, warmup_steps=steps_per_epoch).")
        elif abs(got.max() - 1e-3) > 1e-6:
            hint = "the peak learning rate is 1e-3 (warmup_target=1e-3)."
        elif int(np.argmax(got)) != spe:
            hint = (f"the rate peaks at step {int(np.argmax(got))}, but the warm-up lasts exactly one epoch: "
                    f"warmup_steps=steps_per_epoch ({spe} here).")
        elif got[-1] > 1e-6:
            hint = ("the rate must reach 0 at the LAST step: CosineDecay's decay_steps count the steps AFTER the "
                    "warm-up, so decay_steps = epochs × steps_per_epoch − warm-up steps.")
        expect_close(got, want, f"{what}: its learning rate over steps 0–{total}", hint, atol=1e-7)
        _check_loss(model.loss)
        _check_metrics(model.get_compile_config().get("metrics"))
    model = _tiny_model()
    what = "compile_model(model, steps_per_epoch=10, epochs=2, learning_rate=5e-4)"
    try:
        inspect.signature(fn).bind(model, 10, 2, 5e-4)
    except TypeError:
        fail("compile_model takes no learning_rate argument",
             "define it as def compile_model(model, steps_per_epoch, epochs, learning_rate=None).")
    except ValueError:  # no signature to read (a builtin): let the call itself tell
        pass
    call(fn, model, 10, 2, 5e-4, name="compile_model")
    if not getattr(model, "compiled", False) or model.optimizer is None:
        fail(f"{what} did not compile the model it was given", "call model.compile(...) whatever learning_rate is.")
    rate = model.optimizer._learning_rate
    if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
        fail(f"{what} still gave Adam a schedule; expected the constant rate 5e-4",
             "when learning_rate is a number, pass that number itself as Adam's learning_rate= (no schedule).")
    got = float(np.asarray(rate))
    if abs(got - 5e-4) > 1e-9:
        fail(f"{what} gave Adam the learning rate {got:.3g}; expected the constant 5e-4",
             "pass the learning_rate argument on to Adam(learning_rate=...).")
    passed("Adam on warm-up + cosine (0 → 1e-3 in one epoch → 0) or on the constant rate given, sparse categorical "
           "cross-entropy, accuracy.")


@grader(LESSON, "make_callbacks", reference=training.make_callbacks)
def check_make_callbacks(fn) -> None:
    """Lesson 05, exercise 4: ``fn(path, backup_dir, patience)`` returns the list ``[ModelCheckpoint,
    EarlyStopping, BackupAndRestore]``: the best model by validation accuracy saved to ``path``; stop after
    ``patience`` epochs without a better validation accuracy and put back the best weights; the whole training
    state backed up in ``backup_dir`` after every epoch."""
    import keras

    path, backup_dir, patience = Path("lesson05_check", "best.keras"), Path("lesson05_check", "backup"), 3
    what = f"make_callbacks({str(path)!r}, {str(backup_dir)!r}, patience={patience})"
    found = call(fn, path, backup_dir, patience, name="make_callbacks")
    if not isinstance(found, (list, tuple)):
        fail(f"{what} returned {_short(found)} ({type(found).__name__}); expected a list of callbacks",
             "return [checkpoint, early_stopping, backup], the list that goes to fit(callbacks=...).")
    for kind in (keras.callbacks.ModelCheckpoint, keras.callbacks.EarlyStopping, keras.callbacks.BackupAndRestore):
        mine = [c for c in found if isinstance(c, kind)]
        if len(mine) != 1:
            fail(f"{what} returned {len(mine)} {kind.__name__} callback(s); expected exactly one",
                 f"add keras.callbacks.{kind.__name__}(...) to the list." if not mine else "keep one of each.")
    others = [type(c).__name__ for c in found if not isinstance(c, (keras.callbacks.ModelCheckpoint,
              keras.callbacks.EarlyStopping, keras.callbacks.BackupAndRestore))]
    if others:
        fail(f"{what} also returned {others}", "return exactly the three callbacks the exercise asks for.")
    checkpoint, stopping, backup = (next(c for c in found if isinstance(c, kind)) for kind in (
        keras.callbacks.ModelCheckpoint, keras.callbacks.EarlyStopping, keras.callbacks.BackupAndRestore))
    for name, cb in (("ModelCheckpoint", checkpoint), ("EarlyStopping", stopping)):
        if cb.monitor != "val_accuracy":
            hint = "monitor='val_accuracy': the accuracy on faces the network does not train on."
            if cb.monitor in ("accuracy", "acc"):
                hint = ("'accuracy' is the TRAINING accuracy (measured on the faces it learns from, with dropout on): "
                        "it keeps rising while the network memorises. Watch monitor='val_accuracy'.")
            elif cb.monitor == "val_acc":
                hint = "Keras 3 logs it as 'val_accuracy' (not 'val_acc' as in Keras 1): monitor='val_accuracy'."
            elif cb.monitor == "val_loss":
                hint = "the exercise keeps the best validation ACCURACY, the number we report: monitor='val_accuracy'."
            fail(f"{what}: {name} watches {cb.monitor!r}", hint)
        if cb.mode == "min":
            fail(f"{what}: {name} has mode='min', so it would keep the epoch with the LOWEST accuracy",
                 "accuracy should go up: mode='max' (or leave mode='auto', which picks max for accuracy).")
    if checkpoint.save_weights_only:
        fail(f"{what}: ModelCheckpoint saves the weights only",
             "save the whole model (architecture and weights, save_weights_only=False) so load_model can open it.")
    if str(checkpoint.filepath).endswith(".h5"):
        fail(f"{what}: ModelCheckpoint writes {checkpoint.filepath!r}, an .h5 file",
             "Keras 3's own format is .keras (.h5 is the legacy format, which loads only partly): save to the "
             ".keras path you are given.")
    if Path(checkpoint.filepath) != path:
        fail(f"{what}: ModelCheckpoint writes {checkpoint.filepath!r}, expected {str(path)!r}",
             "pass the path argument as the checkpoint's filepath.")
    if not checkpoint.save_best_only:
        fail(f"{what}: ModelCheckpoint saves after every epoch, so the LAST epoch survives, not the best",
             "save_best_only=True.")
    if not stopping.restore_best_weights:
        fail(f"{what}: EarlyStopping keeps the LAST epoch's weights",
             "restore_best_weights=True puts back the best epoch's weights when training ends.")
    if stopping.patience != patience:
        fail(f"{what}: EarlyStopping has patience={stopping.patience}, expected {patience}",
             "pass the patience argument: EarlyStopping(..., patience=patience).")
    if Path(backup.backup_dir) != backup_dir:
        fail(f"{what}: BackupAndRestore keeps its state in {backup.backup_dir!r}, expected {str(backup_dir)!r}",
             "pass the backup_dir argument (a folder, not the model file).")
    passed("checkpoint and early stopping on val_accuracy (max), best weights restored, a backup every epoch.")


def _fit_model(model, train_ds, val_ds, epochs, class_weight, callbacks, verbose=0):
    """The lesson's reference: ``model.fit`` on the batched ``train_ds``, validated on ``val_ds`` after every epoch,
    with the class weights and the callbacks (the datasets shuffle themselves)."""
    return model.fit(train_ds, validation_data=val_ds, epochs=epochs, class_weight=class_weight,
                     callbacks=callbacks, shuffle=False, verbose=verbose)


class _EpochCounter:
    """A callback the grader slips into the learner's ``callbacks`` list: it counts the epochs it was told about."""

    def __new__(cls):
        import keras

        class Counter(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.epochs = 0

            def on_epoch_end(self, epoch, logs=None):
                self.epochs += 1

        return Counter()


def _fit_case():
    """A tiny model, its starting weights and 48 faces of two classes in batches (no shuffling: a run is exactly
    repeatable), with class weights far apart so that a fit without them is told apart by its loss."""
    from ..data.pipeline import make_tf_dataset

    rng = np.random.default_rng(3)
    x = rng.integers(0, 256, (48, 48, 48)).astype(np.uint8)
    y = np.where(rng.random(48) < 0.75, 3, 1)
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((48, 48, 1)), keras.layers.Rescaling(1 / 255),
                              keras.layers.AveragePooling2D(8), keras.layers.Flatten(),
                              keras.layers.Dense(7, activation="softmax")], name="tiny_fit")
    return (model, model.get_weights(), make_tf_dataset(x[:32], y[:32], batch_size=16),
            make_tf_dataset(x[32:], y[32:], batch_size=16), {c: (4.0 if c == 1 else 0.5) for c in range(7)})


@grader(LESSON, "fit_model", reference=_fit_model)
def check_fit_model(fn) -> None:
    """Lesson 05, exercise 5: ``fn(model, train_ds, val_ds, epochs, class_weight, callbacks, verbose=0)`` trains
    ``model`` with ``fit`` for ``epochs`` epochs on ``train_ds``, validating on ``val_ds`` after every epoch,
    weighting each face's loss by ``class_weight``, with ``callbacks``; it returns the ``History`` that ``fit``
    returns. Graded on a tiny model and 48 faces: the epochs run, the validation numbers, the callbacks called,
    and the training loss of a weighted run started from the same weights."""
    import keras

    model, start, train_ds, val_ds, weights = _fit_case()
    epochs = 2
    what = "fit_model(model, train_ds, val_ds, epochs=2, class_weight=..., callbacks=[...])"
    counter = _EpochCounter()

    def fresh(class_weight=None):
        model.set_weights(start)
        _compile_model(model, 2, epochs, learning_rate=1e-2)
        keras.utils.set_random_seed(0)

    fresh()
    try:
        history = call(fn, model, train_ds, val_ds, epochs, dict(weights), [counter], 0, name="fit_model")
    except ExerciseOpen:
        raise
    except ExerciseFailed as exc:
        text = str(exc)
        if "`y` argument is not supported" in text or "y` should not be passed" in text or "argument `y`" in text:
            fail(f"{what}: {text[2:].splitlines()[0]}",
                 "fit's second positional argument is y, the labels, which a dataset already holds: pass the "
                 "validation set by name, validation_data=val_ds.")
        raise
    if not isinstance(history, keras.callbacks.History):
        fail(f"{what} returned {_short(history)} ({type(history).__name__}); expected the History that fit returns",
             "return model.fit(...): its History holds the loss and accuracy of every epoch, for the curves.")
    logs = history.history
    if len(history.epoch) != epochs:
        fail(f"{what} trained for {len(history.epoch)} epoch(s), expected {epochs}",
             "pass the epochs argument on: fit(..., epochs=epochs).")
    if "val_loss" not in logs or "val_accuracy" not in logs:
        fail(f"{what} logged {sorted(logs)}: no validation numbers",
             "pass validation_data=val_ds, so that fit measures val_loss and val_accuracy after every epoch (the "
             "callbacks watch val_accuracy).")
    if counter.epochs != epochs:
        fail(f"{what}: the callbacks it was given heard of {counter.epochs} epoch(s), expected {epochs}",
             "pass the callbacks argument on: fit(..., callbacks=callbacks), or the checkpoint and backup never run.")

    def losses(class_weight):  # the same run by the lesson's reference, from the same weights and seed
        fresh()
        return model.fit(train_ds, validation_data=val_ds, epochs=epochs, class_weight=class_weight,
                         shuffle=False, verbose=0).history["loss"]

    got, want = logs["loss"], losses(dict(weights))
    if not np.allclose(got, want, rtol=1e-3, atol=1e-4):
        hint = "pass the class weights on: fit(..., class_weight=class_weight)."
        if np.allclose(got, losses(None), rtol=1e-3, atol=1e-4):
            hint = ("the loss is the unweighted one: pass class_weight=class_weight, so that a rare class counts as "
                    "much as a common one.")
        fail(f"{what}: training losses {np.round(got, 4).tolist()}, expected {np.round(want, 4).tolist()} for a "
             "class-weighted run from the same weights", hint)
    passed("fit(train, validation_data=val, epochs, class_weight, callbacks) → the History of every epoch.")
