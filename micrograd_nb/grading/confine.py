"""Kernel protections a process puts on itself before it runs learner code (stdlib only).

Loaded by path in the sandboxed worker (`worker.py`) and imported by the grader, which uses
`set_dumpable` on itself and `landlock_abi` to say what the kernel offers. Everything here is
one-way: a process can add these restrictions but never lift them again (no_new_privs, Landlock),
or lifting them gains nothing once the process runs under a uid of its own.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import sys

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 47, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

# Landlock (Linux 5.13+): syscall numbers are the same on every architecture since 5.x.
SYS_LANDLOCK_CREATE_RULESET, SYS_LANDLOCK_ADD_RULE, SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 2, 1 << 3
FS_READ = FS_EXECUTE | FS_READ_FILE | FS_READ_DIR
# Rights each ABI version handles: 13 rights in v1, REFER in v2, TRUNCATE in v3, IOCTL_DEV in v5.
FS_ALL = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("fs", ctypes.c_uint64), ("net", ctypes.c_uint64), ("scoped", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _prctl(option: int, value: int) -> bool:
    return _libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0) == 0


def set_dumpable(dumpable: bool) -> bool:
    """PR_SET_DUMPABLE: a non-dumpable process's memory cannot be read or traced by its own uid."""
    return _prctl(PR_SET_DUMPABLE, int(dumpable))


def no_new_privs() -> bool:
    """PR_SET_NO_NEW_PRIVS: exec can never grant privileges again (set-uid programs stay plain)."""
    return _prctl(PR_SET_NO_NEW_PRIVS, 1)


