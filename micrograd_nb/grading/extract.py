"""Get a learner's code out of a submission: a notebook (.ipynb) or a Python file (.py)."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

#: cells with one of these tags are not part of the learner's code
SKIP_TAGS = {"check", "demo", "skip-grade"}


class SubmissionError(ValueError):
    """The submission cannot be read (missing file, not a notebook, wrong extension)."""


@dataclass
class Source:
    """The learner's code, where each line came from, and the exercise named in the notebook."""

    text: str
    origin: list[str] = field(default_factory=list)  # per line: "cell 3, line 2" or "line 7"
    exercise: str | None = None  # from the notebook's metadata, when present

    def where(self, line: int) -> str:
        """'cell 3, line 2' for line `line` (1-based) of the combined code."""
        if 1 <= line <= len(self.origin):
            return self.origin[line - 1]
        return f"line {line}"


def read_submission(path: str | Path) -> Source:
    """The code of a .py file, or of a notebook's code cells minus check/demo cells and magics."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"no such file: {path}")
    try:
        raw = path.read_bytes().decode("utf-8", errors="replace")
    except OSError as err:
        raise SubmissionError(f"cannot read {path}: {err}") from None
    if path.suffix == ".py":
        lines = raw.splitlines()
        return Source(raw, [f"line {i + 1} of your code" for i in range(len(lines))])
    if path.suffix != ".ipynb":
        raise SubmissionError(f"{path.name}: expected a .ipynb notebook or a .py file")
    return notebook_source(raw)


def notebook_source(raw: str) -> Source:
    """Combine a notebook's code cells into one program (check cells and magics left out)."""
    try:
        notebook = json.loads(raw)
        cells = notebook["cells"]
    except (ValueError, KeyError, TypeError):
        raise SubmissionError("the notebook is not valid JSON notebook format (.ipynb)") from None
    meta = notebook.get("metadata", {}) if isinstance(notebook, dict) else {}
    exercise = meta.get("micrograd_nb", {}).get("exercise") if isinstance(meta, dict) else None
    lines: list[str] = []
    origin: list[str] = []
    number = 0
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        number += 1
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        tags = set(cell.get("metadata", {}).get("tags", []) or [])
        if tags & SKIP_TAGS or "micrograd_nb.grading" in source:
            continue
        for k, line in enumerate(source.splitlines()):
            # IPython magics and shell escapes are not Python: keep the line count, drop the code.
            if re.match(r"\s*[%!]", line):
                line = "# " + line
            lines.append(line)
            origin.append(f"code cell {number}, line {k + 1}")
        lines.append("")
        origin.append(f"code cell {number}, end")
    return Source("\n".join(lines) + "\n", origin, exercise if isinstance(exercise, str) else None)


def defined_names(text: str) -> set[str]:
    """Top-level names a program defines (functions, classes, assignments)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        # A syntax error is reported when the code runs; here find the defs anyway.
        return set(re.findall(r"^(?:def|class)\s+(\w+)", text, flags=re.M))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names
