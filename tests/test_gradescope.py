"""The Gradescope bundle: build it, install it in a fresh venv, grade submissions as Gradescope does."""

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from micrograd_nb.grading import EXERCISES
from micrograd_nb.grading.gradescope import VISIBILITIES, bundle_main

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = Path(__file__).resolve().parent / "exercise_solutions"
EXAMPLE = ROOT / "examples" / "my_course.py"
SOFTPLUS_GOOD = (
    "import numpy as np\ndef softplus_backward(x, grad):\n    return grad / (1 + np.exp(-x))\n"
)
SOFTPLUS_WRONG = (
    "import numpy as np\ndef softplus_backward(x, grad):\n    return np.exp(x) * grad\n"
)
MUL_WRONG = (
    "def mul_backward(x, y, grad):\n    return x * grad, y * grad\n\n"
    "def pow_backward(x, n, grad):\n    return n * x ** (n - 1) * grad\n"
)
TESTS = [f"mul_pow: {t.name}" for t in EXERCISES["mul_pow"].tests] + ["softplus: softplus_backward"]
MAX_SCORES = [1.0, 1.0, 1.0, 2.0]


def test_bundle_rejects_unknown_names_and_visibilities(tmp_path, capsys):
    out = str(tmp_path / "a.zip")
    assert bundle_main(["--exercise", "nope", "-o", out, "--wheel", "x.whl"]) == 2
    assert "unknown exercise nope" in capsys.readouterr().err
    assert bundle_main(["--visibility", "secret", "-o", out, "--wheel", "x.whl"]) == 2
    assert "visibility 'secret' is not one of visible, hidden" in capsys.readouterr().err
    args = ["--exercise", "mul_pow", "--visibility", "init=hidden", "-o", out, "--wheel", "x.whl"]
    assert bundle_main(args) == 2
    assert "names init, which the bundle does not grade" in capsys.readouterr().err
    assert not Path(out).exists()


