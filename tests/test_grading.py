"""Tests of micrograd_nb.grading: exercise checks, wrong-solution feedback, the sandboxed autograder."""

import contextlib
import io
import json
import os
import runpy
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from micrograd_nb.grading import EXERCISES, check, confine, core, sandbox
from micrograd_nb.grading.sandbox import Limits
from micrograd_nb.grading.submission import grade

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = Path(__file__).resolve().parent / "exercise_solutions"


def solution_namespace(exercise: str) -> dict:
    return runpy.run_path(str(SOLUTIONS / f"{exercise}.py"))


def test_there_are_at_least_12_exercises_each_with_a_solution_and_notebook():
    assert len(EXERCISES) >= 12
    for name, exercise in EXERCISES.items():
        assert (SOLUTIONS / f"{name}.py").is_file(), name
        assert (ROOT / "exercises" / exercise.notebook).is_file(), exercise.notebook


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_reference_solution_scores_full_marks(exercise):
    results = core.run_in_process(EXERCISES[exercise], solution_namespace(exercise))
    assert results and all(r.passed for r in results), [r.feedback for r in results]


# ---- the catalogue of typical wrong solutions ---------------------------------------------------
# (exercise, wrong code replacing the reference's function(s), failing test, words in the feedback)
WRONG = [
    (
        "mul_pow",
        "def mul_backward(x, y, grad): return x * grad, y * grad",
        "mul_backward: d/dx",
        ["d/dx is wrong", "numerical 3.0, yours 2.0 at x=2, y=3", "swapped"],
    ),
    (
        "mul_pow",
        "def mul_backward(x, y, grad): return y, x",
        "mul_backward: d/dx",
        ["d/dx is wrong", "upstream gradient"],
    ),
    (
        "mul_pow",
        "def pow_backward(x, n, grad): return x ** (n - 1) * grad",
        "pow_backward",
        ["d/dx is wrong: numerical 12.0, yours 4.0 at x=2, n=3", "exponent down"],
    ),
    (
        "mul_pow",
        "def pow_backward(x, n, grad): return -n * x ** (n - 1) * grad",
        "pow_backward",
        ["d/dx is wrong", "sign is flipped"],
    ),
    (
        "tanh_sigmoid",
        "def tanh_backward(x, grad): return (1 - x ** 2) * grad",
        "tanh_backward",
        ["tanh_backward is wrong", "numerical", "use tanh(x)"],
    ),
    (
        "tanh_sigmoid",
        "import numpy as np\ndef sigmoid_backward(x, grad):\n s = 1 / (1 + np.exp(-x))\n return s * (1 - s)",
        "sigmoid_backward",
        ["sigmoid_backward is wrong", "upstream gradient"],
    ),
    (
        "chain_rule",
        textwrap.dedent("""
        def backward(order, edges, output):
            grads = {n: 0.0 for n in order}
            grads[output] = 1.0
            for node in reversed(order):
                for parent, local in edges.get(node, []):
                    grads[parent] = local * grads[node]
            return grads
        """),
        "a value used twice",
        ["dL/da is wrong", "numerical", "`+=`, not `=`"],
    ),
    (
        "chain_rule",
        textwrap.dedent("""
        def backward(order, edges, output):
            grads = {n: 0.0 for n in order}
            grads[output] = 1.0
            for node in order:
                for parent, local in edges.get(node, []):
                    grads[parent] += local * grads[node]
            return grads
        """),
        "curriculum example",
        ["dL/ds is wrong: numerical 160.0, yours 0.0", "reverse topological order"],
    ),
    (
        "topological_sort",
        textwrap.dedent("""
        def topological_sort(root, parents):
            order, seen = [], set()
            def visit(n):
                if n in seen:
                    return
                seen.add(n)
                for p in parents.get(n, []):
                    visit(p)
                order.append(n)
            visit(root)
            return order
        """),
        "deep chain",
        ["RecursionError", "explicit stack"],
    ),
    (
        "topological_sort",
        textwrap.dedent("""
        def topological_sort(root, parents):
            order, stack = [], [(root, False)]
            while stack:
                node, done = stack.pop()
                if done:
                    order.append(node)
                    continue
                stack.append((node, True))
                stack.extend((p, False) for p in parents.get(node, []))
            return order
        """),
        "shared node appears once",
        ["appear more than once", "visited"],
    ),
    (
        "topological_sort",
        textwrap.dedent("""
        def topological_sort(root, parents):
            order, seen, stack = [], {root}, [root]
            while stack:
                node = stack.pop()
                order.append(node)
                for p in parents.get(node, []):
                    if p not in seen:
                        seen.add(p)
                        stack.append(p)
            return order
        """),
        "curriculum graph",
        ["comes before its parent"],
    ),
    (
        "numerical_gradient",
        textwrap.dedent("""
        import numpy as np
        def numerical_gradient(f, x, eps=1e-5):
            g = np.zeros_like(x)
            for i in np.ndindex(x.shape):
                old = x[i]; x[i] = old + eps; fp = f(x); x[i] = old
                g[i] = (fp - f(x)) / eps
            return g
        """),
        "centred",
        ["numerical_gradient is wrong", "exact", "one-sided"],
    ),
    (
        "numerical_gradient",
        textwrap.dedent("""
        import numpy as np
        def numerical_gradient(f, x, eps=1e-5):
            g = np.zeros_like(x)
            for i in np.ndindex(x.shape):
                old = x[i]; x[i] = old + eps; fp = f(x); x[i] = old - eps; fm = f(x); x[i] = old
                g[i] = (fp - fm) / eps
            return g
        """),
        "Σx²",
        ["numerical_gradient is wrong", "divide by 2ε"],
    ),
    (
        "numerical_gradient",
        textwrap.dedent("""
        import numpy as np
        def numerical_gradient(f, x, eps=1e-5):
            g = np.zeros_like(x)
            for i in np.ndindex(x.shape):
                x[i] += eps; fp = f(x); x[i] -= 2 * eps; fm = f(x)
                g[i] = (fp - fm) / (2 * eps)
            return g
        """),
        "Σx²",
        ["changed x", "put each element back"],
    ),
    (
        "dual_numbers",
        "def dual_mul(a, b): return a[0] * b[0], a[1] * b[1]",
        "dual_mul",
        ["the tangent of dual_mul is wrong: numerical 3.0, yours 0.0", "product rule"],
    ),
    (
        "dual_numbers",
        "def dual_div(a, b): return a[0] / b[0], (a[1] * b[0] + a[0] * b[1]) / b[0] ** 2",
        "dual_div",
        ["the tangent of dual_div is wrong", "quotient rule subtracts"],
    ),
    (
        "linear_backward",
        "def linear_backward(x, W, b, gy): return gy @ W, x.T @ gy, gy.sum(axis=0)",
        "dW",
        ["dW has shape (3, 2) but should have shape (2, 3)", "transposed"],
    ),
    (
        "linear_backward",
        "def linear_backward(x, W, b, gy): return gy @ W, gy.T @ x, gy",
        "db",
        ["db has shape (1, 2) but should have shape (2,)", "sum the gradient over the axes"],
    ),
    (
        "linear_backward",
        "def linear_backward(x, W, b, gy): return gy @ W, gy.T @ x / len(x), gy.sum(axis=0)",
        "dW",
        ["dW is wrong", "do not average"],
    ),
    (
        "broadcasting",
        "def sum_to_shape(grad, shape): return grad",
        "sum_to_shape",
        [
            "sum_to_shape has shape (3, 4) but should have shape (4,)",
            "sum the gradient over the axes",
        ],
    ),
    (
        "broadcasting",
        "def sum_to_shape(grad, shape): return grad.sum(axis=tuple(range(grad.ndim - len(shape))))",
        "sum_to_shape",
        ["has shape (3, 4) but should have shape (3, 1)"],
    ),
    (
        "softmax_cross_entropy",
        textwrap.dedent("""
        import numpy as np
        def softmax_cross_entropy(z, y):
            n = len(y)
            p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
            loss = -np.log(p[np.arange(n), y]).mean()
            d = p.copy(); d[np.arange(n), y] -= 1
            return loss, d / n
        """),
        "logits ~1000",
        ["contains nan/inf", "Subtract each row's maximum"],
    ),
    (
        "softmax_cross_entropy",
        textwrap.dedent("""
        import numpy as np
        def softmax_cross_entropy(z, y):
            n = len(y)
            s = z - z.max(axis=1, keepdims=True)
            p = np.exp(s) / np.exp(s).sum(axis=1, keepdims=True)
            d = p.copy(); d[np.arange(n), y] -= 1
            return -np.log(p[np.arange(n), y]).mean(), d
        """),
        "dlogits = (p − onehot)/N",
        ["dlogits is wrong", "numerical", "divide by the batch size N"],
    ),
    (
        "max_relu",
        "def relu_backward(x, grad): return grad * (grad > 0)",
        "relu_backward",
        ["relu_backward is wrong", "from the input x"],
    ),
    (
        "max_relu",
        "import numpy as np\ndef max_backward(x, grad): return np.ones_like(x) * grad[:, None]",
        "max_backward",
        ["max_backward is wrong at index (0, 0): numerical 0.0, yours 2.0", "largest element only"],
    ),
    (
        "clip_grad_norm",
        textwrap.dedent("""
        import numpy as np
        def clip_grad_norm(grads, max_norm):
            total = np.sqrt(sum((g * g).sum() for g in grads))
            return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads], total
        """),
        "global, not per tensor",
        ["clipped gradient 0 is wrong", "global norm"],
    ),
    (
        "clip_grad_norm",
        textwrap.dedent("""
        import numpy as np
        def clip_grad_norm(grads, max_norm):
            total = np.sqrt(sum((g * g).sum() for g in grads))
            return [g * max_norm / total for g in grads], total
        """),
        "unchanged below max_norm",
        ["never scale gradients up"],
    ),
    (
        "init",
        "import numpy as np\ndef he_std(fan_in, fan_out): return np.sqrt(2 / fan_out)",
        "he_std",
        ["he_std is wrong", "fan_in, not fan_out"],
    ),
    (
        "init",
        "import numpy as np\ndef xavier_std(fan_in, fan_out): return np.sqrt(1 / (fan_in + fan_out))",
        "xavier_std",
        ["xavier_std is wrong", "factor 2 is missing"],
    ),
    (
        "init",
        textwrap.dedent("""
        import numpy as np
        def init_weight(fan_in, fan_out, kind, seed):
            std = np.sqrt(2 / fan_out) if kind == "he" else np.sqrt(2 / (fan_in + fan_out))
            return np.random.default_rng(seed).normal(0, std, size=(fan_out, fan_in))
        """),
        "init_weight",
        ["std", "fan_in, not fan_out"],
    ),
    (
        "init",
        textwrap.dedent("""
        import numpy as np
        def init_weight(fan_in, fan_out, kind, seed):
            return np.random.default_rng(seed).normal(0, np.sqrt(2 / fan_in), size=(fan_in, fan_out))
        """),
        "init_weight",
        ["shape (600, 200)", "transposed"],
    ),
    (
        "loss_scaling",
        textwrap.dedent("""
        def update_scale(scale, tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
            if found_inf:
                return scale * backoff_factor, 0
            tracker += 1
            if tracker == growth_interval:
                return scale * growth_factor, tracker
            return scale, tracker
        """),
        "update_scale",
        ["growth_tracker is wrong", "reset growth_tracker to 0 after growing"],
    ),
    (
        "loss_scaling",
        textwrap.dedent("""
        def update_scale(scale, tracker, found_inf, growth_factor=2.0, backoff_factor=0.5, growth_interval=2000):
            if found_inf:
                return scale * backoff_factor, 0
            if tracker == growth_interval:
                return scale * growth_factor, 0
            return scale, tracker + 1
        """),
        "update_scale",
        ["the new scale is wrong: expected 131072.0, yours 65536.0", "count this step first"],
    ),
    (
        "loss_scaling",
        textwrap.dedent("""
        import numpy as np
        def unscale(grads, scale):
            return [g / scale for g in grads], any(np.isinf(g).any() for g in grads)
        """),
        "unscale",
        ["found_inf is False, expected True", "np.isinf misses NaN"],
    ),
    (
        "loss_scaling",
        textwrap.dedent("""
        def scaled_sgd_step(params, grads, lr, scale, tracker):
            unscaled, found_inf = unscale(grads, scale)
            params = [p - lr * g for p, g in zip(params, unscaled)]
            return (params, *update_scale(scale, tracker, found_inf))
        """),
        "scaled_sgd_step",
        ["skip the step"],
    ),
]


