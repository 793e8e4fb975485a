"""Hostile submissions against the autograder, as root and as an unprivileged user.

One class run per mode grades every hostile submission of the catalogue beside honest ones
(`-j 2`). After it: each honest result is exactly what it is alone, every results.json is valid
and complete, grades.csv has every student, the grader's files are unchanged, no process of
the learners' uids is left, and each hostile submission gets 0 with a reason a learner can read.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from micrograd_nb.grading import confine, sandbox
from micrograd_nb.grading.isolation import DEFAULT_UIDS, Isolation, processes_of

NOBODY = 65534
MODES = ["root", "unprivileged"] if os.geteuid() == 0 else ["unprivileged"]
GRADER_FILE = Path(sandbox.__file__).resolve()

GOOD_MUL = "def mul_backward(x, y, grad):\n    return y * grad, x * grad\n"
GOOD_POW = "def pow_backward(x, n, grad):\n    return n * x ** (n - 1) * grad\n"
# A named mistake (forgot the upstream gradient) and a wrong sign: the honest, imperfect student.
CAROL = "def mul_backward(x, y, grad):\n    return y, x\n" + GOOD_POW

TAMPER = """
def tamper():
    for path in ({results!r}, {grades!r}, {grader_file!r}):
        for attempt in (lambda: open(path, "r+").truncate(0), lambda: open(path, "w").write("{{}}"),
                        lambda: os.remove(path)):
            try:
                attempt()
            except OSError:
                pass
