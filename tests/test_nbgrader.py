"""The exercise notebooks in an nbgrader course: student version, autograding, the gradebook."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from micrograd_nb.grading import EXERCISES
from micrograd_nb.grading.nbgrader_cells import add_metadata, mark_solution

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = Path(__file__).resolve().parent / "exercise_solutions"
WRONG_MUL = """
def mul_backward(x, y, grad):
    return x * grad, y * grad


def pow_backward(x, n, grad):
    return n * x ** (n - 1) * grad
"""


def nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    # nbgrader runs the `alembic` command of its environment: put the venv's bin on PATH.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def exercise_cell(notebook: dict) -> dict:
    (cell,) = [c for c in notebook["cells"] if "exercise" in c["metadata"].get("tags", [])]
    return cell


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_every_exercise_notebook_carries_current_nbgrader_metadata(exercise):
    """`python -m micrograd_nb.grading.nbgrader_cells exercises/*.ipynb` changes nothing."""
    path = ROOT / "exercises" / EXERCISES[exercise].notebook
    notebook = json.loads(path.read_text())
    assert add_metadata(json.loads(path.read_text()), EXERCISES) == notebook
    meta = [c["metadata"].get("nbgrader") for c in notebook["cells"]]
    graded = [m for m in meta if m and m["grade"]]
    assert len(graded) == 1 and graded[0]["points"] == EXERCISES[exercise].max_score
    assert graded[0]["locked"] and not graded[0]["solution"]
    assert exercise_cell(notebook)["metadata"]["nbgrader"]["solution"]


def test_mark_solution_hides_only_the_stub_of_each_function():
    source = (
        'def given(a):\n    """kept"""\n    return a\n\n\n'
        'def todo(a):\n    """kept too"""\n    out = []\n    # YOUR CODE HERE\n    raise NotImplementedError\n'
    )
    marked = mark_solution(source)
    assert marked == source.replace(
        "    # YOUR CODE HERE\n    raise NotImplementedError\n",
        "    ### BEGIN SOLUTION\n    # YOUR CODE HERE\n    raise NotImplementedError\n"
        "    ### END SOLUTION\n",
    )
    assert mark_solution(marked) == marked
    with pytest.raises(ValueError, match="YOUR CODE HERE"):
        mark_solution("def f():\n    return 1\n")


def test_nbgrader_generates_the_student_version_and_autogrades_submissions(tmp_path):
    """A temporary course: one assignment, a correct and a wrong submission, scores read back."""
    course = tmp_path / "course"
    notebook = EXERCISES["mul_pow"].notebook
    (course / "source" / "ps1").mkdir(parents=True)
    shutil.copy(ROOT / "exercises" / notebook, course / "source" / "ps1" / notebook)
    (course / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(course)!r}\n"
        "c.CourseDirectory.course_id = 'micrograd'\n"
        "c.Execute.timeout = 120\n"
    )
    nbgrader(course, "generate_assignment", "ps1")

    released = json.loads((course / "release" / "ps1" / notebook).read_text())
    student_code = "".join(exercise_cell(released)["source"])
    assert "BEGIN SOLUTION" not in student_code
    assert 'def mul_backward(x, y, grad):\n    """Gradients' in student_code  # signature kept
    assert "    # YOUR CODE HERE\n    raise NotImplementedError()" in student_code

    for student, code in [("good", (SOLUTIONS / "mul_pow.py").read_text()), ("wrong", WRONG_MUL)]:
        filled = json.loads(json.dumps(released))
        exercise_cell(filled)["source"] = code
        folder = course / "submitted" / student / "ps1"
        folder.mkdir(parents=True)
        (folder / notebook).write_text(json.dumps(filled))
    nbgrader(course, "autograde", "ps1", "--create")

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {
            s: (
                gradebook.find_submission("ps1", s).score,
                gradebook.find_submission("ps1", s).max_score,
            )
            for s in ("good", "wrong")
        }
    assert scores == {"good": (3.0, 3.0), "wrong": (0.0, 3.0)}

    graded = json.loads((course / "autograded" / "wrong" / "ps1" / notebook).read_text())
    (check_cell,) = [c for c in graded["cells"] if "check" in c["metadata"].get("tags", [])]
    errors = [o for o in check_cell["outputs"] if o["output_type"] == "error"]
    assert errors and errors[0]["ename"] == "CheckFailed"
    assert "x and y are swapped" in errors[0]["evalue"]  # the feedback names the mistake
    streams = [o["text"] for o in check_cell["outputs"] if o["output_type"] == "stream"]
    printed = "".join("".join(t) if isinstance(t, list) else t for t in streams)
    assert "✘ mul_backward: d/dx" in printed and "1 of 3 checks passed" in printed

    nbgrader(course, "generate_feedback", "ps1")
    feedback = course / "feedback" / "wrong" / "ps1" / notebook.replace(".ipynb", ".html")
    assert "x and y are swapped" in feedback.read_text()
