"""How every exercise is graded: the shared checking helpers, the grader wrapper and the score line.

A lesson's exercise is a function the learner completes in a cell (the student edition holds a stub that raises
``NotImplementedError``). The next cell hands it to the lesson's grader, e.g.
``perceptron_update = ex.check_perceptron_update(perceptron_update)``. The grader

* prints ``✅ Correct: …`` and returns the learner's function when it is right;
* prints ``❌ …`` (what was wrong, on which input) and a hint when it is wrong, and prints ``⬜ …`` when the stub
  is still there; then it returns the lesson's reference version (if the exercise has one), so a skipped or
  wrong exercise never stops the rest of the lesson;
* records the result for :func:`score`, the line at the end of each lesson.

Under nbgrader's autograder or validator (``NBGRADER_EXECUTION`` is set, see :func:`strict`) or with
``EMOJIFY_STRICT_EXERCISES=1`` a wrong or open answer raises :class:`ExerciseFailed` instead, so nbgrader gives
the cell no points. It is fair: before raising, the grader rebinds the learner's name in the notebook (the check
cell's globals) to the reference version, so the rest of the notebook goes on exactly as while the learner works,
and a later exercise that calls this one is graded on its own. A grade equals the learner's own score line.
IPython shows a failure as its message only (``ExerciseFailed._render_traceback_``, lines short enough for
``nbgrader validate``), not as a walk through this module.

An answer that hands the work to the library's own version of the same function (``anatomy.conv_params(...)``,
``ex.conv_params(...)``, ``networks.classic_cnn()``) is refused before it is checked: "this calls
`anatomy.conv_params`; write it yourself". The check reads the names the learner's code object uses (and those of
the learner's own helpers it calls); code that builds the name at run time (``getattr``, ``importlib``, ``exec``)
or copies the library's source text is not caught — TEACHING.md says what an open course can enforce.

A check cell may end with nbgrader's hidden tests, which the student edition does not show and the autograder
runs::

    conv_params = ex.check_conv_params(conv_params)
    ### BEGIN HIDDEN TESTS
    conv_params = ex.check_conv_params.hidden(conv_params, [(7, 5, 3), (2, 9, 4)])
    ### END HIDDEN TESTS

Helpers for writing a grader (a "strict check" raises :class:`ExerciseFailed`, :func:`grader` wraps it):

* ``passed(message)``                  print the success line.
* ``fail(problem, hint=None)``         raise :class:`ExerciseFailed`.
* ``call(fn, *args, name=...)``        call the learner's function; a stub becomes "open", an exception a failure.
* ``expect_close(actual, expected, what=..., hint=..., atol=...)``   compare arrays or numbers (shape, then values).
"""
from __future__ import annotations

import functools
import importlib
import os
import sys
import textwrap
import types
from dataclasses import dataclass, field

import numpy as np

__all__ = ["ExerciseFailed", "ExerciseOpen", "passed", "fail", "call", "expect_close", "grader", "score",
           "strict", "Score", "results", "refuse_library_versions", "delegates_to", "library_versions"]


#: The widest line a failure shows: ``nbgrader validate`` cuts lines at 87 characters (width 90 minus "...").
WIDTH = 80


class ExerciseFailed(AssertionError):
    """An exercise answer is wrong; the message says what and how to fix it.

    In a notebook IPython shows :meth:`_render_traceback_` in place of the traceback: the grader's message,
    wrapped to :data:`WIDTH` columns, and one line on what happens next.
    """

    #: Set by the grader when the notebook goes on with the reference version (see :func:`grader`).
    note: str | None = None

    #: What the first line starts with when IPython shows the failure.
    prefix = ""

    def _render_traceback_(self) -> list[str]:
        lines = []
        for paragraph in (self.prefix + str(self)).splitlines():
            lines += textwrap.wrap(paragraph, WIDTH, subsequent_indent="   ", break_on_hyphens=False) or [""]
        if self.note:
            lines += textwrap.wrap(self.note, WIDTH, subsequent_indent="   ")
        return lines