def test_the_catalogue_is_large_enough():
    assert len(WRONG) >= 20


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # overflow in the unstable softmax
@pytest.mark.parametrize(
    "exercise, code, failing, words", WRONG, ids=[f"{w[0]}-{i}" for i, w in enumerate(WRONG)]
)
def test_wrong_solution_loses_marks_with_specific_feedback(exercise, code, failing, words):
    namespace = solution_namespace(exercise)
    exec(compile(code, "<submission>", "exec"), namespace)
    results = core.run_in_process(EXERCISES[exercise], namespace)
    assert sum(r.score for r in results) < sum(r.max_score for r in results)
    failed = [r for r in results if not r.passed and failing in r.name]
    assert failed, [(r.name, r.feedback) for r in results]
    for word in words:
        assert word in failed[0].feedback, failed[0].feedback


def test_check_prints_feedback_and_reports(capsys):
    namespace = solution_namespace("mul_pow")
    report = check("mul_pow", namespace)
    assert report.passed and report.score == report.max_score == 3
    assert "All 3 checks passed" in capsys.readouterr().out
    exec("def mul_backward(x, y, grad): return 2.0, 2.0", namespace)
    report = check("mul_pow", namespace)
    out = capsys.readouterr().out
    assert not report.passed
    assert "d/dy is wrong: numerical 2.0, yours 2.0" not in out
    assert (
        "✘ mul_backward: d/dx\n    d/dx is wrong: numerical 3.0, yours 2.0 at x=2, y=3, grad=1"
        in out
    )


