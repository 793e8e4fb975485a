"""The sandboxed side of the autograder: run learner code, call its functions, report results.

Started by `sandbox.py` as `python -I worker.py` (NumPy only, not the package), it reads one job
(JSON) on stdin, limits its own memory, CPU time and file writes, runs the learner's code and
calls the requested functions. Results go out one JSON line per event on a private copy of the
original stdout; the learner's own prints are captured (capped) and never mixed with results.
It only *reports* what the learner's functions return: the verdict is given by the parent
process, which never runs learner code, so tampering with anything in here changes nothing.
"""

import builtins
import importlib.util
import io
import json
import os
import resource
import signal
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PRINT_CAP = 2000  # characters of learner output kept per test


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


def _limit(memory_mb: int, cpu_seconds: int) -> None:
    # Address space: a runaway allocation raises MemoryError instead of swapping the machine.
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    # No file may grow: learner code cannot write files (writes fail with EFBIG, not a signal).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    try:  # no new processes or threads (a fork bomb); root is exempt, a container is not
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    except (ValueError, OSError):
        pass


def main() -> None:
    job = json.loads(sys.stdin.buffer.read().decode("utf-8"))
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # the learner's raw prints and input() go nowhere
        os.dup2(devnull, fd)

    encode = _load("encode")
    functions = _load("functions").FUNCTIONS
    core = _load("core")
    table = {name: pair[0] for name, pair in functions.items()}

    def emit(event: dict) -> None:
        results.write(json.dumps(event, separators=(",", ":")) + "\n")
        results.flush()

    captured = CappedWriter()
    sys.stdout = sys.stderr = captured
    sys.stdin = io.StringIO("")
    _limit(int(job["memory_mb"]), int(job["cpu_seconds"]))

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
                "error": f"{type(err).__name__}: {err}"[:500],
                "line": line,
                **captured.take(),
            }
        )
        os._exit(0)
    emit({"event": "loaded", **captured.take()})

    for test in job["tests"]:
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
                event["error"] = core.describe_error(name, err, core._learner_line(err))
                emit(event)
                break
            try:
                event["value"] = encode.encode(value)
                if test.get("echo"):
                    event["args"] = encode.encode(args, table)
            except BaseException as err:  # noqa: BLE001
                event.pop("value", None)
                event["error"] = f"{name} returned an unsupported value: {err}"
                emit(event)
                break
            emit(event)
        emit({"event": "done", "test": test["index"], **captured.take()})
    results.flush()
    os._exit(0)  # skip atexit handlers and non-daemon threads the learner may have left


if __name__ == "__main__":
    main()