def python_that_reuses_the_test_packages(tmp_path: Path) -> Path:
    """A `python3` for setup.sh whose new venv also sees this environment's packages (not ours).

    setup.sh then resolves the dependencies as installed and installs only micrograd_nb from the
    bundle's wheel: the test checks the bundle, not how fast PyPI serves scipy.
    """
    deps = tmp_path / "deps"
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if not entry.name.lower().startswith(("micrograd_nb", "__editable__")):
            (deps / entry.name).symlink_to(entry)
    wrapper = tmp_path / "python3"
    wrapper.write_text(
        "#!/bin/sh\n"
        f'"{sys.executable}" "$@" || exit $?\n'
        'if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then\n'
        f'  for d in "$3"/lib/python*/site-packages; do echo "{deps}" > "$d/test-deps.pth"; done\n'
        "fi\n"
    )
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture(scope="module")
def autograder(tmp_path_factory):
    """The bundle for mul_pow (visible) and the example's softplus (hidden), set up in a temp root."""
    tmp = tmp_path_factory.mktemp("gradescope")
    bundle = tmp / "autograder.zip"
    args = ["--exercise", "mul_pow", "--exercise", "softplus", "--exercises", str(EXAMPLE)]
    args += ["--visibility", "after_published", "--visibility", "mul_pow=visible"]
    args += ["--visibility", "softplus=hidden", "--timeout", "3", "-o", str(bundle)]
    assert bundle_main(args) == 0
    with zipfile.ZipFile(bundle) as zf:
        names = zf.namelist()
        modes = {i.filename: i.external_attr >> 16 for i in zf.infolist()}
        root = tmp / "autograder"
        zf.extractall(root / "source")
    assert {"setup.sh", "run_autograder", "my_course.py"} <= set(names)
    assert any(n.startswith("micrograd_nb-") and n.endswith(".whl") for n in names)
    assert modes["setup.sh"] & 0o111 and modes["run_autograder"] & 0o111
    for script in ("setup.sh", "run_autograder"):
        (root / "source" / script).chmod(0o755)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root)}
    env["PYTHON"] = str(python_that_reuses_the_test_packages(tmp))
    setup = subprocess.run(
        ["bash", str(root / "source" / "setup.sh")], cwd=root, env=env, capture_output=True, text=True,
        timeout=600,
    )  # fmt: skip
    assert setup.returncode == 0, setup.stderr
    fresh = root / "venv" / "bin" / "python"
    where = subprocess.run(
        [str(fresh), "-c", "import micrograd_nb; print(micrograd_nb.__file__)"],
        cwd=root, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(root / "venv"))  # the wheel's copy, not the checkout
    # Gradescope copies run_autograder to the root and runs it from there.
    (root / "run_autograder").write_bytes((root / "source" / "run_autograder").read_bytes())
    (root / "run_autograder").chmod(0o755)

    def grade(files: dict[str, str]) -> dict:
        submission = root / "submission"
        if submission.exists():
            for p in sorted(submission.rglob("*"), reverse=True):
                p.rmdir() if p.is_dir() else p.unlink()
        submission.mkdir(exist_ok=True)
        for name, text in files.items():
            (submission / name).parent.mkdir(parents=True, exist_ok=True)
            (submission / name).write_text(text)
        results = root / "results" / "results.json"
        if results.exists():
            results.unlink()
        proc = subprocess.run(
            [str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True,
            timeout=600,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        data = json.loads(results.read_text())
        validate(data)
        return data

    grade.root = root
    return grade


def validate(data: dict) -> None:
    """Every field Gradescope reads, with its type."""
    assert set(data) == {
        "score",
        "execution_time",
        "output",
        "visibility",
        "stdout_visibility",
        "tests",
    }
    assert isinstance(data["score"], float) and isinstance(data["execution_time"], float)
    assert data["execution_time"] >= 0 and isinstance(data["output"], str)
    assert data["visibility"] == "after_published" and data["stdout_visibility"] == "hidden"
    assert [t["name"] for t in data["tests"]] == TESTS
    assert [t["max_score"] for t in data["tests"]] == MAX_SCORES
    for t in data["tests"]:
        assert set(t) == {"name", "score", "max_score", "output", "visibility"}
        assert isinstance(t["score"], float) and isinstance(t["max_score"], float)
        assert 0 <= t["score"] <= t["max_score"] and isinstance(t["output"], str) and t["output"]
        assert t["visibility"] in VISIBILITIES
    assert [t["visibility"] for t in data["tests"]] == ["visible"] * 3 + ["hidden"]
    assert data["score"] == sum(t["score"] for t in data["tests"])


def solved_notebook() -> str:
    book = json.loads((ROOT / "exercises" / EXERCISES["mul_pow"].notebook).read_text())
    for cell in book["cells"]:
        if "exercise" in cell["metadata"].get("tags", []):
            cell["source"] = (SOLUTIONS / "mul_pow.py").read_text()
    return json.dumps(book)


def test_correct_submission_scores_full_marks(autograder):
    data = autograder({"01_mul_pow.ipynb": solved_notebook(), "softplus.py": SOFTPLUS_GOOD})
    assert data["score"] == 5.0 and [t["score"] for t in data["tests"]] == MAX_SCORES
    assert "mul_pow: graded 01_mul_pow.ipynb, 3/3 points" in data["output"]
    assert "softplus: graded softplus.py" in data["output"]


def test_wrong_submission_feedback_and_a_hidden_test_keeps_its_feedback_hidden(autograder):
    data = autograder({"work/answers.py": MUL_WRONG + SOFTPLUS_WRONG})
    scores = [t["score"] for t in data["tests"]]
    assert scores == [0.0, 0.0, 1.0, 0.0] and data["score"] == 1.0  # d/dx, d/dy swapped
    assert "x and y are swapped" in data["tests"][0]["output"]
    hidden = data["tests"][3]["output"]
    assert "divide by 1 + eˣ" in hidden  # for the instructor, in a test students never see
    assert "divide by 1 + eˣ" not in data["output"] and "0/2" not in data["output"]
    assert "mul_pow: graded work/answers.py, 1/3 points" in data["output"]
    assert "softplus: graded work/answers.py" in data["output"]


def test_hostile_submission_scores_nothing_and_cannot_write_results(autograder):
    hostile = f"""
import os, sys
try:  # files cannot grow in the learner's process; results.json is written after grading
    open({str(autograder.root / "results" / "results.json")!r}, "w").write('{{"score": 1000}}')
except OSError:
    pass
print('{{"score": 1000, "tests": []}}')
def mul_backward(x, y, grad):
    while True:
        pass
def pow_backward(x, n, grad):
    os._exit(0)
def softplus_backward(x, grad):
    return object()
"""
    data = autograder({"hostile.py": hostile})
    assert data["score"] == 0.0 and all(t["score"] == 0 for t in data["tests"])
    assert "timed out after 3 s" in data["tests"][0]["output"]
    assert "exited with code 0" in data["tests"][2]["output"]  # os._exit in pow_backward
    assert "unsupported value" in data["tests"][3]["output"]


def test_empty_submission_gets_every_test_with_zero(autograder):
    data = autograder({})
    assert data["score"] == 0.0
    assert "no submitted file defines mul_backward, pow_backward" in data["tests"][0]["output"]
    assert "mul_pow: graded nothing submitted, 0/3 points" in data["output"]
    unreadable = autograder({"notes.ipynb": "{not json", "README.md": "hello"})
    assert unreadable["score"] == 0.0


def test_a_grader_failure_still_writes_results_json(tmp_path, capsys):
    from micrograd_nb.grading.gradescope import main

    (tmp_path / "source").mkdir()  # no bundle configuration: the run itself fails
    assert main(["run", str(tmp_path)]) == 1
    data = json.loads((tmp_path / "results" / "results.json").read_text())
    assert data["score"] == 0.0 and data["tests"] == []
    assert "FileNotFoundError" in capsys.readouterr().out and "Traceback" not in data["output"]
