"""`python -m micrograd_nb.grade <submission.ipynb|.py> [--exercise NAME] [--json results.json]`.

`--exercises my_course.py` adds an instructor's exercises; `python -m micrograd_nb.grade bundle
...` writes a Gradescope autograder (see `gradescope.py`).
"""

from __future__ import annotations

import argparse
import sys
import traceback

from .checks import EXERCISES
from .core import Exercise, TestResult
from .course_file import ExerciseFileError, catalogue
from .extract import SubmissionError, defined_names, read_submission
from .report import gradescope_json, text_report, write_json
from .sandbox import Limits, run_exercise


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m micrograd_nb.grade",
        description="Grade micrograd_nb exercise submissions against numerical-gradient tests.",
    )
    p.add_argument("submission", help="the learner's notebook (.ipynb) or Python file (.py)")
    p.add_argument(
        "--exercise",
        action="append",
        metavar="NAME",
        help="grade only this exercise (repeatable); by default the exercises whose functions the "
        f"submission defines. Names: {', '.join(EXERCISES)}",
    )
    p.add_argument(
        "--exercises",
        metavar="FILE",
        help="an instructor's exercise file (Python) whose exercises are graded too",
    )
    p.add_argument("--json", metavar="PATH", help="also write Gradescope's results.json here")
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per test (default 10)")
    p.add_argument("--memory-mb", type=int, default=1024, help="memory limit in MB (default 1024)")
    return p


def grade(
    submission: str,
    exercises: list[str] | None = None,
    limits: Limits | None = None,
    known: dict[str, Exercise] | None = None,
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
    if not exercises:
        if source.exercise in known:
            exercises = [source.exercise]
        else:
            names = defined_names(source.text)
            exercises = [e.name for e in known.values() if names & set(e.functions)]
    if not exercises:
        expected = "; ".join(f"{e.name}: {', '.join(e.functions)}" for e in known.values())
        reason = f"no exercise function found in the submission. Expected one of: {expected}"
        return [TestResult("submission", "find the exercise functions", 0.0, 1.0, reason)], [reason]
    results: list[TestResult] = []
    for name in exercises:
        try:
            results += run_exercise(source, known[name], limits)
        except Exception:  # noqa: BLE001 - a grader bug in one exercise must not lose the others
            reason = "internal error of the grader:\n" + traceback.format_exc(limit=3)
            results += [TestResult(name, t.name, 0.0, t.points, reason) for t in known[name].tests]
    notes.append(f"graded: {', '.join(exercises)}")
    return results, notes


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["bundle"]:
        from .gradescope import bundle_main

        return bundle_main(argv[1:])
    args = _parser().parse_args(argv)
    limits = Limits(timeout=args.timeout, memory_mb=args.memory_mb)
    try:
        known = catalogue(args.exercises)
    except ExerciseFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        results, notes = grade(args.submission, args.exercise, limits, known)
        code = 0
    except Exception:  # noqa: BLE001 - a bug of the grader itself: still write a result
        reason = "internal error of the grader:\n" + traceback.format_exc(limit=5)
        results, notes, code = [TestResult("grader", "grade", 0.0, 1.0, reason)], [reason], 1
    print(text_report(args.submission, results, notes))
    if args.json:
        write_json(args.json, gradescope_json(results, notes))
    return code


if __name__ == "__main__":
    sys.exit(main())
