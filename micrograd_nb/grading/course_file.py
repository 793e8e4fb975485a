"""Load an instructor's exercise file (`my_course.py`) and check it before any learner sees it.

The file is plain Python that defines `Exercise` objects at module level (usually built with
`micrograd_nb.grading.exercise(...)`), or a list/dict named `EXERCISES`. Every problem found is
reported with the file, the exercise and the test it concerns.
"""

from __future__ import annotations

import importlib.util
import math
import sys
import traceback
from pathlib import Path

from . import encode
from .checks import EXERCISES
from .core import Case, Exercise, Test
from .functions import FUNCTIONS

_TABLE = {name: pair[0] for name, pair in FUNCTIONS.items()}


class ExerciseFileError(ValueError):
    """An instructor's exercise file cannot be used; the message says where and why."""


def load_exercises(path: str | Path) -> dict[str, Exercise]:
    """The exercises an instructor's file defines, by name, each checked (inputs drawn once)."""
    path = Path(path)
    if not path.is_file():
        raise ExerciseFileError(f"{path}: no such exercise file")
    module = _import(path)
    found = _exercises_of(module, path)
    exercises: dict[str, Exercise] = {}
    for ex in found:
        _validate(ex, path)
        if ex.name in exercises:
            raise ExerciseFileError(f"{path.name}: two exercises are named {ex.name!r}")
        if ex.name in EXERCISES:
            raise ExerciseFileError(
                f"{path.name}, exercise {ex.name!r}: a built-in exercise has this name; choose another"
            )
        exercises[ex.name] = ex
    return exercises


def catalogue(path: str | Path | None = None) -> dict[str, Exercise]:
    """The built-in exercises, plus those of an instructor's file when one is given."""
    return {**EXERCISES, **load_exercises(path)} if path else dict(EXERCISES)


def _import(path: Path):
    name = f"_mg_course_{path.stem}_{abs(hash(str(path.resolve())))}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ExerciseFileError(f"{path}: not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look modules up here
    try:
        spec.loader.exec_module(module)
    except Exception as err:  # noqa: BLE001 - any error in the file is the instructor's to fix
        sys.modules.pop(name, None)
        raise ExerciseFileError(
            f"{path.name} failed to load{_line_in(err, path)}: {_name(err)}"
        ) from err
    return module


def _exercises_of(module, path: Path) -> list[Exercise]:
    listed = getattr(module, "EXERCISES", None)
    if listed is not None:
        items = list(listed.values()) if isinstance(listed, dict) else list(listed)
        bad = [type(x).__name__ for x in items if not isinstance(x, Exercise)]
        if bad:
            raise ExerciseFileError(
                f"{path.name}: EXERCISES should hold Exercise objects, found a {bad[0]}"
            )
        return items
    found = [v for v in vars(module).values() if isinstance(v, Exercise)]
    if not found:
        raise ExerciseFileError(
            f"{path.name} defines no exercise: assign one to a module-level name, e.g. "
            "EXERCISE = micrograd_nb.grading.exercise('name', test, ...)"
        )
    return found


def _validate(ex: Exercise, path: Path) -> None:
    def fail(what: str) -> ExerciseFileError:
        return ExerciseFileError(f"{path.name}, exercise {ex.name!r}: {what}")

    if not isinstance(ex.name, str) or not ex.name.isidentifier():
        raise ExerciseFileError(f"{path.name}: an exercise name must be a word, got {ex.name!r}")
    if not ex.tests:
        raise fail("it has no tests")
    functions = tuple(ex.functions)
    if not functions or not all(isinstance(f, str) and f.isidentifier() for f in functions):
        raise fail(f"functions should be the names of the learner's functions, got {functions!r}")
    seen = set()
    for test in ex.tests:
        if not isinstance(test, Test):
            raise fail(f"its tests should be Test objects, found a {type(test).__name__}")
        where = f"test {test.name!r}"
        if test.name in seen:
            raise fail(f"two tests are named {test.name!r}")
        seen.add(test.name)
        if test.function not in functions:
            raise fail(f"{where} calls {test.function!r}, which is not in functions {functions}")
        if not (isinstance(test.points, (int, float)) and math.isfinite(test.points)):
            raise fail(f"{where}: points should be a number, got {test.points!r}")
        if test.points < 0:
            raise fail(f"{where}: points should not be negative, got {test.points}")
        if not callable(test.cases) or not callable(test.judge):
            raise fail(f"{where}: cases and judge should be functions")
        _validate_cases(test, path, fail)


def _validate_cases(test: Test, path: Path, fail) -> None:
    where = f"test {test.name!r}"
    try:
        cases = test.make_cases()
    except Exception as err:  # noqa: BLE001 - an error in the inputs or the oracle
        raise fail(
            f"{where}: drawing the inputs or computing the answer (or a mistake) raised "
            f"{_name(err)}{_line_in(err, path)}"
        ) from err
    if not isinstance(cases, list) or not cases:
        raise fail(f"{where}: the inputs should be a non-empty list of argument tuples")
    for k, case in enumerate(cases):
        if not isinstance(case, Case) or not isinstance(case.args, tuple):
            raise fail(f"{where}: case {k + 1} is not a Case with a tuple of arguments")
        try:
            encode.encode(case.args, _TABLE)
            encode.encode(case.kwargs, _TABLE)
        except encode.EncodeError as err:
            raise fail(
                f"{where}: the arguments of case {k + 1} ({case.where}) cannot be passed to the "
                f"learner's process: {err}; use numbers, strings, lists, dicts and NumPy arrays"
            ) from None


def _name(err: BaseException) -> str:
    return f"{type(err).__name__}: {err}"


def _line_in(err: BaseException, path: Path) -> str:
    """' (line 12)': the innermost line of the instructor's file in the traceback."""
    if isinstance(err, SyntaxError) and err.lineno:
        return f" (line {err.lineno})"
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(err.__traceback__)
        if Path(frame.filename).resolve() == path.resolve()
    ]
    return f" (line {lines[-1]} of {path.name})" if lines else ""
