"""Grade a whole class: find the submissions, grade them in parallel, write every report.

Who is who: a file is one submission and the student is the file's name without its extension
(`alice.py` -> alice); a folder that holds exactly one submission (anywhere inside) is that
student's (`alice/ex03.ipynb` -> alice); any other folder is searched the same way, entry by entry.
Hidden files and folders (`.ipynb_checkpoints`) are skipped; a name seen twice gets `-2`, `-3`.
"""

from __future__ import annotations

import csv
import os
import re
import sys
import traceback
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from tqdm.auto import tqdm

from .checks import EXERCISES
from .core import TestResult
from .extract import SubmissionError, read_submission
from .isolation import Isolation
from .report import gradescope_json, text_report, write_json
from .sandbox import Limits
from .submission import detect_exercises, grade

SUFFIXES = (".py", ".ipynb")


@dataclass
class Submission:
    """One student's file."""

    student: str
    path: Path


@dataclass
class Graded:
    """One student's results and the notes of their run."""

    student: str
    path: Path
    results: list[TestResult]
    notes: list[str] = field(default_factory=list)

    @property
    def score(self) -> float:
        return sum(r.score for r in self.results)

    @property
    def max_score(self) -> float:
        return sum(r.max_score for r in self.results)


def find_submissions(paths: list[str | Path]) -> list[Submission]:
    """Every submission under `paths`, named by the rule in this module's docstring."""
    found: list[Submission] = []
    for path in map(Path, paths):
        if path.is_dir():
            found += _in_folder(path)
        else:  # a missing or unreadable file is still a student, graded 0 with the reason
            found.append(Submission(path.stem, path))
    seen: dict[str, int] = {}
    for sub in found:
        seen[sub.student] = seen.get(sub.student, 0) + 1
        if seen[sub.student] > 1:
            sub.student = f"{sub.student}-{seen[sub.student]}"
    return found


def _in_folder(folder: Path) -> list[Submission]:
    files = _submission_files(folder)
    if len(files) == 1:
        return [Submission(folder.name, files[0])]
    found = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            found += _in_folder(entry)
        elif entry.suffix in SUFFIXES:
            found.append(Submission(entry.stem, entry))
    return found


def _submission_files(folder: Path) -> list[Path]:
    files = []
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        files += [Path(root, n) for n in sorted(names) if n.endswith(SUFFIXES) and n[0] != "."]
    return files


def class_exercises(
    submissions: list[Submission], requested: list[str] | None, known: dict | None = None
) -> list[str]:
    """The exercises everyone is graded on: those asked for, else every one a submission has."""
    known = EXERCISES if known is None else known
    if requested:
        return list(requested)
    found: set[str] = set()
    for sub in submissions:
        try:
            found.update(detect_exercises(read_submission(sub.path), known))
        except (SubmissionError, OSError):
            continue
    return [name for name in known if name in found]


def grade_class(
    submissions: list[Submission],
    exercises: list[str],
    limits: Limits | None = None,
    isolation: Isolation | None = None,
    jobs: int = 1,
    progress: bool = True,
    known: dict | None = None,
) -> list[Graded]:
    """Grade every submission on `exercises`, `jobs` at a time; results in submission order."""
    known = EXERCISES if known is None else known
    graded: dict[int, Graded] = {}
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            pool.submit(_grade_one, sub, exercises, limits, isolation, known): k
            for k, sub in enumerate(submissions)
        }
        bar = tqdm(
            total=len(submissions),
            unit="submission",
            desc="grading",
            file=sys.stderr,
            disable=not progress,
        )
        for future in as_completed(futures):
            graded[futures[future]] = future.result()
            bar.update(1)
        bar.close()
    return [graded[k] for k in range(len(submissions))]


def _grade_one(sub: Submission, exercises, limits, isolation, known) -> Graded:
    """One student's results; whatever goes wrong becomes 0 points with a reason, never a raise."""
    try:
        results, notes = grade(str(sub.path), exercises, limits, known, isolation)
    except Exception:  # noqa: BLE001 - a grader bug on one student must not stop the class
        reason = "internal error of the grader:\n" + traceback.format_exc(limit=3)
        results, notes = [TestResult("submission", "grade", 0.0, 1.0, reason)], [reason]
    if results and all(r.exercise in ("submission", "grader") for r in results):
        # Unreadable: 0 on every test of the class, so that every student has the same columns.
        reason = results[0].feedback
        results = [
            TestResult(name, t.name, 0.0, t.points, reason)
            for name in exercises
            for t in known[name].tests
        ]
    return Graded(sub.student, sub.path, results, notes)


def safe_name(student: str) -> str:
    """A student's name usable as a folder name."""
    return re.sub(r"[^\w.@-]", "_", student).lstrip(".") or "_"


def prepare_out(out: str | Path) -> Path:
    """The output folder, made before grading starts; root's alone when the grader is root."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        os.chmod(out, 0o700)  # learner code, under other uids, cannot even look inside
    return out


def write_class(out: str | Path, graded: list[Graded], protections: list[str]) -> Path:
    """Per student `<name>/feedback.txt` and `<name>/results.json`, and `grades.csv`."""
    out = prepare_out(out)
    for g in graded:
        folder = out / safe_name(g.student)
        folder.mkdir(exist_ok=True)
        report = text_report(str(g.path), g.results, g.notes, protections)
        (folder / "feedback.txt").write_text(report + "\n", encoding="utf-8")
        write_json(folder / "results.json", gradescope_json(g.results, g.notes, protections))
    columns = [f"{r.exercise}: {r.name}" for r in graded[0].results] if graded else []
    with open(out / "grades.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["student", *columns, "total"])
        for g in graded:
            scores = {f"{r.exercise}: {r.name}": r.score for r in g.results}
            writer.writerow(
                [g.student, *(f"{scores.get(c, 0):g}" for c in columns), f"{g.score:g}"]
            )
    return out
