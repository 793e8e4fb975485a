"""`check(name, globals())`: run an exercise's tests in the notebook and print feedback."""

from __future__ import annotations

from dataclasses import dataclass

from .checks import EXERCISES
from .core import TestResult, run_in_process


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


def check(exercise: str, namespace: dict) -> CheckReport:
    """Check the functions defined in `namespace` (pass `globals()`) against exercise's tests."""
    if exercise not in EXERCISES:
        raise ValueError(f"check: unknown exercise {exercise!r}; known: {', '.join(EXERCISES)}")
    report = CheckReport(exercise, run_in_process(EXERCISES[exercise], namespace))
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
    return report
