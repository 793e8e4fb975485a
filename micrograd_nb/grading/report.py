"""The autograder's report: text for a terminal, results.json for Gradescope."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from .core import TestResult


def text_report(
    submission: str,
    results: list[TestResult],
    notes: list[str],
    protections: Sequence[str] = (),
) -> str:
    """Per test a ✔/✘ line with its points and feedback, then the total."""
    lines = [f"micrograd_nb autograder: {submission}"]
    lines += [f"  note: {n}" for n in notes]
    lines += [f"  sandbox: {p}" for p in protections]
    exercise = None
    for r in results:
        if r.exercise != exercise:
            exercise = r.exercise
            lines.append(f"\nexercise {exercise}")
        mark = "✔" if r.passed else "✘"
        lines.append(f"  {mark} {r.name}  [{r.score:g}/{r.max_score:g}]")
        if not r.passed:
            lines.append(f"      {r.feedback}")
        if r.output:
            lines.append(f"      {r.output}")
    score = sum(r.score for r in results)
    total = sum(r.max_score for r in results)
    lines.append(f"\nScore: {score:g}/{total:g}")
    return "\n".join(lines)


def gradescope_json(
    results: list[TestResult], notes: list[str], protections: Sequence[str] = ()
) -> dict:
    """Gradescope's results.json: score, max_score and one entry per test."""
    tests = []
    for r in results:
        output = "ok" if r.passed else r.feedback
        if r.output:
            output += "\n" + r.output
        tests.append(
            {
                "name": f"{r.exercise}: {r.name}",
                "score": r.score,
                "max_score": r.max_score,
                "output": output,
                "visibility": "visible",
            }
        )
    return {
        "score": sum(r.score for r in results),
        "max_score": sum(r.max_score for r in results),
        "output": "\n".join([*notes, *(f"sandbox: {p}" for p in protections)]),
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def write_json(path: str | Path, data: dict) -> None:
    """Write whole or not at all: a new file renamed over the old one."""
    path = Path(path)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(partial, path)