class ExerciseOpen(ExerciseFailed):
    """The learner's cell still holds the student edition's stub (``raise NotImplementedError()``)."""

    prefix = "⬜ Not answered yet — "


def strict() -> bool:
    """True when a wrong or open answer must raise: under nbgrader (``NBGRADER_EXECUTION``) or with
    ``EMOJIFY_STRICT_EXERCISES=1``."""
    return bool(os.environ.get("NBGRADER_EXECUTION")) or os.environ.get("EMOJIFY_STRICT_EXERCISES") == "1"


def passed(message: str) -> None:
    """Print the success line ``✅ Correct: message``."""
    print(f"✅ Correct: {message}")


def fail(problem: str, hint: str | None = None):
    """Raise :class:`ExerciseFailed` with ``❌ problem`` and, if given, a hint on its own line."""
    text = f"❌ {problem}"
    if hint:
        text += f"\n💡 Hint: {hint}"
    raise ExerciseFailed(text)


def call(fn, *args, name: str | None = None):
    """Call the learner's ``fn(*args)``; a ``NotImplementedError`` (the stub) means the exercise is open, any other
    exception becomes a failure that names the input."""
    if not callable(fn):
        fail(f"expected a function, got {type(fn).__name__} {fn!r}",
             "pass the function itself, without calling it: check(my_function), not check(my_function()).")
    name = name or getattr(fn, "__name__", "your function")
    try:
        return fn(*args)
    except ExerciseFailed:
        raise
    except NotImplementedError:
        raise ExerciseOpen(f"{name} still raises NotImplementedError: replace the `# YOUR CODE HERE` stub with "
                           "your code, then run that cell and this one again.") from None
    except Exception as exc:  # noqa: BLE001 - any error in learner code becomes a readable failure
        shown = ", ".join(_short(a) for a in args)
        where = _learner_line(exc, fn)
        fail(f"{name}({shown}) raised {type(exc).__name__}: {exc}",
             (f"it stopped at {where} of your function; " if where else "") +
             "call it yourself on an input like the one above and read the traceback.")


def _learner_line(exc: BaseException, fn) -> str | None:
    """Where in the learner's own function ``exc`` was raised: ``"line N, `source`"`` (the deepest frame of the
    file ``fn`` was defined in, e.g. the notebook cell), or None when it cannot be found."""
    import linecache
    import traceback

    filename = getattr(getattr(fn, "__code__", None), "co_filename", None)
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]
    if not frames:
        return None
    frame = frames[-1]
    line = (frame.line or linecache.getline(frame.filename, frame.lineno)).strip()
    first = getattr(fn, "__code__").co_firstlineno
    return f"line {frame.lineno - first + 1}" + (f", `{line}`" if line else "")


def _short(value, limit: int = 60) -> str:
    """A short, never cut-off description of an input or a result: small values as they are, bigger arrays (and
    lists of numbers) by their shape and dtype."""
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (int, float, np.number)) for v in value):
        if len(repr(value)) > limit:
            return f"a {type(value).__name__} of {len(value)} numbers"
    if isinstance(value, np.ndarray):
        text = repr(value.tolist())
        if value.size > 6 or value.size == 0 or len(text) > limit:
            return f"<{' x '.join(map(str, value.shape)) or 'scalar'} {value.dtype} array>"
        return text
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _expect_int(got, what: str, hint: str | None = None) -> None:
    """Fail unless the learner's answer is an int (Python's or NumPy's). One rule for every exercise whose text
    asks for an int: a float is refused even when it is whole (449.0), and so is a bool."""
    if isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)):
        fail(f"{what} returned {_short(got)} ({type(got).__name__}); expected an int")
    if isinstance(got, (float, np.floating)):
        kind = "a whole number, but as a float" if float(got).is_integer() else "a fraction"
        fail(f"{what} returned {got!r}, {kind}; the exercise asks for an int",
             hint or "`/` and np.ceil/np.floor give floats; `//`, math.ceil and math.floor give ints (or wrap the "
                     "result in int(...) once it is whole).")


