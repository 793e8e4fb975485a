"""Who learner code runs as, where, and how every process it starts is found and stopped.

As root, each sandboxed worker runs under a uid of its own taken from a range (group of the
`--user` account, `nogroup` for `nobody`, no supplementary groups), in a working directory only
that uid can write, inside a root-only directory. "Every process of uid U" is then exactly what
the learner started, however it forked or detached (setsid), so it can be killed and checked.
Not as root, learner code shares the grader's uid: no process may be started at all
(RLIMIT_NPROC = 0) and Landlock keeps it away from the grader's signals, memory and files.
"""

from __future__ import annotations

import ast
import fcntl
import grp
import os
import pwd
import shutil
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field

from . import confine

DEFAULT_USER = "nobody"
DEFAULT_UIDS = range(64000, 65000)  # Debian's "allocated on demand" block; taken uids are skipped


# Importing these runs code with effects (a browser, a window, a console): never as root.
NOT_PRELOADED = {"antigravity", "this", "webbrowser", "turtle", "tkinter", "idlelib", "pydoc"}


def preloadable(text: str) -> list[str]:
    """Modules the code imports that the worker may load while still root: standard library,
    NumPy and this package (a Python under /root is out of reach once the worker is not root)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError):
        return []
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    allowed = (set(sys.stdlib_module_names) - NOT_PRELOADED) | {"numpy", "micrograd_nb"}
    return sorted(
        n
        for n in names
        if n.split(".")[0] in allowed and all(p.isidentifier() for p in n.split("."))
    )


class IsolationError(RuntimeError):
    """The sandbox cannot be set up as asked (unknown user, no free uid, processes that stay)."""


@dataclass
class Isolation:
    """How learner code is contained; `describe()` says it in the report."""

    user: str = DEFAULT_USER
    uids: range = DEFAULT_UIDS
    as_root: bool = field(default_factory=lambda: os.geteuid() == 0)
    landlock: int = field(default_factory=confine.landlock_abi)
    processes: int = 16  # per test, under a uid of its own
    _taken: dict = field(default_factory=dict, repr=False)  # uid -> its lock file
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        self.gid: int | None = None
        if self.as_root:
            try:
                self.gid = pwd.getpwnam(self.user).pw_gid
            except KeyError:
                raise IsolationError(
                    f"no user {self.user!r} to run learner code as (--user)"
                ) from None
        # The grader's own memory stays closed to anything running under its uid.
        confine.set_dumpable(False)

    def describe(self) -> list[str]:
        """One line per protection in force."""
        lines = []
        if self.as_root:
            group = grp.getgrgid(self.gid).gr_name
            lines += [
                f"learner code ran as a uid of its own ({self.uids.start}-{self.uids.stop - 1}), "
                f"group {group} of user {self.user}, in a private working directory",
                f"every process of that uid killed after each test and checked gone; at most "
                f"{self.processes} processes",
            ]
        else:
            lines.append(
                "learner code ran as the grader's own user (not root): no processes may be started"
            )
        if self.landlock >= 1:
            scope = ", signals to the grader" if self.landlock >= 6 else ""
            lines.append(
                f"Landlock ABI {self.landlock}: files read-only outside its working directory, "
                f"no network{scope} and ptrace blocked"
            )
        else:
            lines.append("Landlock not available: files readable by its user stay readable")
        lines += [
            "seccomp: no signal, ptrace or memory access to any other process",
            "no_new_privs, dies with the grader, the grader's memory not readable (not dumpable)",
            "limits: CPU time, address space, no file growth, no core files, 64 open files",
        ]
        return lines

    @property
    def guards_files(self) -> bool:
        """Whether learner code is kept from writing the grader's files (own uid or Landlock)."""
        return self.as_root or self.landlock >= 1

    def processes_limit(self) -> int:
        return self.processes if self.as_root else 0

    def acquire(self) -> tuple[int | None, str]:
        """(uid or None, working directory) for one worker; release both with `release`."""
        if not self.as_root:
            return None, tempfile.mkdtemp(prefix="mg-grade-")
        uid = self._free_uid()
        parent = tempfile.mkdtemp(prefix="mg-grade-")  # 0700, root's: nobody else gets through
        workdir = os.path.join(parent, "work")
        os.mkdir(workdir, 0o700)
        os.chown(workdir, uid, self.gid)
        return uid, workdir

    def release(self, uid: int | None, workdir: str) -> None:
        """Stop every process of `uid`, then remove its working directory."""
        if uid is not None:
            kill_uid(uid)
            with self._lock:
                os.close(self._taken.pop(uid))
            workdir = os.path.dirname(workdir)
        shutil.rmtree(workdir, ignore_errors=True)

    def _free_uid(self) -> int:
        """A uid no account, no process and no other grader on this machine uses."""
        with self._lock:
            for uid in self.uids:
                if uid in self._taken or _has_account(uid):
                    continue
                lock = _lock_uid(uid)
                if lock is None:
                    continue  # another grader holds it
                if processes_of(uid):
                    os.close(lock)
                    continue
                self._taken[uid] = lock
                return uid
        raise IsolationError(
            f"no free uid in {self.uids.start}-{self.uids.stop - 1} for learner code (--uids)"
        )


def _lock_uid(uid: int) -> int | None:
    """An exclusive lock on `uid` among graders (held until its file descriptor is closed)."""
    folder = os.path.join(tempfile.gettempdir(), "micrograd_nb-grade-uids")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    if os.stat(folder).st_uid != 0:
        raise IsolationError(f"{folder} should belong to root: remove it and grade again")
    fd = os.open(os.path.join(folder, str(uid)), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _has_account(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


def processes_of(uid: int, exclude: int | None = None) -> list[int]:
    """Live (not zombie) processes whose real, effective or saved uid is `uid`."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == exclude:
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as f:
                status = f.read()
        except OSError:
            continue  # gone meanwhile
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("State", "").strip().startswith(("Z", "X")):
            continue
        if str(uid) in fields.get("Uid", "").split()[:3]:
            found.append(int(entry.name))
    return found


def kill_uid(uid: int, exclude: int | None = None, patience: float = 5.0) -> int:
    """SIGKILL every process of `uid` (but `exclude`) until none is left; how many were found.

    A process being killed cannot fork any more, so repeating the sweep converges even against
    a fork bomb (which RLIMIT_NPROC bounds anyway).
    """
    killed: set[int] = set()
    deadline = time.monotonic() + patience
    while True:
        pids = processes_of(uid, exclude)
        if not pids:
            return len(killed)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            raise IsolationError(f"processes of uid {uid} survive SIGKILL: {pids[:5]}")
        time.sleep(0.01)
