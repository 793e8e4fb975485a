"""Give exercise notebooks nbgrader's cell metadata, so they work in an nbgrader course as they are.

    python -m micrograd_nb.grading.nbgrader_cells exercises/*.ipynb [--exercises my_course.py]

The cell tagged `exercise` becomes a solution cell: in each function, the stub from its
`# YOUR CODE HERE` line to the function's end is wrapped in `### BEGIN SOLUTION` /
`### END SOLUTION`, which `nbgrader generate_assignment` replaces by its own (identical) stub,
keeping the signature, the docstring and any given lines.
The cell tagged `check` becomes a locked autograded test cell worth the exercise's points:
`check` raises under nbgrader when a test fails (see `notebook.py`). Running it again changes
nothing; the notebook's other cells are left alone.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

from .core import Exercise
from .course_file import ExerciseFileError, catalogue

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
STUB = "# YOUR CODE HERE"  # where the part nbgrader hides begins
SCHEMA_VERSION = 3


def add_metadata(notebook: dict, known: dict[str, Exercise]) -> dict:
    """The notebook (nbformat 4 as a dict) with nbgrader metadata on its exercise and check cells."""
    name = notebook.get("metadata", {}).get("micrograd_nb", {}).get("exercise")
    if name not in known:
        raise ValueError(
            f"the notebook's metadata names exercise {name!r}, which is not known; "
            "set metadata.micrograd_nb.exercise to one of: " + ", ".join(known)
        )
    tagged = {"exercise": [], "check": []}
    for cell in notebook["cells"]:
        for tag in cell.get("metadata", {}).get("tags", []):
            if tag in tagged:
                tagged[tag].append(cell)
    if len(tagged["exercise"]) != 1 or len(tagged["check"]) != 1:
        raise ValueError(
            f"exercise {name}: expected one cell tagged 'exercise' and one tagged 'check', found "
            f"{len(tagged['exercise'])} and {len(tagged['check'])}"
        )
    (solution,), (test,) = tagged["exercise"], tagged["check"]
    solution["source"] = _lines(mark_solution("".join(solution["source"])))
    solution["metadata"]["nbgrader"] = _cell_meta(f"{name}_functions", solution=True)
    test["metadata"]["nbgrader"] = _cell_meta(
        f"{name}_check", grade=True, locked=True, points=known[name].max_score
    )
    return notebook


def mark_solution(source: str) -> str:
    """Wrap each function's stub, from `# YOUR CODE HERE` to the function's end, in the markers.

    Lines before the marker (signature, docstring, given set-up) stay visible to the learner;
    functions without the marker are given code and stay as they are.
    """
    if BEGIN in source:
        return source
    lines = source.splitlines()
    regions = []
    for node in ast.parse(source).body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for k in range(node.lineno, node.end_lineno):  # 0-based indices of the body's lines
            if lines[k].strip() == STUB:
                indent = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
                regions.append((k, node.end_lineno, indent))
                break
    if not regions:
        raise ValueError(f"no function in the exercise cell has a {STUB!r} line to hide")
    for start, end, indent in reversed(regions):  # bottom up: earlier indices stay valid
        lines[end:end] = [indent + END]
        lines[start:start] = [indent + BEGIN]
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def _cell_meta(grade_id: str, grade=False, solution=False, locked=False, points=None) -> dict:
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }
    if points is not None:
        meta["points"] = float(points)
    return meta


def _lines(text: str) -> list[str]:
    """A cell source as nbformat stores it: lines that keep their newline."""
    return text.splitlines(keepends=True)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m micrograd_nb.grading.nbgrader_cells",
        description="Add or refresh nbgrader cell metadata in exercise notebooks (in place).",
    )
    p.add_argument("notebooks", nargs="+", help="exercise notebooks (.ipynb)")
    p.add_argument("--exercises", metavar="FILE", help="an instructor's exercise file")
    args = p.parse_args(argv)
    try:
        known = catalogue(args.exercises)
    except ExerciseFileError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in map(Path, args.notebooks):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        try:
            add_metadata(notebook, known)
        except (ValueError, SyntaxError) as err:
            print(f"error: {path}: {err}", file=sys.stderr)
            return 2
        text = json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"
        if text != path.read_text(encoding="utf-8"):
            path.write_text(text, encoding="utf-8")
            print(f"updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
