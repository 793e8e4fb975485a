"""`check(name, globals())`: run an exercise's tests in the notebook and print feedback.

Interactively a failing check only prints what is wrong. Run by nbgrader (`nbgrader autograde`
or `validate` set NBGRADER_EXECUTION) it also raises `CheckFailed`, since nbgrader gives an
autograded cell 0 points exactly when the cell raises; the exception names the mistake, so
nbgrader's feedback does too.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from .core import TestResult, run_in_process
from .course_file import catalogue


class CheckFailed(AssertionError):
    """A check did not pass; the message is the first failing test's feedback."""


@dataclass
class CheckReport:
    """The results of one `check` call; `passed` is True when every test passed."""

    exercise: str
    results: list[TestResult]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)

    def __repr__(self) -> str:
        return f"<check {self.exercise}: {self.score:g}/{self.max_score:g} points>"


def check(
    exercise: str,
    namespace: dict,
    *,
    exercises: str | Path | None = None,
    raise_on_failure: bool | None = None,
) -> CheckReport:
    """Check the functions defined in `namespace` (pass `globals()`) against exercise's tests.

    `exercises` is an instructor's exercise file to look the name up in (besides the built-in
    ones). `raise_on_failure` (default: only under nbgrader) raises `CheckFailed` after printing.
    """
    known = catalogue(exercises)
    if exercise not in known:
        raise ValueError(f"check: unknown exercise {exercise!r}; known: {', '.join(known)}")
    under_nbgrader = bool(os.environ.get("NBGRADER_EXECUTION"))
    if raise_on_failure is None:
        raise_on_failure = under_nbgrader
    with warnings.catch_warnings():
        if under_nbgrader:  # nbgrader scores a cell that wrote to stderr 0, warnings included
            warnings.simplefilter("ignore")
        report = CheckReport(exercise, run_in_process(known[exercise], namespace))
    for r in report.results:
        mark = "✔" if r.passed else "✘"
        print(f"{mark} {r.name}" + ("" if r.passed else f"\n    {r.feedback}"))
    n_passed = sum(r.passed for r in report.results)
    if report.passed:
        print(f"All {len(report.results)} checks passed. Well done!")
    else:
        print(
            f"{n_passed} of {len(report.results)} checks passed: fix the first ✘ above and run again."
        )
    if raise_on_failure and not report.passed:
        first = next(r for r in report.results if not r.passed)
        raise CheckFailed(
            f"{exercise}: {n_passed} of {len(report.results)} checks passed; "
            f"{first.name}: {first.feedback}"
        )
    return report