def test_check_reports_a_stub_as_not_implemented(capsys):
    def mul_backward(x, y, grad):
        raise NotImplementedError

    report = check("mul_pow", {"mul_backward": mul_backward})
    out = capsys.readouterr().out
    assert not report.passed and report.score == 0
    assert "mul_backward is not implemented yet" in out
    assert "pow_backward is not defined" in out


# ---- the autograder (separate processes) --------------------------------------------------------
def all_solutions(tmp_path) -> Path:
    path = tmp_path / "solutions.py"
    path.write_text("\n\n".join((SOLUTIONS / f"{n}.py").read_text() for n in EXERCISES))
    return path


def run_grader(*args: str, timeout: float, cwd=None) -> subprocess.CompletedProcess:
    """`python -m micrograd_nb.grade ARGS` in a child process, its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "micrograd_nb.grade", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
    )


def test_cli_grades_every_reference_solution_full_marks_with_gradescope_json(tmp_path):
    out = tmp_path / "results.json"
    proc = run_grader(str(all_solutions(tmp_path)), "--json", str(out), timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    total = sum(e.max_score for e in EXERCISES.values())
    assert data["score"] == data["max_score"] == total
    assert len(data["tests"]) == sum(len(e.tests) for e in EXERCISES.values())
    for t in data["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output"}
        assert t["score"] == t["max_score"]
    assert f"Score: {total:g}/{total:g}" in proc.stdout


def test_cli_exercise_option_and_wrong_solution_feedback(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text(
        "def mul_backward(x, y, grad):\n    return y * grad, y * grad\n\n"
        + (SOLUTIONS / "tanh_sigmoid.py").read_text()
    )
    out = tmp_path / "r.json"
    proc = run_grader(str(path), "--exercise", "mul_pow", "--json", str(out), timeout=60)
    data = json.loads(out.read_text())
    assert data["max_score"] == 3  # only mul_pow, although tanh_sigmoid is there too
    by_name = {t["name"]: t for t in data["tests"]}
    assert by_name["mul_pow: mul_backward: d/dx"]["score"] == 1
    assert (
        "d/dy is wrong: numerical 2.0, yours 3.0 at x=2, y=3, grad=1"
        in by_name["mul_pow: mul_backward: d/dy"]["output"]
    )
    assert (
        "pow_backward is not defined" in by_name["mul_pow: pow_backward: d/dx (x ** n)"]["output"]
    )
    assert "d/dy is wrong" in proc.stdout


def sandboxed(tmp_path, code: str, extra: str = "", **limits):
    path = tmp_path / "submission.py"
    path.write_text(textwrap.dedent(code) + extra)
    results, _ = grade(
        str(path), ["mul_pow"], Limits(**{"timeout": 1.5, "load_timeout": 20, **limits})
    )
    return {r.name.split(":")[1].strip() if ":" in r.name else r.name: r for r in results}


GOOD_POW = "\ndef pow_backward(x, n, grad):\n    return n * x ** (n - 1) * grad\n"


def test_infinite_loop_times_out_and_the_other_tests_still_run(tmp_path):
    results = sandboxed(
        tmp_path, "def mul_backward(x, y, grad):\n    while True:\n        pass\n" + GOOD_POW
    )
    assert results["d/dx"].score == 0 and "timed out after 1.5 s" in results["d/dx"].feedback
    assert results["d/dy"].score == 0 and "timed out" in results["d/dy"].feedback
    assert results["d/dx (x ** n)"].passed


def test_sys_exit_and_os_exit_are_contained(tmp_path):
    code = "import os, sys\ndef mul_backward(x, y, grad):\n    sys.exit(3)\ndef pow_backward(x, n, grad):\n    os._exit(0)\n"
    results = sandboxed(tmp_path, code)
    assert "called sys.exit(3)" in results["d/dx"].feedback
    assert "exited with code 0" in results["d/dx (x ** n)"].feedback
    assert all(r.score == 0 for r in results.values())


def test_unbounded_allocation_is_contained(tmp_path):
    code = """
        import numpy as np
        def mul_backward(x, y, grad):
            hoard = []
            while True:
                hoard.append(bytearray(50 * 2**20))
        def pow_backward(x, n, grad):
            return np.ones((10**6, 10**6))
        """
    results = sandboxed(tmp_path, code, memory_mb=512, timeout=5)
    assert "MemoryError" in results["d/dx"].feedback
    assert "MemoryError" in results["d/dx (x ** n)"].feedback


def test_megabytes_of_prints_do_not_disturb_grading(tmp_path):
    code = """
        import os
        def mul_backward(x, y, grad):
            print("x" * 10**7)
            os.write(1, b"y" * 10**6)
            return y * grad, x * grad
        """
    results = sandboxed(tmp_path, code, GOOD_POW)
    assert all(r.passed for r in results.values())
    assert "printed 50000005 characters" in results["d/dx"].output
    assert len(results["d/dx"].output) < 300


@pytest.fixture
def watched_file(tmp_path, monkeypatch):
    """A stand-in for a grader file, watched like the real ones (the real ones stay untouched)."""
    target = tmp_path / "checker_copy.py"
    target.write_text("EXERCISE = 'original'\n")
    monkeypatch.setattr(sandbox, "grader_files", lambda: [target])
    return target


def test_tampering_with_the_checker_changes_nothing(tmp_path, watched_file):
    outside = tmp_path / "written.txt"
    code = f"""
        import numpy as np, sys
        np.allclose = lambda *a, **k: True
        import micrograd_nb.grading.core as core
        core.judge_test = lambda *a, **k: None
        for module in list(sys.modules.values()):
            for name in ("expect_close", "judge_test", "Wrong"):
                if hasattr(module, name):
                    setattr(module, name, None)
        for path in ({str(watched_file)!r},):
            try:
                with open(path, "a") as f:
                    f.write("EXERCISE.tests.clear()")
            except OSError:
                pass
        try:
            open({str(outside)!r}, "w").write("data")
        except OSError:
            pass
        def mul_backward(x, y, grad):
            return 0.0, 0.0
        def pow_backward(x, n, grad):
            return 0.0
        """
    results = sandboxed(tmp_path, code)
    assert len(results) == 3 and all(r.score == 0 for r in results.values())
    assert "d/dx is wrong: numerical 3.0, yours 0.0" in results["d/dx"].feedback
    assert watched_file.read_text() == "EXERCISE = 'original'\n"  # appending failed: EFBIG
    assert not outside.exists() or outside.read_text() == ""


def test_rewritten_checker_file_is_restored_or_never_touched(tmp_path, watched_file):
    code = f"""
        open({str(watched_file)!r}, "w").close()   # truncation: the file-size limit allows it
        def mul_backward(x, y, grad):
            return y * grad, x * grad
        """
    results = sandboxed(tmp_path, code, GOOD_POW)
    assert watched_file.read_text() == "EXERCISE = 'original'\n"
    assert all(r.score == 0 for r in results.values())
    if os.geteuid() == 0 or confine.landlock_abi() >= 1:  # the file cannot even be opened
        assert all("PermissionError" in r.feedback for r in results.values())
    else:  # truncated, then put back by the grader
        assert all("changed the grader's files" in r.feedback for r in results.values())


def test_unpicklable_and_hostile_return_values(tmp_path):
    code = """
        class Evil:
            def __reduce__(self):
                import os
                return (os.system, ("touch pwned",))
        def mul_backward(x, y, grad):
            return Evil(), Evil()
        """
    results = sandboxed(tmp_path, code, GOOD_POW)
    assert "returned an unsupported value: a value of type Evil" in results["d/dx"].feedback
    assert results["d/dx (x ** n)"].passed


def test_errors_while_loading(tmp_path):
    results = sandboxed(tmp_path, "def mul_backward(x, y, grad)\n    return 1\n")
    assert all("SyntaxError" in r.feedback and "line 1" in r.feedback for r in results.values())
    results = sandboxed(tmp_path, "while True:\n    pass\n", load_timeout=1.0)
    assert all("did not finish loading within 1 s" in r.feedback for r in results.values())
    results = sandboxed(tmp_path, "import sys\nsys.exit(0)\n")
    assert all("SystemExit" in r.feedback for r in results.values())


def test_no_exercise_found_and_unreadable_submission(tmp_path):
    path = tmp_path / "empty.py"
    path.write_text("x = 1\n")
    results, _ = grade(str(path))
    assert results[0].score == 0 and "no exercise function found" in results[0].feedback
    bad = tmp_path / "broken.ipynb"
    bad.write_text("{not json")
    results, _ = grade(str(bad))
    assert results[0].score == 0 and "not valid" in results[0].feedback


# ---- the exercise notebooks ----------------------------------------------------------------------
def notebook_cells(exercise: str) -> list:
    return json.loads((ROOT / "exercises" / EXERCISES[exercise].notebook).read_text())["cells"]


def run_notebook(exercise: str, solved: bool) -> str:
    """Execute a notebook's code cells in order (stub or reference solution); the check's output."""
    namespace: dict = {}
    check_output = None
    for cell in notebook_cells(exercise):
        if cell["cell_type"] != "code":
            continue
        tags = cell["metadata"].get("tags", [])
        source = "".join(cell["source"])
        if "exercise" in tags and solved:
            source = (SOLUTIONS / f"{exercise}.py").read_text()
        if "demo" in tags and not solved:
            continue  # a demo calls the learner's functions, which a stub does not have yet
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile(source, f"<cell {exercise}>", "exec"), namespace)
        if "check" in tags:
            check_output = buffer.getvalue()
    assert check_output is not None, f"{exercise}: no cell tagged 'check'"
    return check_output


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_exercise_notebook_passes_with_solution_and_fails_with_stub(exercise):
    n_tests = len(EXERCISES[exercise].tests)
    assert f"All {n_tests} checks passed" in run_notebook(exercise, solved=True)
    stub = run_notebook(exercise, solved=False)
    assert f"0 of {n_tests} checks passed" in stub
    assert "is not implemented yet" in stub


@pytest.mark.parametrize("exercise", sorted(EXERCISES))
def test_exercise_notebook_layout(exercise):
    cells = notebook_cells(exercise)
    tags = [t for c in cells for t in c["metadata"].get("tags", [])]
    assert tags.count("exercise") == 1 and tags.count("check") == 1
    assert all(not c.get("outputs") for c in cells if c["cell_type"] == "code")  # committed clean
    text = "".join("".join(c["source"]) for c in cells)
    assert "python -m micrograd_nb.grade" in text
    # Learners never see reference solutions: the stub raises, the solution is not in the notebook.
    solution_lines = [
        line.strip()
        for line in (SOLUTIONS / f"{exercise}.py").read_text().splitlines()
        if line.strip().startswith("return") and len(line.strip()) > 12
    ]
    assert not any(line in text for line in solution_lines)


def test_grader_on_notebooks_skips_check_cells(tmp_path):
    """A solved notebook scores full marks through the sandbox; the untouched stub scores 0."""
    exercise = "linear_backward"
    book = json.loads((ROOT / "exercises" / EXERCISES[exercise].notebook).read_text())
    stub = tmp_path / "stub.ipynb"
    stub.write_text(json.dumps(book))
    for cell in book["cells"]:
        if "exercise" in cell["metadata"].get("tags", []):
            cell["source"] = (SOLUTIONS / f"{exercise}.py").read_text()
    book["cells"].insert(
        1,
        {
            "cell_type": "code",
            "metadata": {},
            "source": "%matplotlib inline\n!ls",
            "outputs": [],
            "execution_count": None,
        },
    )
    solved = tmp_path / "solved.ipynb"
    solved.write_text(json.dumps(book))
    results, notes = grade(str(solved))
    assert notes == [f"graded: {exercise}"]
    assert results and all(r.passed for r in results), [r.feedback for r in results]
    results, _ = grade(str(stub))
    assert all(r.score == 0 and "not implemented yet" in r.feedback for r in results)


def test_error_location_in_a_notebook(tmp_path):
    book = json.loads((ROOT / "exercises" / EXERCISES["mul_pow"].notebook).read_text())
    for cell in book["cells"]:
        if "exercise" in cell["metadata"].get("tags", []):
            cell["source"] = (
                "def mul_backward(x, y, grad):\n    return 1 / 0\n\ndef pow_backward(x, n, grad):\n    return 0.0\n"
            )
    path = tmp_path / "sub.ipynb"
    path.write_text(json.dumps(book))
    results, _ = grade(str(path))
    assert "ZeroDivisionError" in results[0].feedback
    assert "(code cell 2, line 2)" in results[0].feedback


def test_unknown_exercise_name_is_reported_not_raised(tmp_path):
    path = tmp_path / "sub.py"
    path.write_text((SOLUTIONS / "mul_pow.py").read_text())
    results, _ = grade(str(path), ["no_such_exercise"])
    assert results[0].score == 0 and "unknown exercise no_such_exercise" in results[0].feedback
