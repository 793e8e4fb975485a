"""Run a learner's functions in a separate, limited process and judge the results here.

One child process per exercise runs the learner's code once and then every test in turn
(`worker.py`), under the containment of `isolation.py` (its own uid as root) and `confine.py`.
This side watches the clock: a test that hangs or kills its process gets 0 with the reason, the
child is killed (as root, every process of its uid) and a fresh one continues with the next test,
so no other result is lost. After each test, processes the learner's code left running are
killed and the test scores 0. The judge runs in this process, on decoded plain data only.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from . import encode
from .core import Case, Exercise, Outcome, TestResult, judge_test
from .extract import Source
from .functions import FUNCTIONS
from .isolation import Isolation, kill_uid, preloadable

WORKER = Path(__file__).with_name("worker.py")
_TABLE = {name: pair[0] for name, pair in FUNCTIONS.items()}


@dataclass
class Limits:
    """Per-test wall-clock time, time to load the code, address space, result size."""

    timeout: float = 10.0
    load_timeout: float = 30.0
    memory_mb: int = 1024
    max_line_bytes: int = 64 * 2**20


class _Child:
    """One worker process and a line reader on its result pipe."""

    def __init__(self, job: dict, isolation: Isolation):
        self.isolation = isolation
        self.uid, cwd = isolation.acquire()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": cwd,
            "LANG": "C.UTF-8",
            # One BLAS thread: the address-space limit counts every thread's stack and buffers.
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
        }
        # As root the worker switches to its own uid before it reads the learner's code from the
        # pipe below (it starts as root to load Python, which may sit in root's home).
        drop = [str(self.uid), str(isolation.gid)] if self.uid is not None else ["-", "-"]
        drop += preloadable(job["source"])
        job = {**job, "processes": isolation.processes_limit()}
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-I", str(WORKER), str(os.getpid()), *drop],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                cwd=cwd,
                env=env,
                umask=0o077,
                start_new_session=True,  # its own process group, killed as a whole
            )
        except BaseException:
            isolation.release(self.uid, cwd)
            raise
        self.cwd = cwd
        self.send(json.dumps(job))
        os.set_blocking(self.proc.stdout.fileno(), False)
        self.selector = selectors.DefaultSelector()
        self.selector.register(self.proc.stdout, selectors.EVENT_READ)
        self.buffer = bytearray()
        self.scanned = 0  # bytes of the buffer known to hold no newline
        self.eof = False

    def send(self, line: str = "") -> None:
        """One line to the worker: the job, then a go-ahead per test."""
        try:
            self.proc.stdin.write(line.encode("utf-8") + b"\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass  # the worker is gone: its end of the result pipe says why

    def next_event(self, deadline: float, max_line: int) -> dict | str:
        """The next event, or 'timeout', 'eof', 'too-much-output'."""
        while True:
            newline = self.buffer.find(b"\n", self.scanned)
            self.scanned = len(self.buffer) if newline < 0 else 0  # never rescan a flood
            if newline >= 0:
                line = bytes(self.buffer[:newline])
                del self.buffer[: newline + 1]
                try:
                    event = json.loads(line)
                except (ValueError, RecursionError):
                    continue  # not ours: ignore stray bytes written to the result pipe
                if isinstance(event, dict):
                    return event
                continue
            if len(self.buffer) > max_line:
                return "too-much-output"
            if self.eof:
                return "eof"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            if not self.selector.select(timeout=remaining):
                continue
            try:
                chunk = self.proc.stdout.read(1 << 20)
            except (BlockingIOError, InterruptedError):
                continue
            if not chunk:
                self.eof = True
            else:
                self.buffer += chunk  # a bytearray grows in place: a flood costs linear time

    def kill(self) -> None:
        """Stop the worker and everything it started; its uid's processes are checked gone."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        self.selector.close()
        self.proc.stdout.close()
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.isolation.release(self.uid, self.cwd)

    def stray_processes(self) -> int:
        """Kill the processes the learner's code left behind (root only); how many there were."""
        if self.uid is None:
            return 0  # not root: no process can be started at all (RLIMIT_NPROC = 0)
        return kill_uid(self.uid, exclude=self.proc.pid)

    def death(self) -> str:
        """Why the process ended, for the feedback."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "stopped responding"
        if code < 0:
            name = signal.Signals(-code).name
            reasons = {
                "SIGXCPU": "ran out of CPU time",
                "SIGKILL": "was killed (out of memory?)",
                "SIGSEGV": "crashed (SIGSEGV: a very deep recursion?)",
            }
            return reasons.get(name, f"was killed by {name}")
        return f"exited with code {code} (sys.exit or os._exit in your code?)"


def _job(
    source: Source, exercise: Exercise, indices: list[int], cases: list, limits: Limits
) -> dict:
    tests = []
    for k in indices:
        test = exercise.tests[k]
        tests.append(
            {
                "index": k,
                "function": test.function,
                "echo": test.echo_args,
                "cases": [
                    {
                        "args": encode.encode(c.args, _TABLE),
                        "kwargs": encode.encode(c.kwargs, _TABLE),
                    }
                    for c in cases[k]
                ],
            }
        )
    cpu = int(limits.load_timeout + limits.timeout * len(indices) + 5)
    return {
        "source": source.text,
        "tests": tests,
        "memory_mb": limits.memory_mb,
        "cpu_seconds": cpu,
    }


def _outcome(event: dict) -> Outcome:
    if "error" in event:
        return Outcome(error=str(event["error"])[:1000])
    value = encode.decode(event.get("value"))
    args = encode.decode(event["args"], _TABLE) if "args" in event else None
    return Outcome(value=value, args=tuple(args) if isinstance(args, (list, tuple)) else None)


def _printed(event: dict) -> str:
    """A one-line note of what the learner's code printed during a test (learners debug with print)."""
    text, total = str(event.get("printed", "")), event.get("printed_chars", 0)
    if not isinstance(total, int) or total <= 0:
        return ""
    return f"your code printed {total} characters: {text[:120]!r}" + (" ..." if total > 120 else "")


