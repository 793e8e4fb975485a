"""Instructors' own exercises: the declarative helpers, loading an exercise file, its errors."""

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from micrograd_nb.grading import (
    EXERCISES,
    CheckFailed,
    ExerciseFileError,
    check,
    core,
    exercise,
    gradient_test,
    load_exercises,
    reference_test,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "my_course.py"

GOOD = """
import numpy as np
def softplus_backward(x, grad):
    return grad / (1 + np.exp(-x))
def mse_loss(pred, target):
    return np.mean((pred - target) ** 2)
def mse_grad(pred, target):
    return 2 * (pred - target) / pred.size
"""
BAD = """
import numpy as np
def softplus_backward(x, grad):
    return np.exp(x) * grad
def mse_loss(pred, target):
    return np.sum((pred - target) ** 2)
def mse_grad(pred, target):
    return -2 * (pred - target) / pred.size
"""


def run(source: str) -> dict:
    namespace: dict = {}
    exec(textwrap.dedent(source), namespace)
    return namespace


# ---- the declarative helpers ---------------------------------------------------------------------
def test_gradient_test_oracle_is_the_hand_derived_gradient():
    """z = x·y, L = Σ grad·z: dL/dx = y·grad and dL/dy = x·grad."""
    test = gradient_test("mul_backward", [(2.0, 3.0, 1.0), (-1.5, 0.5, 2.0)], lambda x, y: x * y)
    cases = test.make_cases()
    assert [c.where for c in cases] == ["x=2, y=3, grad=1", "x=-1.5, y=0.5, grad=2"]
    for case in cases:
        x, y, g = case.args
        np.testing.assert_allclose(case.data["expected"], (y * g, x * g), rtol=1e-8)
    ex = exercise("mul", test)
    assert ex.functions == ("mul_backward",) and ex.max_score == 1.0
    right = core.run_in_process(ex, run("def mul_backward(x, y, grad): return y * grad, x * grad"))
    assert right[0].passed
    wrong = core.run_in_process(ex, run("def mul_backward(x, y, grad): return y, x"))
    assert wrong[0].score == 0
    # right at grad=1, wrong at grad=2: the first wrong case is reported
    assert wrong[0].feedback.startswith(
        "d/dx is wrong: numerical 1.0, yours 0.5 at x=-1.5, y=0.5, grad=2"
    )


def test_gradient_test_wrt_graded_and_named_mistakes():
    test = gradient_test(
        "pow_backward",
        lambda rng: [(2.0, 3.0, 1.0)] + [(rng.uniform(0.5, 2), 2.0, 1.0) for _ in range(2)],
        forward=lambda x, n: x**n,
        wrt=("x",),
        points=3,
        seed=7,
        mistakes=[(lambda x, n, g: x ** (n - 1) * g, "bring the exponent down")],
    )
    assert test.name == "pow_backward" and test.points == 3
    assert [c.args for c in test.make_cases()] == [c.args for c in test.make_cases()]  # seeded
    ex = exercise("pow", test, title="Power rule")
    results = core.run_in_process(
        ex, run("def pow_backward(x, n, grad): return x ** (n - 1) * grad")
    )
    assert results[0].feedback == (
        "d/dx is wrong: numerical 12.0, yours 4.0 at x=2, n=3, grad=1 — bring the exponent down"
    )
    assert core.run_in_process(
        ex, run("def pow_backward(x, n, grad): return n * x ** (n - 1) * grad")
    )[0].passed


def test_gradient_test_without_upstream_and_arrays():
    test = gradient_test(
        "grad_of_sum_of_squares",
        lambda rng: [(rng.normal(size=(2, 3)),)],
        forward=lambda w: np.sum(w**2),
        upstream=False,
    )
    (case,) = test.make_cases()
    np.testing.assert_allclose(case.data["expected"][0], 2 * case.args[0], rtol=1e-7)
    ex = exercise("sos", test)
    assert core.run_in_process(ex, run("def grad_of_sum_of_squares(w): return 2 * w"))[0].passed
    shape = core.run_in_process(ex, run("def grad_of_sum_of_squares(w): return (2 * w).T"))
    assert "has shape (3, 2) but should have shape (2, 3)" in shape[0].feedback


def test_reference_test_with_several_results_graded_one_at_a_time():
    def stats(x):
        return x.mean(), x.var()

    inputs = [(np.array([1.0, 2.0, 3.0, 6.0]),)]
    mean = reference_test("stats", inputs, stats, returns=("mean", "var"), graded="mean")
    var = reference_test(
        "stats",
        inputs,
        stats,
        returns=("mean", "var"),
        graded="var",
        points=2,
        mistakes=[(lambda x: (None, x.var(ddof=1)), "divide by N, not N − 1")],
    )
    assert (mean.name, var.name) == ("stats: mean", "stats: var")
    ex = exercise("stats", mean, var)
    results = core.run_in_process(ex, run("def stats(x): return x.mean(), x.var(ddof=1)"))
    assert [r.score for r in results] == [1.0, 0.0]
    assert results[1].feedback == (
        "var is wrong: expected 3.5, yours 4.66667 at x=array of shape (4,) — divide by N, not N − 1"
    )
    one = core.run_in_process(ex, run("def stats(x): return x.mean()"))
    assert "stats should return 2 values (a tuple), got a float64" in one[0].feedback


def test_helpers_reject_wrong_declarations_with_the_function_named():
    with pytest.raises(ValueError, match=r"gradient_test\('f'\): wrt names \['z'\].*\('x', 'y'\)"):
        gradient_test("f", [(1.0, 2.0, 1.0)], lambda x, y: x * y, wrt=("z",))
    with pytest.raises(ValueError, match=r"f: graded names \['dz'\]"):
        gradient_test("f", [(1.0, 1.0)], lambda x: x, graded="dz")
    with pytest.raises(TypeError, match=r"f: a mistake is \(wrong_function, hint\)"):
        reference_test("f", [(1.0,)], lambda x: x, mistakes=[("hint", lambda x: x)])
    with pytest.raises(TypeError, match="forward should be a Python function"):
        gradient_test("f", [(1.0, 1.0)], forward=3.0)


def test_builtin_exercises_are_made_with_the_same_helpers():
    """The declarative layer is the built-ins' path too (their test names and feedback unchanged)."""
    names = [t.name for t in EXERCISES["mul_pow"].tests]
    assert names == ["mul_backward: d/dx", "mul_backward: d/dy", "pow_backward: d/dx (x ** n)"]
    declared = [
        t for ex in EXERCISES.values() for t in ex.tests if t.judge.__module__.endswith("declare")
    ]
    assert len(declared) >= 10


# ---- an instructor's file --------------------------------------------------------------------
def test_example_file_loads_and_grades_correct_and_wrong_submissions(tmp_path):
    loaded = load_exercises(EXAMPLE)
    assert list(loaded) == ["softplus", "mse"]
    assert loaded["softplus"].max_score == 2 and loaded["mse"].functions == ("mse_loss", "mse_grad")
    for text, name in [(GOOD, "good.py"), (BAD, "bad.py")]:
        (tmp_path / name).write_text(text)
    cmd = [sys.executable, "-m", "micrograd_nb.grade", "--exercises", str(EXAMPLE)]
    good = subprocess.run(
        [*cmd, str(tmp_path / "good.py")], capture_output=True, text=True, timeout=120
    )
    assert good.returncode == 0 and "Score: 4/4" in good.stdout, good.stdout + good.stderr
    bad = subprocess.run(
        [*cmd, str(tmp_path / "bad.py"), "--json", str(tmp_path / "r.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Score: 0/4" in bad.stdout
    assert (
        "numerical 0.5, yours 1.0 at x=0, grad=1 — d/dx log(1 + eˣ) = eˣ / (1 + eˣ)" in bad.stdout
    )
    assert "mse_loss is wrong: expected" in bad.stdout and "average: mean, not sum" in bad.stdout
    assert "d/dpred is wrong" in bad.stdout and "the sign is flipped" in bad.stdout
    assert (tmp_path / "r.json").is_file()


def test_check_in_a_notebook_uses_the_same_file(capsys):
    report = check("mse", run(GOOD), exercises=EXAMPLE)
    assert report.passed and report.max_score == 2
    assert "All 2 checks passed" in capsys.readouterr().out
    report = check("softplus", run(BAD), exercises=str(EXAMPLE))
    assert not report.passed
    assert "divide by 1 + eˣ" in capsys.readouterr().out
    with pytest.raises(ValueError, match="unknown exercise 'softplus'"):
        check("softplus", run(GOOD))  # without the file only the built-ins are known


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "course.py"
    path.write_text(textwrap.dedent(text))
    return path


HEAD = "import numpy as np\nfrom micrograd_nb.grading import exercise, gradient_test, reference_test, Test\n"
BROKEN = [
    ("x = (\n", r"course\.py failed to load \(line 3\): SyntaxError"),
    (
        "EX = exercise('e', reference_test('f', [(1.0,)], lambda x: 1 / 0))\n",
        r"course\.py, exercise 'e': test 'f': drawing the inputs or computing the answer \(or a mistake\) raised "
        r"ZeroDivisionError: division by zero \(line 3 of course\.py\)",
    ),
    (
        "import micrograd_nb as mg\nEX = exercise('e', reference_test('f', [(mg.Tensor([1.0]),)], lambda x: 1.0))\n",
        r"course\.py, exercise 'e': test 'f': the arguments of case 1 .* cannot be passed to the "
        r"learner's process: a value of type Tensor",
    ),
    (
        "EX = exercise('e', reference_test('f', [], lambda x: x))\n",
        r"exercise 'e': test 'f': the inputs should be a non-empty list",
    ),
    (
        "from micrograd_nb.grading import Exercise\nt = reference_test('g', [(1.0,)], lambda x: x)\n"
        "EX = Exercise('e', 'E', '', ('f',), [t])\n",
        r"course\.py, exercise 'e': test 'g' calls 'g', which is not in functions \('f',\)",
    ),
    (
        "EX = exercise('e', reference_test('f', [(1.0,)], lambda x: x, points=float('nan')))\n",
        r"exercise 'e': test 'f': points should be a number",
    ),
    (
        "EX = exercise('mul_pow', reference_test('f', [(1.0,)], lambda x: x))\n",
        r"exercise 'mul_pow': a built-in exercise has this name",
    ),
    (
        "A = exercise('e', reference_test('f', [(1.0,)], lambda x: x))\nB = exercise('e', reference_test('f', [(1.0,)], lambda x: x))\n",
        r"two exercises are named 'e'",
    ),
    ("x = 1\n", r"course\.py defines no exercise"),
    ("EXERCISES = [1]\n", r"EXERCISES should hold Exercise objects, found a int"),
    (
        "EX = exercise('e', reference_test('f', [(1.0,)], lambda x: x,\n"
        "                                   mistakes=[(lambda x: x.shape, 'no shape')]))\n",
        r"exercise 'e': test 'f': .* raised AttributeError: 'float' object has no attribute "
        r"'shape' \(line 4 of course\.py\)",
    ),
    (
        "EX = exercise('my exercise', reference_test('f', [(1.0,)], lambda x: x))\n",
        r"an exercise name must be a word",
    ),
]


@pytest.mark.parametrize("body, message", BROKEN)
def test_a_broken_exercise_file_names_the_file_exercise_and_problem(tmp_path, body, message):
    path = write(tmp_path, HEAD + body)
    with pytest.raises(ExerciseFileError, match=message):
        load_exercises(path)


def test_cli_reports_a_broken_file_to_the_instructor(tmp_path):
    path = write(tmp_path, HEAD + BROKEN[1][0])
    sub = tmp_path / "sub.py"
    sub.write_text(GOOD)
    proc = subprocess.run(
        [sys.executable, "-m", "micrograd_nb.grade", str(sub), "--exercises", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "error: course.py, exercise 'e': test 'f'" in proc.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "micrograd_nb.grade", str(sub), "--exercises", "nope.py"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "nope.py: no such exercise file" in missing.stderr


# ---- check under nbgrader ----------------------------------------------------------------------
def test_check_raises_only_under_nbgrader_and_names_the_mistake(monkeypatch, capsys):
    wrong = run(
        "def mul_backward(x, y, grad): return x * grad, y * grad\n"
        "def pow_backward(x, n, grad): return n * x ** (n - 1) * grad"
    )
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert not check("mul_pow", wrong).passed  # interactively: friendly output, no exception
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(CheckFailed) as info:
        check("mul_pow", wrong)
    assert str(info.value).startswith(
        "mul_pow: 1 of 3 checks passed; mul_backward: d/dx: d/dx is wrong"
    )
    assert "x and y are swapped" in str(info.value)
    assert "✘ mul_backward: d/dx" in capsys.readouterr().out  # the friendly report is printed too
    monkeypatch.delenv("NBGRADER_EXECUTION")
    with pytest.raises(CheckFailed):
        check("mul_pow", wrong, raise_on_failure=True)


def test_under_nbgrader_warnings_do_not_reach_stderr(monkeypatch, capfd):
    """nbgrader gives a cell that wrote to stderr 0 points: a passing check must not warn."""
    noisy = run(
        textwrap.dedent("""
        import warnings
        def mul_backward(x, y, grad):
            warnings.warn("a learner's warning")
            return y * grad, x * grad
        def pow_backward(x, n, grad):
            return n * x ** (n - 1) * grad
    """)
    )
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert check("mul_pow", noisy).passed
    assert capfd.readouterr().err == ""