def expect_close(actual, expected, what: str, hint: str | None = None, atol: float = 1e-6) -> None:
    """Fail unless ``actual`` has ``expected``'s shape and values (within ``atol``). ``what`` names the quantity
    in the message, e.g. ``"weighted_sum(x=[1, 2], w=[0.5, -1], b=0.25)"``."""
    try:
        a = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        fail(f"{what} returned {_short(actual)} ({type(actual).__name__}), which is not a number or an array of "
             f"numbers", hint)
    e = np.asarray(expected, dtype=np.float64)
    if a.shape != e.shape:
        fail(f"{what} has shape {a.shape}, expected {e.shape}", hint)
    if not np.all(np.isfinite(a) == np.isfinite(e)) or not np.allclose(a, e, atol=atol, rtol=0, equal_nan=True):
        if a.size <= 6:
            fail(f"{what} returned {_short(a)}, expected {_short(e)}", hint)
        idx = np.unravel_index(np.argmax(np.abs(np.nan_to_num(a - e, nan=np.inf))), a.shape)
        fail(f"{what} differs from the expected result, e.g. at index {tuple(int(i) for i in idx)}: "
             f"got {a[idx]:.6g}, expected {e[idx]:.6g}", hint)


# ------------------------------------------------------------------------------------ grading and the score line
#: Every lesson's exercises in the order the lesson asks them: lesson → [title, ...] (filled by @grader).
EXERCISES: dict[str, list[str]] = {}
#: What happened in this kernel: (lesson, title) → "passed" | "failed" | "open".
RESULTS: dict[tuple[str, str], str] = {}


def grader(lesson: str, title: str, reference=None, library=()):
    """Turn a strict check ``check(answer, *args)`` (raises :class:`ExerciseFailed`) into a lesson's grader.

    The grader returns ``answer`` when the check passes and ``reference`` otherwise (the version the rest of the
    lesson then uses; ``None`` where nothing later depends on the answer). In strict mode (:func:`strict`) it
    raises instead, after pointing the learner's name at ``reference``. ``title`` names the exercise in the
    score line. An answer that calls ``reference``, a library function called ``title`` or one of ``library`` is
    refused (:func:`refuse_library_versions`). The strict check stays reachable as ``grader_fn.check``, for tests;
    ``grader_fn.hidden(answer, cases)`` runs nbgrader's hidden test cases.
    """
    EXERCISES.setdefault(lesson, [])
    if title in EXERCISES[lesson]:
        raise ValueError(f"lesson {lesson} already has an exercise called {title!r}")
    EXERCISES[lesson].append(title)

    def wrap(check):
        def outcome(answer, exc: ExerciseFailed | None, caller):
            """What the grader returns (or raises) once the check is done; ``caller`` is the check cell's frame."""
            if exc is None:
                RESULTS[lesson, title] = "passed"
                return answer
            RESULTS[lesson, title] = "open" if isinstance(exc, ExerciseOpen) else "failed"
            if strict():
                # nbgrader needs an error to withhold the cell's point; the rest of the notebook must still run on
                # the reference version, as it does while the learner works: rebind the learner's name first.
                if reference is not None and _rebind(caller, answer, reference):
                    exc.note = "↪ 0 points for this check; the notebook went on with the reference version."
                else:
                    exc.note = "↪ 0 points for this check."
                raise exc.with_traceback(None)
            if isinstance(exc, ExerciseOpen):
                print(f"⬜ Not answered yet — {exc}")
            else:
                print(exc)
            if reference is not None:
                print("↪ The lesson goes on with the reference version of this piece, so the cells below still run.")
            return reference

        @functools.wraps(check)
        def grade(answer, *args, **kwargs):
            try:
                refuse_library_versions(answer, title, reference, library)
                check(answer, *args, **kwargs)
            except ExerciseFailed as exc:
                return outcome(answer, exc, sys._getframe(1))
            return outcome(answer, None, sys._getframe(1))

        def hidden(answer, cases, expected=None, atol: float = 1e-6):
            """nbgrader's hidden tests for this exercise: ``answer(*case)`` must equal the reference's result (or
            ``expected[i]``) for every ``case`` in ``cases``. Runs only when the visible check passed (otherwise the
            reference is already in place and the point already lost); fails, records and rebinds like the
            visible check."""
            if RESULTS.get((lesson, title)) != "passed":
                return answer
            if expected is None and reference is None:
                raise ValueError(f"{title} has no reference version: give hidden() the expected results")
            hint = ("your answer passed the visible cases but not this one, which was hidden while you worked: "
                    "does it hold for every input the docstring allows?")
            try:
                for i, case in enumerate(cases):
                    try:
                        got = call(answer, *case, name=title)
                    except ExerciseOpen:
                        raise
                    except ExerciseFailed as exc:          # it crashed: say so, with the hidden-case hint
                        fail(str(exc).removeprefix("❌ ").split("\n💡")[0], hint)
                    want = reference(*case) if expected is None else expected[i]
                    shown = ", ".join(_short(a, 40) for a in case)
                    _expect_same(got, want, f"{title}({shown})", atol, hint)
            except ExerciseFailed as exc:
                return outcome(answer, exc, sys._getframe(1))
            return answer

        grade.check = check
        grade.hidden = hidden
        grade.lesson, grade.title = lesson, title
        return grade

    return wrap


