"""The pieces every exercise check is made of: tests, cases, outcomes and the verdict.

An `Exercise` is a list of `Test`s. A test calls one learner function on a few seeded inputs
(`Case`s) and a `judge` compares each result with an oracle, usually a float64 numerical
gradient; the first wrong case gives the feedback, e.g.

    d/dy is wrong: numerical 3.0, yours 2.0 at x=2, y=3, grad=1

The judge never runs learner code: the learner's function is called elsewhere (in the notebook's
kernel, or in a sandboxed process by the autograder) and only its *result* reaches the judge.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class Wrong(Exception):
    """A learner's result is wrong; the message is the feedback shown to them.

    `mistake` names the typical mistake the check recognised (its hint), or is None.
    """

    def __init__(self, message: str = "", mistake: str | None = None):
        super().__init__(message)
        self.mistake = mistake


@dataclass
class Case:
    """One call of the learner's function: arguments and a readable description of them."""

    args: tuple
    where: str = ""  # e.g. "x=2, y=3, grad=1"
    kwargs: dict = field(default_factory=dict)
    data: dict = field(default_factory=dict)  # anything the judge needs (oracle values, ...)


@dataclass
class Outcome:
    """What a call returned (`value`), or the error it raised; `args` after the call."""

    value: Any = None
    error: str | None = None
    args: tuple | None = None


@dataclass
class Test:
    """One checked property: call `function` on each case, let `judge(case, value, args)` decide."""

    name: str
    function: str
    cases: Callable[[np.random.Generator], list[Case]]
    judge: Callable[[Case, Any, tuple], None]
    points: float = 1.0
    seed: int = 0
    echo_args: bool = False  # the judge looks at the arguments after the call (mutation)

    def make_cases(self) -> list[Case]:
        return self.cases(np.random.default_rng(self.seed))


@dataclass
class Exercise:
    """An exercise: the functions a learner writes and the tests that check them."""

    name: str
    title: str
    notebook: str
    functions: tuple[str, ...]
    tests: list[Test]

    @property
    def max_score(self) -> float:
        return float(sum(t.points for t in self.tests))


@dataclass
class TestResult:
    """The verdict on one test: score out of max_score, with feedback."""

    exercise: str
    name: str
    score: float
    max_score: float
    feedback: str = ""
    output: str = ""  # what the learner's code printed, if anything
    mistake: str | None = None  # the named mistake the check recognised, if any

    @property
    def passed(self) -> bool:
        return self.score >= self.max_score


def judge_test(
    exercise: Exercise, test: Test, cases: Sequence[Case], outcomes: Sequence
) -> TestResult:
    """Full points when every case is right; otherwise 0 and the first wrong case's feedback."""
    for case, outcome in zip(cases, outcomes):
        if outcome is None:
            return _result(exercise, test, f"{test.function} did not return a result")
        if outcome.error is not None:
            return _result(exercise, test, outcome.error)
        try:
            test.judge(case, outcome.value, outcome.args if outcome.args is not None else case.args)
        except Wrong as wrong:
            return _result(exercise, test, str(wrong), getattr(wrong, "mistake", None))
        except Exception as err:  # noqa: BLE001 - a malformed result must not crash the grader
            return _result(
                exercise,
                test,
                f"{test.function} returned something that could not be checked "
                f"({type(err).__name__}: {err}); check what your function returns",
            )
    if len(outcomes) < len(cases):
        return _result(exercise, test, f"{test.function}: some cases did not run")
    return TestResult(exercise.name, test.name, test.points, test.points, "ok")


def _result(
    exercise: Exercise, test: Test, feedback: str, mistake: str | None = None
) -> TestResult:
    return TestResult(exercise.name, test.name, 0.0, test.points, feedback, mistake=mistake)


def describe_error(function: str, err: BaseException, line: int | None = None) -> str:
    """Feedback for an exception raised by the learner's function."""
    if isinstance(err, NotImplementedError):
        return f"{function} is not implemented yet: replace the `raise NotImplementedError` with your code"
    if isinstance(err, SystemExit):
        return f"{function} called sys.exit({err.code!r}); a function must return its result"
    if isinstance(err, RecursionError):
        return (
            f"{function} raised RecursionError (maximum recursion depth exceeded): "
            "a deep graph needs an explicit stack instead of recursion"
        )
    where = f" (line {line} of your code)" if line else ""
    text = str(err)
    if len(text) > 300:
        text = text[:300] + "..."
    return f"{function} raised {type(err).__name__}: {text}{where}"


def call_in_process(function: Callable, case: Case, name: str) -> Outcome:
    """Call the learner's function on a private copy of the case's arguments."""
    args = copy.deepcopy(case.args)
    try:
        value = function(*args, **copy.deepcopy(case.kwargs))
    except BaseException as err:  # noqa: BLE001 - SystemExit and KeyboardInterrupt included
        if isinstance(err, KeyboardInterrupt):
            raise
        return Outcome(error=describe_error(name, err, _learner_line(err)))
    return Outcome(value=value, args=args)


def _learner_line(err: BaseException) -> int | None:
    """The line of the innermost frame in learner code (notebook cell or submission)."""
    tb = err.__traceback__
    line = None
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.startswith("<submission") or "ipykernel_" in filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run_in_process(exercise: Exercise, namespace: dict) -> list[TestResult]:
    """Run every test of `exercise` on the functions found in `namespace` (no sandbox)."""
    results = []
    for test in exercise.tests:
        function = namespace.get(test.function)
        if not callable(function):
            results.append(
                _result(
                    exercise, test, f"{test.function} is not defined: run the cell that defines it"
                )
            )
            continue
        cases = test.make_cases()
        outcomes = []
        for case in cases:
            outcome = call_in_process(function, case, test.function)
            outcomes.append(outcome)
            if outcome.error is not None:
                break
        results.append(judge_test(exercise, test, cases, outcomes))
    return results
