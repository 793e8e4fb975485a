"""The sandboxed side of the autograder: run learner code, call its functions, report results.

Started by `sandbox.py` as `python -I worker.py PARENT_PID UID GID MODULE...` (NumPy only, not
the package), it loads the MODULEs, becomes UID:GID (unless "-": the grader is not root) and
drops every capability. Then it reads one job (JSON line) on stdin, confines itself (`confine.py`:
no_new_privs, seccomp, Landlock, rlimits), runs the learner's code and calls the requested
functions, waiting on stdin for a go-ahead before each test. Results go out one JSON line per
event on a private copy of the original stdout; the learner's own prints are captured (capped)
and never mixed with results.
It only *reports* what the learner's functions return: the verdict is given by the parent
process, which never runs learner code, so tampering with anything in here changes nothing.
"""

import builtins
import importlib.util
import io
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PRINT_CAP = 2000  # characters of learner output kept per test
PRELOAD = (
    "numpy",
    "numpy.linalg",
    "numpy.random",
    "numpy.fft",
    "math",
    "random",
    "itertools",
    "functools",
    "collections",
    "operator",
    "copy",
    "time",
    "statistics",
    "heapq",
    "bisect",
    "dataclasses",
    "typing",
    "signal",
    "subprocess",
    "threading",
    "resource",
)


def _load(name: str):
    """A sibling module by path (the sandbox does not import the micrograd_nb package)."""
    spec = importlib.util.spec_from_file_location(
        f"_mg_grading_{name}", os.path.join(HERE, f"{name}.py")
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


class CappedWriter(io.TextIOBase):
    """Keeps the first PRINT_CAP characters written and counts the rest."""

    def __init__(self):
        self.parts: list[str] = []
        self.kept = 0
        self.total = 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        text = str(text)
        self.total += len(text)
        if self.kept < PRINT_CAP:
            piece = text[: PRINT_CAP - self.kept]
            self.parts.append(piece)
            self.kept += len(piece)
        return len(text)

    def take(self) -> dict:
        out = {"printed": "".join(self.parts), "printed_chars": self.total}
        self.parts, self.kept, self.total = [], 0, 0
        return out


def _confine(confine, job: dict) -> dict:
    """Everything the learner's code must not undo, put in place before it is compiled."""
    confine.no_new_privs()
    confine.deny_other_processes()
    workdir = os.open(".", os.O_PATH | os.O_CLOEXEC)
    landlock = confine.landlock(confine.python_paths(os.path.dirname(HERE)), workdir)
    os.close(workdir)
    confine.set_limits(int(job["memory_mb"]), int(job["cpu_seconds"]), int(job["processes"]))
    return {"landlock": landlock}


def _safely(describe, *args) -> str:
    """`describe(*args)`, or a plain account when the learner's exception cannot be printed."""
    try:
        return str(describe(*args))
    except BaseException:  # noqa: BLE001 - a __str__ that raises must not crash the worker
        err = next((a for a in args if isinstance(a, BaseException)), None)
        return f"raised {type(err).__name__} (whose message could not be printed)"


def _preload(extra: list[str]) -> None:
    """Modules learner code commonly imports, and those the grader found it imports, loaded while
    the interpreter is surely readable (a Python under /root is not, once this is not root)."""
    for name in (*PRELOAD, *extra):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that fails to load is the learner's error later
            pass


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _error_text(core, name: str, err: BaseException) -> str:
    text = _safely(core.describe_error, name, err, core._learner_line(err))
    if isinstance(err, BlockingIOError):  # fork() under RLIMIT_NPROC
        text += ": the grader does not let your code start processes"
    return text


def main() -> None:
    encode = _load("encode")
    functions = _load("functions").FUNCTIONS
    core = _load("core")
    table = {name: pair[0] for name, pair in functions.items()}
    confine = _load("confine")
    _preload(sys.argv[4:])
    if sys.argv[2] != "-":  # started by root: become the learner's uid before reading the job
        try:
            confine.become(int(sys.argv[2]), int(sys.argv[3]))
        except OSError as err:  # e.g. a uid outside a container's user namespace
            print(json.dumps({"event": "sandbox_error", "error": f"uid {sys.argv[2]}: {err}"}))
            sys.stdout.flush()
            os._exit(3)
    confine.drop_capabilities()
    # Die with the grader (set after the uid change, which clears it).
    confine.die_with_parent(int(sys.argv[1]))
    # The grader's pipe: the job on its first line, then one line per test as a go-ahead, so
    # that what a test leaves running is found before the next test starts.
    control = os.fdopen(os.dup(0), "rb")
    job = json.loads(control.readline().decode("utf-8"))
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the learner's raw prints and input() go nowhere
        os.dup2(devnull, fd)

    def emit(event: dict) -> None:
        results.write(json.dumps(event, separators=(",", ":")) + "\n")
        results.flush()

    captured = CappedWriter()
    sys.stdout = sys.stderr = captured
    sys.stdin = io.StringIO("")
    protections = _confine(confine, job)  # loaded as root: the package may be out of reach now

    namespace = {"__name__": "submission", "__builtins__": builtins}
    try:
        code = compile(job["source"], "<submission>", "exec")
        exec(code, namespace)
    except BaseException as err:  # noqa: BLE001 - SystemExit too: nothing may escape
        line = (
            getattr(err, "lineno", None)
            if isinstance(err, SyntaxError)
            else core._learner_line(err)
        )
        emit(
            {
                "event": "load_error",
                "error": _safely("{}: {}".format, type(err).__name__, err)[:500],
                "line": line,
                **captured.take(),
            }
        )
        os._exit(0)
    emit({"event": "loaded", **protections, **captured.take()})

    for test in job["tests"]:
        if not control.readline():
            break  # the grader is gone
        _reap()  # what the last test started was killed: its zombies must not count as processes
        emit({"event": "start", "test": test["index"]})
        name = test["function"]
        function = namespace.get(name)
        for k, case in enumerate(test["cases"]):
            event = {"event": "case", "test": test["index"], "case": k}
            if not callable(function):
                event["error"] = f"{name} is not defined in your submission"
                emit(event)
                break
            try:
                args = encode.decode(case["args"], table)
                kwargs = encode.decode(case["kwargs"], table)
                value = function(*args, **kwargs)
            except BaseException as err:  # noqa: BLE001 - SystemExit, KeyboardInterrupt too
                event["error"] = _error_text(core, name, err)
                emit(event)
                break
            try:
                event["value"] = encode.encode(value)
                if test.get("echo"):
                    event["args"] = encode.encode(args, table)
            except BaseException as err:  # noqa: BLE001
                event.pop("value", None)
                event["error"] = _safely("{} returned an unsupported value: {}".format, name, err)
                emit(event)
                break
            emit(event)
        emit({"event": "done", "test": test["index"], **captured.take()})
    results.flush()
    os._exit(0)  # skip atexit handlers and non-daemon threads the learner may have left


if __name__ == "__main__":
    main()