def _rebind(frame, answer, reference) -> bool:
    """In the check cell's globals, point every name bound to the learner's ``answer`` at ``reference`` (what the
    assignment ``name = check(name)`` does when the check does not raise). Only in a notebook's (or script's)
    ``__main__`` namespace, never in an imported module's. True when a name was rebound."""
    if frame is None or frame.f_globals.get("__name__") != "__main__":
        return False
    names = [name for name, value in list(frame.f_globals.items()) if value is answer and not name.startswith("_")]
    for name in names:
        frame.f_globals[name] = reference
    return bool(names)


def _expect_same(got, want, what: str, atol: float, hint: str) -> None:
    """Fail unless ``got`` equals ``want``: numbers and arrays within ``atol``, tuples/lists/dicts item by item."""
    if isinstance(want, dict):
        if not isinstance(got, dict) or set(got) != set(want):
            fail(f"{what} returned {_short(got)}, expected a dict with the keys {sorted(want)}", hint)
        for key in want:
            _expect_same(got[key], want[key], f"{what}[{key!r}]", atol, hint)
    elif isinstance(want, (tuple, list)) and not _is_numeric(want):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            fail(f"{what} returned {_short(got)}, expected {len(want)} items", hint)
        for i, (g, w) in enumerate(zip(got, want)):
            _expect_same(g, w, f"{what}[{i}]", atol, hint)
    elif _is_numeric(want):
        expect_close(got, want, what, hint, atol=atol)
    elif got != want:
        fail(f"{what} returned {_short(got)}, expected {_short(want)}", hint)


def _is_numeric(value) -> bool:
    try:
        return np.asarray(value).dtype.kind in "biuf"
    except (TypeError, ValueError):
        return False


# ------------------------------------------------------------------------- answers that call the library's version
def library_versions(title: str, reference=None, library=()) -> dict[int, object]:
    """The objects an answer to exercise ``title`` must not call, by ``id``: the grader's ``reference``, every
    function called ``title`` in an ``emojify_lib`` module that is loaded, and the extra ``library`` objects (for a
    library version with another name, e.g. ``networks.classic_cnn`` for ``build_classic_cnn``)."""
    found = {}
    for spec in library:
        if isinstance(spec, str):                # "emojify_lib.model.networks:classic_cnn", imported when needed
            module, _, attr = spec.partition(":")
            spec = getattr(importlib.import_module(module), attr)
        found[id(spec)] = spec
    if reference is not None:
        found[id(reference)] = reference
    for name, module in list(sys.modules.items()):
        if name.startswith("emojify_lib.") and module is not None:
            obj = vars(module).get(title)        # not getattr: a lazy package's __getattr__ would import lessons
            if callable(obj) and getattr(obj, "__module__", "").startswith("emojify_lib."):
                found[id(obj)] = obj
    return found


