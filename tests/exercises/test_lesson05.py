"""Lesson 05: the graders accept right answers, name each typical mistake, treat the stub as open, and fall back
to the library's version (the one ``training.train`` uses) so the lesson goes on."""
import math
from pathlib import Path

import keras
import numpy as np
import pytest

from emojify_lib.exercises import ExerciseOpen
from emojify_lib.exercises import lesson05 as ex
from emojify_lib.model import training
from conftest import fails


@pytest.fixture(autouse=True)
def not_strict(monkeypatch):
    monkeypatch.delenv("EMOJIFY_STRICT_EXERCISES", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)


def stub(*args):
    # YOUR CODE HERE
    raise NotImplementedError()


def test_stubs_are_open_and_fall_back_to_the_references(capsys):
    for check, reference in ((ex.check_cross_entropy, None), (ex.check_steps_per_epoch, training.steps_per_epoch),
                             (ex.check_compile_model, ex._compile_model),
                             (ex.check_make_callbacks, training.make_callbacks)):
        with pytest.raises(ExerciseOpen):
            check.check(stub)
        got = check(stub)
        assert got is not None and got is not stub
        if reference is not None:
            assert got is reference
    assert capsys.readouterr().out.count("⬜ Not answered yet") == 4


# --- exercise 1: cross-entropy -------------------------------------------------------------------------------

def right_ce(p, y):
    return -np.mean(np.log(p[np.arange(len(y)), y]))


def test_cross_entropy(capsys):
    assert ex.check_cross_entropy(right_ce) is right_ce
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_cross_entropy, lambda p, y: -right_ce(p, y), match="sign")
    fails(ex.check_cross_entropy, lambda p, y: -np.sum(np.log(p[np.arange(len(y)), y])), match="mean over faces")
    fails(ex.check_cross_entropy, lambda p, y: -np.mean(np.log10(p[np.arange(len(y)), y])), match="log10")
    fails(ex.check_cross_entropy, lambda p, y: -np.mean(np.log(p)), match="true class")
    fails(ex.check_cross_entropy, lambda p, y: -np.log(p[np.arange(len(y)), y]), match="one number")
    fails(ex.check_cross_entropy, lambda p, y: 1 - np.mean(p[np.arange(len(y)), y]), match="expected")
    reference = ex.check_cross_entropy(lambda p, y: 0.0)          # wrong → the lesson's reference version
    probs = np.array([[0.5, 0.5], [0.25, 0.75]])
    assert reference(probs, np.array([0, 1])) == pytest.approx(right_ce(probs, np.array([0, 1])))


# --- exercise 2: steps per epoch -----------------------------------------------------------------------------

def test_steps_per_epoch(capsys):
    ex.check_steps_per_epoch(lambda n, b, r=1: math.ceil(n / (b * r)))
    assert "✅ Correct" in capsys.readouterr().out
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: n // (b * r), match="round UP")
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: math.ceil(n / b), match="PER replica")
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: n / (b * r), match="whole number|round UP")
    fails(ex.check_steps_per_epoch, lambda n, b, r=1: 449, match="expected")
    assert training.steps_per_epoch(28_709, 64) == 449 and training.steps_per_epoch(28_709, 64, 4) == 113


# --- exercise 3: compile -------------------------------------------------------------------------------------

def schedule(spe, epochs, peak=1e-3, warmup=None, decay=None, start=0.0):
    warmup = spe if warmup is None else warmup
    decay = epochs * spe - warmup if decay is None else decay
    return keras.optimizers.schedules.CosineDecay(start, decay_steps=decay, warmup_target=peak, warmup_steps=warmup)


def compiler(optimizer=None, loss="sparse_categorical_crossentropy", metrics=("accuracy",), **sched):
    def compile_model(model, spe, epochs, learning_rate=None):
        rate = schedule(spe, epochs, **sched) if learning_rate is None else learning_rate
        opt = optimizer(spe, epochs) if optimizer else keras.optimizers.Adam(learning_rate=rate)
        model.compile(optimizer=opt, loss=loss, metrics=list(metrics))
    return compile_model


def test_compile_model_right(capsys):
    right = compiler()
    assert ex.check_compile_model(right) is right
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_compile_model.check(compiler(loss=keras.losses.SparseCategoricalCrossentropy(),
                                          metrics=[keras.metrics.SparseCategoricalAccuracy()]))
    ex.check_compile_model.check(ex._compile_model)             # the reference a skipped exercise falls back on


def test_compile_model_mistakes():
    fails(ex.check_compile_model, lambda m, spe, ep: None, match="did not compile")
    fails(ex.check_compile_model, compiler(optimizer=lambda spe, ep: keras.optimizers.Adam(lr=1e-3)),
          match="removed the old `lr=`")
    fails(ex.check_compile_model, compiler(optimizer=lambda spe, ep: keras.optimizers.SGD(schedule(spe, ep))),
          match="expected Adam")
    fails(ex.check_compile_model, compiler(optimizer=lambda spe, ep: "adam"), match="constant learning rate")
    fails(ex.check_compile_model, compiler(warmup=0, start=1e-3), match="no warm-up")
    fails(ex.check_compile_model, compiler(peak=1e-2), match="peak learning rate is 1e-3")
    fails(ex.check_compile_model, lambda m, spe, ep: compiler(warmup=2 * spe)(m, spe, ep), match="one epoch")
    fails(ex.check_compile_model, lambda m, spe, ep: compiler(decay=ep * spe)(m, spe, ep), match="LAST step")
    fails(ex.check_compile_model, compiler(loss="categorical_crossentropy"), match="one-hot")
    fails(ex.check_compile_model, compiler(loss="binary_crossentropy"), match="7 exclusive classes")
    fails(ex.check_compile_model, compiler(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)),
          match="from_logits")
    fails(ex.check_compile_model, compiler(metrics=()), match="expected accuracy")
    fails(ex.check_compile_model, compiler(metrics=("categorical_accuracy",)), match="one-hot")
    right = compiler()
    fails(ex.check_compile_model, lambda m, spe, ep: right(m, spe, ep), match="no learning_rate argument")
    fails(ex.check_compile_model, lambda m, spe, ep, lr=None: right(m, spe, ep), match="still gave Adam a schedule")
    fails(ex.check_compile_model, lambda m, spe, ep, lr=None: right(m, spe, ep, None if lr is None else 1e-3),
          match="the learning rate 0.001; expected the constant 5e-4")
    fails(ex.check_compile_model, lambda m, spe, ep, lr=None: None if lr else right(m, spe, ep), match="did not compile")