def become(uid: int, gid: int) -> None:
    """Drop root for good: no supplementary groups, then gid, then uid (real, effective, saved)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getresuid() != (uid, uid, uid) or os.getgroups() not in ([], [gid]):
        os._exit(1)
    try:
        os.setuid(0)
    except PermissionError:
        return
    os._exit(1)  # root could be regained: never run learner code like that


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [(name, ctypes.c_uint32) for name in ("effective", "permitted", "inheritable")]


def drop_capabilities() -> bool:
    """No capability left (effective, permitted, inheritable, ambient): a plain process."""
    _libc.prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    return _libc.capset(ctypes.byref(header), data) == 0


def die_with_parent(parent_pid: int) -> bool:
    """PR_SET_PDEATHSIG = SIGKILL; exit now if the parent is already gone (the race before)."""
    done = _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent_pid:
        os._exit(1)
    return done


def landlock_abi() -> int:
    """The Landlock ABI version the kernel offers (0: none)."""
    version = _libc.syscall(
        SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), LANDLOCK_CREATE_RULESET_VERSION
    )
    return max(int(version), 0)


def landlock(read_only: list[str], writable_fd: int) -> int:
    """Confine this process: read (and execute) below `read_only`, write only below `writable_fd`.

    From ABI 4 no TCP bind/connect; from ABI 6 no signals to processes outside this sandbox
    (the grader) and no abstract unix sockets. Ptrace of outside processes is denied from ABI 1.
    Returns the ABI used, 0 when the kernel has no Landlock.
    """
    abi = landlock_abi()
    if abi < 1:
        return 0
    fs_all = FS_ALL[max(v for v in FS_ALL if v <= abi)]
    attr = _RulesetAttr(fs_all, 0, 0)
    size = 8
    if abi >= 4:
        attr.net, size = NET_BIND_TCP | NET_CONNECT_TCP, 16
    if abi >= 6:
        attr.scoped, size = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL, 24
    ruleset = _libc.syscall(
        SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0
    )
    if ruleset < 0:
        return 0
    try:
        _allow(ruleset, writable_fd, fs_all)
        for path in read_only:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a path that does not exist needs no rule
            try:
                _allow(ruleset, fd, FS_READ if os.path.isdir(path) else FS_READ & ~FS_READ_DIR)
            finally:
                os.close(fd)
        if _libc.syscall(SYS_LANDLOCK_RESTRICT_SELF, ruleset, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(ruleset)
    return abi


def _allow(ruleset: int, fd: int, rights: int) -> None:
    rule = _PathBeneath(rights, fd)
    if _libc.syscall(
        SYS_LANDLOCK_ADD_RULE, ruleset, LANDLOCK_RULE_PATH_BENEATH, ctypes.byref(rule), 0
    ):
        raise OSError(ctypes.get_errno(), "landlock_add_rule failed")


# seccomp: the system calls that act on another process, answered with EPERM. Landlock (ABI 6)
# scopes signals too, but older kernels have no such scope: this holds on any kernel since 3.5.
PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2
_BPF_LD_ABS, _BPF_JEQ, _BPF_RET = 0x20, 0x15, 0x06
_RET_ALLOW, _RET_EPERM = 0x7FFF0000, 0x00050000 | 1
# kill, tkill, tgkill, ptrace, process_vm_readv, process_vm_writev, pidfd_send_signal, pidfd_getfd
_OTHER_PROCESS_CALLS = {
    0xC000003E: (62, 200, 234, 101, 310, 311, 424, 438),  # x86_64
    0xC00000B7: (129, 130, 131, 117, 270, 271, 424, 438),  # aarch64
}
_X32_BIT = 0x40000000


class _SockFilter(ctypes.Structure):
    _fields_ = [
        ("code", ctypes.c_uint16),
        ("jt", ctypes.c_uint8),
        ("jf", ctypes.c_uint8),
        ("k", ctypes.c_uint32),
    ]


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_uint16), ("filter", ctypes.POINTER(_SockFilter))]


def _audit_arch() -> int | None:
    machine = os.uname().machine
    return {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(machine)


def deny_other_processes() -> bool:
    """No signal, ptrace or memory access to any process (itself included); needs no_new_privs."""
    arch = _audit_arch()
    if arch is None:
        return False
    calls = _OTHER_PROCESS_CALLS[arch]
    program = [_SockFilter(_BPF_LD_ABS, 0, 0, 4)]  # seccomp_data.arch
    program.append(_SockFilter(_BPF_JEQ, 1, 0, arch))
    program.append(_SockFilter(_BPF_RET, 0, 0, _RET_EPERM))  # another ABI (x86 32-bit): nothing
    program.append(_SockFilter(_BPF_LD_ABS, 0, 0, 0))  # seccomp_data.nr
    if arch == 0xC000003E:  # the x32 ABI shares the arch value: refuse its numbers
        program.append(_SockFilter(0x35, 0, 1, _X32_BIT))  # JGE
        program.append(_SockFilter(_BPF_RET, 0, 0, _RET_EPERM))
    for call in calls:
        program.append(_SockFilter(_BPF_JEQ, 0, 1, call))
        program.append(_SockFilter(_BPF_RET, 0, 0, _RET_EPERM))
    program.append(_SockFilter(_BPF_RET, 0, 0, _RET_ALLOW))
    filters = (_SockFilter * len(program))(*program)
    prog = _SockFprog(len(program), filters)
    return _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) == 0


def python_paths(package_dir: str) -> list[str]:
    """What a Python process that imports NumPy needs to read: the interpreter, libraries, /proc."""
    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, package_dir}
    paths.update(p for p in sys.path if p and os.path.isdir(p))
    paths.update(["/usr", "/lib", "/lib64", "/bin", "/etc", "/dev", "/proc", "/sys"])
    return sorted(paths)


def set_limits(memory_mb: int, cpu_seconds: int, processes: int, open_files: int = 64) -> None:
    """rlimits: address space, CPU time, no file growth, no core dumps, processes, open files."""
    # Address space: a runaway allocation raises MemoryError instead of swapping the machine.
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 2**20, memory_mb * 2**20))
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    # No file may grow: learner code cannot write files (writes fail with EFBIG, not a signal).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))
    try:  # counted per uid: exact under a uid of its own, 0 forks when sharing the grader's uid
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    except (ValueError, OSError):
        pass