def run_exercise(
    source: Source,
    exercise: Exercise,
    limits: Limits | None = None,
    isolation: Isolation | None = None,
) -> list[TestResult]:
    """Every test of `exercise` on the learner's code, each result kept whatever happens."""
    limits = limits or Limits()
    isolation = isolation or default_isolation()
    tests = exercise.tests
    cases: list[list[Case]] = [t.make_cases() for t in tests]
    results: list[TestResult | None] = [None] * len(tests)
    outputs = [""] * len(tests)

    def fail(k: int, reason: str) -> None:
        results[k] = TestResult(
            exercise.name, tests[k].name, 0.0, tests[k].points, reason, outputs[k]
        )

    pending = list(range(len(tests)))
    # Under its own uid or Landlock learner code cannot write the grader's files; otherwise
    # they are compared (and put back) after the exercise.
    snapshot = {} if isolation.guards_files else _snapshot()
    while pending:
        child = _Child(_job(source, exercise, pending, cases, limits), isolation)
        try:
            pending = _drive(
                child, source, exercise, pending, cases, limits, results, outputs, fail
            )
        finally:
            child.kill()
    if _restore(snapshot):
        for k in range(len(tests)):
            fail(
                k,
                "your code changed the grader's files (they were restored): no points for this exercise",
            )
    return [r for r in results if r is not None]


_DEFAULT: list[Isolation] = []


def default_isolation() -> Isolation:
    """The process-wide isolation (default user and uid range), made on first use."""
    if not _DEFAULT:
        _DEFAULT.append(Isolation())
    return _DEFAULT[0]


