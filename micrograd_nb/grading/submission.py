"""Grade one submission: read it, find its exercises, run each in the sandbox; never raise."""

from __future__ import annotations

import traceback

from .checks import EXERCISES
from .core import Exercise, TestResult
from .extract import Source, SubmissionError, defined_names, read_submission
from .isolation import Isolation
from .sandbox import Limits, run_exercise


def detect_exercises(source: Source, known: dict[str, Exercise] | None = None) -> list[str]:
    """The exercises a submission is for: named in its notebook, else those whose functions it defines."""
    known = EXERCISES if known is None else known
    if source.exercise in known:
        return [source.exercise]
    names = defined_names(source.text)
    return [e.name for e in known.values() if names & set(e.functions)]


def grade(
    submission: str,
    exercises: list[str] | None = None,
    limits: Limits | None = None,
    known: dict[str, Exercise] | None = None,
    isolation: Isolation | None = None,
):
    """(results, notes) for a submission; never raises for anything the submission does.

    `known` is the catalogue to grade from (default: the built-in exercises).
    """
    known = EXERCISES if known is None else known
    notes: list[str] = []
    try:
        source = read_submission(submission)
    except SubmissionError as err:
        return [TestResult("submission", "read the submission", 0.0, 1.0, str(err))], [str(err)]
    unknown = [name for name in exercises or [] if name not in known]
    if unknown:
        reason = f"unknown exercise {', '.join(unknown)}; known: {', '.join(known)}"
        return [TestResult("submission", "choose the exercise", 0.0, 1.0, reason)], [reason]
    exercises = exercises or detect_exercises(source, known)
    if not exercises:
        expected = "; ".join(f"{e.name}: {', '.join(e.functions)}" for e in known.values())
        reason = f"no exercise function found in the submission. Expected one of: {expected}"
        return [TestResult("submission", "find the exercise functions", 0.0, 1.0, reason)], [reason]
    results: list[TestResult] = []
    for name in exercises:
        try:
            results += run_exercise(source, known[name], limits, isolation)
        except Exception:  # noqa: BLE001 - a grader bug in one exercise must not lose the others
            reason = "internal error of the grader:\n" + traceback.format_exc(limit=3)
            results += [TestResult(name, t.name, 0.0, t.points, reason) for t in known[name].tests]
    notes.append(f"graded: {', '.join(exercises)}")
    return results, notes