def delegates_to(fn, forbidden: dict[int, object]) -> str | None:
    """How the learner's ``fn`` reaches one of ``forbidden`` (e.g. ``"anatomy.conv_params"``), or ``None``.

    Reads the global names (and attribute names) that ``fn``'s code and nested code objects use, resolved in
    ``fn``'s globals: a name bound to a forbidden object, or a module (``anatomy``, ``ex``, ``emojify_lib``) with a
    forbidden attribute among the names. Functions the learner wrote in the same notebook are followed."""
    seen: set[int] = set()

    def label(obj) -> str:
        return f"{getattr(obj, '__module__', '?').rsplit('.', 1)[-1]}.{getattr(obj, '__name__', '?')}"

    def names_of(code) -> set[str]:
        out = set(code.co_names)
        for const in code.co_consts:
            if isinstance(const, types.CodeType):
                out |= names_of(const)
        return out

    def visit(f) -> str | None:
        f = getattr(f, "__func__", f)
        code = getattr(f, "__code__", None)
        if code is None or id(f) in seen:
            return None
        seen.add(id(f))
        scope = dict(getattr(f, "__globals__", {}))
        for cell_name, cell in zip(code.co_freevars, f.__closure__ or ()):
            try:
                scope[cell_name] = cell.cell_contents
            except ValueError:
                pass
        names = names_of(code) | set(code.co_freevars)
        for name in names:
            obj = scope.get(name)
            if obj is None and "." in name:      # `from emojify_lib.lessons.anatomy import ...` inside the function
                obj = sys.modules.get(name)
            if obj is None:
                continue
            if id(obj) in forbidden:
                return label(obj) if name == getattr(obj, "__name__", None) else f"{name} (= {label(obj)})"
            if isinstance(obj, types.ModuleType):
                hit = through_module(name, obj, names, depth=3)
                if hit:
                    return hit
            elif isinstance(obj, types.FunctionType) and obj.__globals__ is f.__globals__:
                hit = visit(obj)         # a helper the learner wrote
                if hit:
                    return hit
        return None

    def through_module(path: str, module, names: set[str], depth: int) -> str | None:
        for attr in names:
            obj = vars(module).get(attr)        # what is loaded; no lazy __getattr__ runs (no imports, no warnings)
            if obj is None:
                continue
            if id(obj) in forbidden:             # `anatomy.conv_params`, `ex.conv_params`; a dotted chain by its home
                return f"{path}.{attr}" if "." not in path else label(obj)
            if isinstance(obj, types.ModuleType) and depth > 0:
                hit = through_module(f"{path}.{attr}", obj, names, depth - 1)
                if hit:
                    return hit
        return None

    return visit(fn)


def refuse_library_versions(answer, title: str, reference=None, library=()) -> None:
    """Fail when the learner's ``answer`` calls the library's own version of exercise ``title``."""
    if not callable(answer):
        return
    via = delegates_to(answer, library_versions(title, reference, library))
    if via:
        fail(f"this calls `{via}`; write it yourself",
             "the library's copy is there so that later lessons can use it; here the exercise is to "
             "write it.")


@dataclass
class Score:
    """One lesson's exercise results in this kernel."""

    lesson: str
    passed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    open: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.passed) + len(self.failed) + len(self.open)

    def __str__(self) -> str:
        line = f"Lesson {self.lesson}: {len(self.passed)} of {self.total} exercises passed."
        if self.failed:
            line += " Not right yet: " + ", ".join(self.failed) + "."
        if self.open:
            line += " Still open: " + ", ".join(self.open) + "."
        return line


def results(lesson: str) -> Score:
    """The lesson's exercise results in this kernel; an exercise whose grading cell never ran counts as open."""
    if lesson not in EXERCISES:
        raise ValueError(f"no exercises are registered for lesson {lesson!r}; known: {sorted(EXERCISES)}")
    result = Score(lesson)
    for title in EXERCISES[lesson]:
        getattr(result, RESULTS.get((lesson, title), "open")).append(title)
    return result


def score(lesson: str) -> None:
    """Print the lesson's score line, e.g. ``Lesson 01: 3 of 4 exercises passed. Still open: …`` (the last cell
    of every lesson)."""
    print(results(lesson))