def grader_files() -> list[Path]:
    """The grader's own source files, watched while learner code runs."""
    package = Path(__file__).resolve().parent
    return [*package.rglob("*.py"), *(package.parent / "gradcheck").rglob("*.py")]


def _snapshot() -> dict[Path, bytes]:
    """The grader's files' bytes, to detect (and undo) a submission that rewrites them.

    The child cannot grow any file (RLIMIT_FSIZE = 0) but could still truncate one; the verdict
    of this run is safe anyway (the checks are loaded in this process), this protects the next.
    """
    return {f: f.read_bytes() for f in grader_files() if f.is_file()}


def _restore(snapshot: dict[Path, bytes]) -> bool:
    """Put back any changed file; True if something had been changed."""
    changed = False
    for path, data in snapshot.items():
        try:
            same = path.read_bytes() == data
        except OSError:
            same = False
        if not same:
            changed = True
            path.write_bytes(data)
    return changed


def _drive(child, source, exercise, pending, cases, limits, results, outputs, fail) -> list[int]:
    """Feed one child's events into results; return the tests still to run in a new child."""
    event = child.next_event(time.monotonic() + limits.load_timeout, limits.max_line_bytes)
    if not isinstance(event, dict) or event.get("event") != "loaded":
        if isinstance(event, dict) and event.get("event") == "load_error":
            line = event.get("line")
            where = f" at {source.where(int(line))}" if isinstance(line, int) else ""
            reason = f"your code failed while loading{where}: {event.get('error')}"
        elif isinstance(event, dict) and event.get("event") == "sandbox_error":
            reason = (
                f"internal error of the grader: it could not switch to an unprivileged uid "
                f"({event.get('error')}); the instructor can choose others with --uids"
            )
        elif event == "timeout":
            reason = f"your code did not finish loading within {limits.load_timeout:g} s (an infinite loop at the top level?)"
        elif event == "too-much-output":
            reason = "your code produced too much output while loading"
        else:
            reason = f"your code stopped the grader's process while loading: it {child.death()}"
        for k in pending:
            fail(k, reason)
        return []
    for position, k in enumerate(pending):
        child.send()
        outcomes: list[Outcome] = []
        deadline = time.monotonic() + limits.timeout
        while True:
            event = child.next_event(deadline, limits.max_line_bytes)
            if isinstance(event, str):
                if event == "timeout":
                    reason = f"timed out after {limits.timeout:g} s (an infinite loop?)"
                elif event == "too-much-output":
                    reason = "returned or printed far too much data"
                else:
                    reason = f"the process running your code {child.death()} during this test"
                fail(k, f"{exercise.tests[k].function} {reason}" if event == "timeout" else reason)
                return pending[position + 1 :]
            kind = event.get("event")
            if kind == "case" and event.get("test") == k:
                try:
                    outcomes.append(_outcome(event))
                except (encode.EncodeError, ValueError, TypeError, RecursionError):
                    outcomes.append(
                        Outcome(error="the result could not be read back (malformed data)")
                    )
            elif kind == "done" and event.get("test") == k:
                outputs[k] = _printed(event)
                break
        strays = child.stray_processes()
        if strays:
            fail(
                k,
                f"{exercise.tests[k].function} left {strays} process(es) running after it returned "
                "(they were stopped): a function must not start background processes",
            )
            continue
        result = judge_test(exercise, exercise.tests[k], cases[k], outcomes)
        result.output = outputs[k]
        result.feedback = _locate(result.feedback, source)
        results[k] = result
    return []


def _locate(feedback: str, source: Source) -> str:
    """'(line 12 of your code)' -> '(code cell 3, line 2)' for notebooks."""
    marker = " of your code)"
    start = feedback.find("(line ")
    if start < 0 or marker not in feedback[start:]:
        return feedback
    end = feedback.index(marker, start)
    try:
        line = int(feedback[start + 6 : end])
    except ValueError:
        return feedback
    return feedback[:start] + f"({source.where(line)})" + feedback[end + len(marker) :]