# --- exercise 4: callbacks -----------------------------------------------------------------------------------

def callbacks(monitor="val_accuracy", mode="max", best_only=True, weights_only=False, restore=True, suffix=".keras",
              es_monitor=None, drop=None, extra=()):
    def make_callbacks(path, backup_dir, patience):
        path = Path(path).with_suffix(".weights.h5" if weights_only else suffix)
        found = [keras.callbacks.ModelCheckpoint(str(path), monitor=monitor, mode=mode, save_best_only=best_only,
                                                 save_weights_only=weights_only),
                 keras.callbacks.EarlyStopping(monitor=es_monitor or monitor, mode=mode, patience=patience,
                                               restore_best_weights=restore),
                 keras.callbacks.BackupAndRestore(str(backup_dir)), *extra]
        return [c for c in found if type(c).__name__ != drop]
    return make_callbacks


def test_make_callbacks_right(capsys):
    right = callbacks()
    assert ex.check_make_callbacks(right) is right
    assert "✅ Correct" in capsys.readouterr().out
    ex.check_make_callbacks.check(callbacks(mode="auto"))
    ex.check_make_callbacks.check(training.make_callbacks)


def test_make_callbacks_mistakes():
    fails(ex.check_make_callbacks, callbacks(monitor="accuracy"), match="TRAINING accuracy")
    fails(ex.check_make_callbacks, callbacks(es_monitor="val_acc"), match="Keras 3 logs it as 'val_accuracy'")
    fails(ex.check_make_callbacks, callbacks(monitor="val_loss", mode="min"), match="validation ACCURACY")
    fails(ex.check_make_callbacks, callbacks(mode="min"), match="mode='max'")
    fails(ex.check_make_callbacks, callbacks(suffix=".h5"), match="legacy")
    fails(ex.check_make_callbacks, callbacks(best_only=False), match="save_best_only=True")
    fails(ex.check_make_callbacks, callbacks(weights_only=True), match="weights only")
    fails(ex.check_make_callbacks, callbacks(restore=False), match="restore_best_weights=True")
    fails(ex.check_make_callbacks, callbacks(drop="BackupAndRestore"), match="0 BackupAndRestore")
    fails(ex.check_make_callbacks, callbacks(extra=[keras.callbacks.TerminateOnNaN()]), match="TerminateOnNaN")
    fails(ex.check_make_callbacks, lambda p, b, n: callbacks()(p, b, 5), match="patience=5, expected 3")
    fails(ex.check_make_callbacks, lambda p, b, n: callbacks()(p, p, n), match="BackupAndRestore keeps its state")
    fails(ex.check_make_callbacks, lambda p, b, n: tuple(callbacks()(p, b, n))[0], match="expected a list")


def test_steps_per_epoch_refuses_a_whole_float_as_lesson_02_does():
    """One rule where the text says "an int": 449.0 is refused like 3.5 (lesson 02), with a hint that fits."""
    msg = fails(ex.check_steps_per_epoch, lambda n, b, r=1: float(math.ceil(n / (b * r))), match="449.0, a whole number")
    assert "np.ceil gives a float" in msg
    from emojify_lib.exercises import lesson02
    fails(lesson02.check_output_size, lambda n, k, p, s: float((n + 2 * p - k) // s + 1), match="as a float")


def test_metrics_as_a_bare_string_is_named():
    def bare(model, spe, epochs, learning_rate=None):
        rate = schedule(spe, epochs) if learning_rate is None else learning_rate
        model.compile(optimizer=keras.optimizers.Adam(rate), loss="sparse_categorical_crossentropy", metrics="accuracy")
    fails(ex.check_compile_model, bare, match="metrics=\\['accuracy'\\], not metrics='accuracy'")


# --- exercise 5: fit -----------------------------------------------------------------------------------------

def test_fit_model_mistakes():
    def fit(**drop):
        def fit_model(m, t, v, e, cw, cb, verbose=0):
            kwargs = dict(validation_data=v, epochs=e, class_weight=cw, callbacks=cb, verbose=verbose)
            for key in drop:
                kwargs.pop(key)
            return m.fit(t, **kwargs)
        return fit_model
    fails(ex.check_fit_model, fit(class_weight=1), match="unweighted")
    fails(ex.check_fit_model, fit(validation_data=1), match="no validation numbers")
    fails(ex.check_fit_model, fit(callbacks=1), match="callbacks it was given")
    fails(ex.check_fit_model, fit(epochs=1), match="trained for 1 epoch")
    fails(ex.check_fit_model, lambda m, t, v, e, cw, cb, verbose=0: m.fit(t, v, epochs=e, class_weight=cw,
                                                                            callbacks=cb), match="validation_data=val_ds")
    fails(ex.check_fit_model, lambda m, t, v, e, cw, cb, verbose=0: None if m.fit(
        t, validation_data=v, epochs=e, class_weight=cw, callbacks=cb, verbose=0) else None, match="History")