"""

# (id, code of the submission, words its mul_backward feedback holds per mode, tests it fails)
HOSTILE = [
    (
        "kill-the-grader",
        "import os, signal\ndef mul_backward(x, y, grad):\n    os.kill(os.getppid(), signal.SIGKILL)\n    return y * grad, x * grad\n",
        {"root": ["PermissionError", "line 3"], "unprivileged": ["PermissionError", "line 3"]},
        "mul",
    ),
    (
        "kill-the-grader-while-loading",
        "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + GOOD_MUL,
        {"root": ["failed while loading", "PermissionError"], "unprivileged": ["PermissionError"]},
        "all",
    ),
    (
        "signal-the-graders-group",
        "import os, signal\ndef mul_backward(x, y, grad):\n    os.killpg(os.getpgid(os.getppid()), signal.SIGTERM)\n    return y * grad, x * grad\n",
        {"root": ["PermissionError"], "unprivileged": ["PermissionError"]},
        "mul",
    ),
    (
        "double-fork-setsid-then-tamper",
        "import os, time\n"
        + TAMPER
        + textwrap.dedent("""
        def mul_backward(x, y, grad):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    for _ in range(50):
                        tamper()
                        time.sleep(0.1)
                os._exit(0)
            tamper()
            return 0.0, 0.0
        """),
        {"root": ["process(es) running", "background"], "unprivileged": ["BlockingIOError"]},
        "mul",
    ),
    (
        "write-truncate-delete-results-and-grader-files",
        "import os\n"
        + TAMPER
        + "def mul_backward(x, y, grad):\n    tamper()\n    open({grades!r}, 'a').write('evil,3')\n",
        {"root": ["PermissionError"], "unprivileged": ["PermissionError"]},
        "mul",
    ),
    (
        "raise-rlimits",
        "import resource\ndef mul_backward(x, y, grad):\n    for r in (resource.RLIMIT_FSIZE, resource.RLIMIT_NPROC, resource.RLIMIT_CPU):\n        resource.setrlimit(r, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))\n    return y * grad, x * grad\n",
        {"root": ["ValueError", "not allowed to raise"], "unprivileged": ["ValueError"]},
        "mul",
    ),
    (
        "fork-bomb",
        "import os\ndef mul_backward(x, y, grad):\n    while True:\n        os.fork()\n",
        {
            "root": ["process(es) running", "background"],
            "unprivileged": ["BlockingIOError", "not let your code start processes"],
        },
        "mul",
    ),
    (
        "os-system",
        "import os\ndef mul_backward(x, y, grad):\n    assert os.system(f'kill -9 {{os.getppid()}}') == 0, 'the grader survived'\n    return y * grad, x * grad\n",
        {"root": ["AssertionError: the grader survived"], "unprivileged": ["the grader survived"]},
        "mul",
    ),
    (
        "subprocess",
        "import subprocess\ndef mul_backward(x, y, grad):\n    subprocess.run(['rm', '-f', {results!r}, {grades!r}], check=True)\n    return y * grad, x * grad\n",
        {"root": ["CalledProcessError"], "unprivileged": ["BlockingIOError"]},
        "mul",
    ),
    (
        "read-the-graders-memory",
        "import os\ndef mul_backward(x, y, grad):\n    with open(f'/proc/{{os.getppid()}}/mem', 'rb') as f:\n        f.read(16)\n    return y * grad, x * grad\n",
        {"root": ["PermissionError"], "unprivileged": ["PermissionError"]},
        "mul",
    ),
    (
        "read-another-students-submission",
        "def mul_backward(x, y, grad):\n    exec(open({alice!r}).read(), globals())\n    return mul_backward(x, y, grad)\n",
        {"root": ["PermissionError"], "unprivileged": ["PermissionError"]},
        "mul",
    ),
    (  # at the top level, where the load time limit (30 s) leaves room for 70 MB even under load
        "flood-the-output",
        "import os\nprint('x' * 10**7)\nfor fd in range(1, 12):\n    try:\n        os.write(fd, b'{{' * 70 * 2**20)\n    except OSError:\n        pass\n"
        + GOOD_MUL,
        {"root": ["produced too much output while loading"], "unprivileged": ["too much output"]},
        "all",
    ),
    (
        "sleep-past-the-time-limit",
        "import time\ndef mul_backward(x, y, grad):\n    time.sleep(60)\n",
        {"root": ["timed out after 1 s"], "unprivileged": ["timed out after 1 s"]},
        "mul",
    ),
    (
        "exhaust-memory",
        # Address space runs out at --memory-mb whether or not the pages are touched.
        "import numpy as np\ndef mul_backward(x, y, grad):\n    hoard = [np.empty(2**25) for _ in range(64)]\n    return y * grad, x * grad\n",
        {"root": ["MemoryError"], "unprivileged": ["MemoryError"]},
        "mul",
    ),
    (
        "recurse-deeply",
        # Through map (C code) each call takes C stack: the process overflows its stack.
        "import sys\nsys.setrecursionlimit(10**7)\ndef mul_backward(x, y, grad):\n    return list(map(mul_backward, [x], [y], [grad]))\n",
        {"root": ["crashed (SIGSEGV"], "unprivileged": ["crashed (SIGSEGV"]},
        "mul",
    ),
    (
        "return-objects-that-fail-to-encode",
        "import numpy as np\nclass Evil(list):\n    def __reduce__(self):\n        return (print, ('pwned',))\ndef mul_backward(x, y, grad):\n    return Evil([1.0]), np.array([object()])\n",
        {"root": ["returned an unsupported value"], "unprivileged": ["unsupported value"]},
        "mul",
    ),
    (
        "raise-an-unprintable-error",
        "class Bad(Exception):\n    def __str__(self):\n        raise RuntimeError('no')\ndef mul_backward(x, y, grad):\n    raise Bad()\n",
        {"root": ["Bad", "could not be printed"], "unprivileged": ["could not be printed"]},
        "mul",
    ),
]


def _interpreter_hidden() -> bool:
    """Whether others cannot reach this Python (e.g. installed under /root, mode 0700)."""
    real = Path(os.path.realpath(sys.executable))
    return any(not p.stat().st_mode & stat.S_IXOTH for p in real.parents)


def _grader_command(mode: str, *args: str) -> list[str]:
    command = [sys.executable, "-m", "micrograd_nb.grade", *args]
    if mode == "unprivileged" and os.geteuid() == 0:
        # As nobody. A Python in root's home needs the right to reach it (and nothing else);
        # the worker drops every capability before it reads learner code.
        caps = ["--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
        command = [
            "setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            *(caps if _interpreter_hidden() else []), *command,
        ]  # fmt: skip
    return command


def _workspace(mode: str) -> Path:
    """A world-readable folder owned by the grader's user: only the sandbox keeps others out."""
    base = Path(tempfile.mkdtemp(prefix=f"mg-hostile-{mode}-"))
    (base / "class").mkdir()
    base.chmod(0o755)
    (base / "class").chmod(0o755)
    return base


def _hash_grader() -> dict:
    return {f: hashlib.sha256(f.read_bytes()).hexdigest() for f in sandbox.grader_files()}


