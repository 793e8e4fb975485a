"""`python -m micrograd_nb.grade SUBMISSION... [--exercise NAME] [--json results.json] [--out DIR]`.

One submission: its report on the terminal (and Gradescope's results.json with `--json`).
`--exercises my_course.py` adds an instructor's exercises; `python -m micrograd_nb.grade bundle
...` writes a Gradescope autograder (see `gradescope.py`).
Several, a folder, or `--out DIR`: the whole class, `-j N` at a time, with a progress bar; per
student a feedback file and a results.json, `grades.csv` and the class summary (`summary.txt`,
`summary.png`) in DIR.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from pathlib import Path

from .checks import EXERCISES
from .core import Exercise, TestResult
from .course_file import ExerciseFileError, catalogue
from .isolation import DEFAULT_UIDS, DEFAULT_USER, Isolation, IsolationError
from .report import gradescope_json, text_report, write_json
from .sandbox import Limits
from .submission import grade


def _uids(text: str) -> range:
    try:
        start, stop = (int(n) for n in text.split("-"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected FIRST-LAST, e.g. 64000-64999, got {text!r}"
        ) from None
    if not 0 < start <= stop < 2**32 - 1:  # uid 0 is root and (uid_t)-1 means "no change"
        raise argparse.ArgumentTypeError(f"expected 0 < FIRST <= LAST < 4294967295, got {text!r}")
    return range(start, stop + 1)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m micrograd_nb.grade",
        description="Grade micrograd_nb exercise submissions against numerical-gradient tests.",
    )
    p.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSION",
        help="notebooks (.ipynb), Python files (.py) or folders of them: one submission per file; "
        "the student is the file's name, or the folder's when it holds one submission",
    )
    p.add_argument(
        "--exercise",
        action="append",
        metavar="NAME",
        help="grade only this exercise (repeatable); by default the exercises whose functions the "
        f"submissions define. Names: {', '.join(EXERCISES)}",
    )
    p.add_argument(
        "--exercises",
        metavar="FILE",
        help="an instructor's exercise file (Python) whose exercises are graded too",
    )
    p.add_argument(
        "--json", metavar="PATH", help="one submission: write Gradescope's results.json here"
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write per student feedback.txt and results.json, grades.csv and the class summary",
    )
    p.add_argument(
        "-j", "--jobs", type=int, default=1, help="submissions graded at once (default 1)"
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per test (default 10)")
    p.add_argument("--memory-mb", type=int, default=1024, help="memory limit in MB (default 1024)")
    p.add_argument(
        "--user",
        default=DEFAULT_USER,
        help=f"as root: learner code runs in this user's group (default {DEFAULT_USER})",
    )
    p.add_argument(
        "--uids",
        type=_uids,
        default=DEFAULT_UIDS,
        metavar="FIRST-LAST",
        help="as root: each sandboxed process gets a uid of its own from this range "
        f"(default {DEFAULT_UIDS.start}-{DEFAULT_UIDS.stop - 1}; uids with an account are skipped)",
    )
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def _one(args, limits: Limits, known: dict[str, Exercise], isolation: Isolation) -> int:
    submission = args.submissions[0]
    try:
        results, notes = grade(submission, args.exercise, limits, known, isolation)
        code = 0
    except Exception:  # noqa: BLE001 - a bug of the grader itself: still write a result
        reason = "internal error of the grader:\n" + traceback.format_exc(limit=5)
        results, notes, code = [TestResult("grader", "grade", 0.0, 1.0, reason)], [reason], 1
    protections = isolation.describe()
    print(text_report(submission, results, notes, protections))
    if args.json:
        write_json(args.json, gradescope_json(results, notes, protections))
    return code


def _class(args, limits: Limits, known: dict[str, Exercise], isolation: Isolation) -> int:
    from .classroom import (
        class_exercises,
        find_submissions,
        grade_class,
        prepare_out,
        write_class,
    )
    from .summary import plot_summary, summarize, summary_table

    submissions = find_submissions(args.submissions)
    if not submissions:
        print(f"no submissions (.py, .ipynb) in {' '.join(args.submissions)}", file=sys.stderr)
        return 2
    unknown = [name for name in args.exercise or [] if name not in known]
    if unknown:
        print(f"unknown exercise {', '.join(unknown)}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    exercises = class_exercises(submissions, args.exercise, known)
    if not exercises:
        print(
            "no exercise function found in any submission: name one with --exercise",
            file=sys.stderr,
        )
        return 2
    if args.out:
        prepare_out(args.out)
    graded = grade_class(
        submissions, exercises, limits, isolation, args.jobs, not args.no_progress, known
    )
    tests = summarize(graded)
    table = summary_table(graded, tests)
    protections = isolation.describe()
    print(table)
    print("\n".join(f"sandbox: {p}" for p in protections))
    if args.out:
        out = write_class(args.out, graded, protections)
        (out / "summary.txt").write_text(table + "\n", encoding="utf-8")
        plot_summary(tests, out / "summary.png")
        print(
            f"wrote {len(graded)} feedback files, grades.csv, summary.txt and summary.png in {out}"
        )
    return 0


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
        isolation = Isolation(user=args.user, uids=args.uids)
    except IsolationError as err:
        print(f"cannot grade: {err}", file=sys.stderr)
        return 2
    one = len(args.submissions) == 1 and not Path(args.submissions[0]).is_dir() and not args.out
    if args.json and not one:
        print("--json is for one submission; use --out DIR for several", file=sys.stderr)
        return 2
    return (_one if one else _class)(args, limits, known, isolation)


if __name__ == "__main__":
    sys.exit(main())