class ClassRun:
    """One class run of the catalogue in one mode, and what it wrote."""

    def __init__(self, mode: str):
        self.mode = mode
        self.base = _workspace(mode)
        self.out = self.base / "out"
        paths = {
            "alice": str(self.base / "class" / "alice.py"),
            "results": str(self.out / "alice" / "results.json"),
            "grades": str(self.out / "grades.csv"),
            "grader_file": str(GRADER_FILE),
        }
        files = {"alice": GOOD_MUL + GOOD_POW, "carol": CAROL}
        for name, code, _, scope in HOSTILE:
            files[name] = code.format(**paths) + ("" if scope == "all" else GOOD_POW)
        for name, code in files.items():
            path = self.base / "class" / f"{name}.py"
            path.write_text(code)
            path.chmod(0o644)
        # The results of an earlier run, there to be attacked while this one grades.
        (self.out / "alice").mkdir(parents=True)
        Path(paths["results"]).write_text("{}")
        Path(paths["grades"]).write_text("student,total\n")
        if mode == "unprivileged" and os.geteuid() == 0:
            for path in [self.base, *self.base.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
        before = _hash_grader()
        self.proc = subprocess.run(
            _grader_command(
                mode, str(self.base / "class"), "--exercise", "mul_pow", "--timeout", "1",
                "-j", "2", "--memory-mb", "512", "--out", str(self.out), "--no-progress",
            ),
            capture_output=True, text=True, timeout=300, cwd=self.base,
            env={**os.environ, "HOME": str(self.base), "MPLCONFIGDIR": str(self.base / "mpl")},
            start_new_session=True,
        )  # fmt: skip
        self.grader_unchanged = _hash_grader() == before
        self.leftovers = (
            [p for uid in DEFAULT_UIDS for p in processes_of(uid)] if mode == "root" else []
        )

    def results(self, student: str) -> dict:
        return json.loads((self.out / student / "results.json").read_text())

    def by_test(self, student: str) -> dict:
        return {t["name"].split(": ", 1)[1]: t for t in self.results(student)["tests"]}


@pytest.fixture(scope="module")
def class_runs():
    """`class_runs(mode)`: the catalogue's class run in that mode, made once."""
    runs: dict[str, ClassRun] = {}

    def get(mode: str) -> ClassRun:
        if mode not in runs:
            runs[mode] = ClassRun(mode)
        return runs[mode]

    yield get
    for run in runs.values():
        shutil.rmtree(run.base, ignore_errors=True)


@pytest.mark.parametrize("mode", MODES)
def test_the_class_run_survives_and_honest_results_are_intact(class_runs, mode):
    run = class_runs(mode)
    assert run.proc.returncode == 0, run.proc.stderr[-2000:]
    assert run.grader_unchanged and run.leftovers == []
    alice = run.results("alice")
    assert alice["score"] == alice["max_score"] == 3
    carol = run.by_test("carol")
    assert carol["mul_backward: d/dx"]["score"] == 0
    assert "d/dx is wrong: numerical" in carol["mul_backward: d/dx"]["output"]
    assert "multiply by the upstream gradient" in carol["mul_backward: d/dx"]["output"]
    assert carol["pow_backward: d/dx (x ** n)"]["score"] == 1
    with open(run.out / "grades.csv", newline="") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    assert set(rows) == {"alice", "carol", *(h[0] for h in HOSTILE)}
    assert rows["alice"]["total"] == "3" and rows["carol"]["total"] == "1"
    for student in rows:  # every results.json valid and complete
        data = run.results(student)
        assert len(data["tests"]) == 3 and data["max_score"] == 3
    summary = (run.out / "summary.txt").read_text()
    assert "multiply by the upstream gradient" in summary
    assert (run.out / "summary.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    protections = run.results("alice")["output"]
    if mode == "root":
        assert "uid of its own" in protections
    else:
        assert "no processes may be started" in protections


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name, code, words, scope", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_submission_gets_zero_with_a_reason(class_runs, mode, name, code, words, scope):
    run = class_runs(mode)
    tests = run.by_test(name)
    failed = [t for t in tests if scope == "all" or t.startswith("mul_backward")]
    for test in failed:
        assert tests[test]["score"] == 0, (test, tests[test])
        for word in words[mode]:
            assert word in tests[test]["output"], (test, tests[test]["output"])
    if scope != "all":  # the honest function of the same submission is still graded
        assert tests["pow_backward: d/dx (x ** n)"]["score"] == 1, tests


@pytest.mark.parametrize("mode", MODES)
def test_a_submission_that_kills_the_grader_still_gets_its_results_json(mode):
    base = _workspace(mode)
    try:
        sub = base / "class" / "sub.py"
        sub.write_text("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n" + GOOD_MUL)
        if mode == "unprivileged" and os.geteuid() == 0:
            for path in [base, *base.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
        proc = subprocess.run(
            _grader_command(mode, str(sub), "--json", str(base / "results.json")),
            capture_output=True, text=True, timeout=120, cwd=base, start_new_session=True,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr[-2000:]
        data = json.loads((base / "results.json").read_text())
        assert data["score"] == 0 and data["max_score"] == 3
        assert all("PermissionError" in t["output"] for t in data["tests"])
        assert "sandbox:" in data["output"] and "sandbox:" in proc.stdout
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _workers_of(parent: int) -> list[int]:
    """Live sandbox workers whose parent is `parent`."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if (
            b"grading/worker.py" in cmdline
            and fields.get("PPid", "").strip() == str(parent)
            and not fields.get("State", "").strip().startswith("Z")
        ):
            found.append(int(entry.name))
    return found


@pytest.mark.parametrize("mode", MODES)
def test_the_sandboxed_process_dies_with_the_grader(mode):
    base = _workspace(mode)
    try:
        sub = base / "class" / "sub.py"
        sub.write_text(  # names its process "asleep" (PR_SET_NAME) once in the learner's code
            "import ctypes, time\ndef mul_backward(x, y, grad):\n"
            "    ctypes.CDLL(None).prctl(15, b'asleep', 0, 0, 0)\n    time.sleep(60)\n"
        )
        # a killed grader cannot remove its temporary folders: they go where this test can
        (base / "tmp").mkdir()
        if mode == "unprivileged" and os.geteuid() == 0:
            for path in [base, *base.rglob("*")]:
                os.chown(path, NOBODY, NOBODY)
        command = _grader_command(mode, str(sub), "--timeout", "60")
        grader = subprocess.Popen(
            command,
            cwd=base,
            env={**os.environ, "TMPDIR": str(base / "tmp")},
            stdout=subprocess.DEVNULL,
            start_new_session=True,
        )
        pid = grader.pid
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            # setpriv execs the grader in place: the grader keeps the pid
            workers = _workers_of(pid)
            if workers:
                break
            time.sleep(0.1)
        assert workers, "no sandbox worker started"
        while time.monotonic() < deadline and not any(_name(w) == "asleep" for w in workers):
            time.sleep(0.1)
        assert any(_name(w) == "asleep" for w in workers)
        grader.kill()
        grader.wait()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            Path(f"/proc/{w}").exists() and _alive(w) for w in workers
        ):
            time.sleep(0.1)
        assert not any(_alive(w) for w in workers)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _name(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:")[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


# ---- the building blocks, each alone in a fresh process ------------------------------------------
CONFINED = """
import ctypes, os, sys
sys.path.insert(0, {grading!r})
import confine
confine.no_new_privs()
{setup}
def attempt(what, action):
    try:
        action()
        print(what, "allowed")
    except OSError as err:
        print(what, type(err).__name__)
{attempts}
"""


def _confined(setup: str, attempts: str, cwd: Path) -> dict:
    code = CONFINED.format(grading=str(GRADER_FILE.parent), setup=setup, attempts=attempts)
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code], capture_output=True, text=True, timeout=60, cwd=cwd
    )
    assert proc.returncode == 0, proc.stderr
    return dict(line.split(" ", 1) for line in proc.stdout.splitlines())


def test_seccomp_blocks_signals_and_tracing_of_other_processes(tmp_path):
    bystander = subprocess.Popen(["sleep", "30"])
    try:
        seen = _confined(
            "assert confine.deny_other_processes()",
            f"attempt('kill-parent', lambda: os.kill(os.getppid(), 0))\n"
            f"attempt('kill-bystander', lambda: os.kill({bystander.pid}, 9))\n"
            "libc = ctypes.CDLL(None, use_errno=True)\n"
            "def trace():\n"
            "    if libc.ptrace(16, os.getppid(), 0, 0) != 0:\n"
            "        raise OSError(ctypes.get_errno(), 'ptrace')\n"
            "attempt('ptrace-parent', trace)\n",
            tmp_path,
        )
        assert seen["kill-parent"] == seen["kill-bystander"] == "PermissionError"
        assert seen["ptrace-parent"] == "PermissionError"
        assert bystander.poll() is None  # still alive
    finally:
        bystander.kill()
        bystander.wait()


def test_landlock_leaves_python_readable_and_only_the_working_directory_writable(tmp_path):
    if confine.landlock_abi() < 1:  # an old kernel: the report must say so
        assert any("Landlock not available" in line for line in Isolation().describe())
        return
    secret = tmp_path / "other_student.py"
    secret.write_text("answer = 42\n")
    secret.chmod(0o644)
    work = tmp_path / "work"
    work.mkdir()
    seen = _confined(
        f"fd = os.open('.', os.O_PATH)\n"
        f"assert confine.landlock(confine.python_paths({str(GRADER_FILE.parents[1])!r}), fd) >= 1",
        f"attempt('read-secret', lambda: open({str(secret)!r}).read())\n"
        f"attempt('write-secret', lambda: open({str(secret)!r}, 'a'))\n"
        "attempt('write-here', lambda: open('mine.txt', 'w').write('ok'))\n"
        "attempt('import-json', lambda: __import__('json'))\n"
        "attempt('tcp', lambda: __import__('socket').create_connection(('127.0.0.1', 9), 1))\n",
        work,
    )
    assert seen["read-secret"] == seen["write-secret"] == "PermissionError"
    assert seen["write-here"] == "allowed" and seen["import-json"] == "allowed"
    assert seen["tcp"] == "PermissionError"
    assert (work / "mine.txt").read_text() == "ok"
