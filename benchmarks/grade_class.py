"""Grade a generated class of 100 submissions with `-j 2`: time per submission.

The mix: correct solutions, each typical mistake of the mul_pow exercise, and hostile code
(kill the grader, fork bomb, os.system, exhaust memory, read the grader's memory, sleep past
the time limit). The reference, measured in the same run, is the least any sandboxed grading
costs: starting a Python process that imports NumPy.

    .venv/bin/python benchmarks/grade_class.py [--jobs 2] [--timeout 2]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOOD_MUL = "def mul_backward(x, y, grad):\n    return y * grad, x * grad\n"
GOOD_POW = "def pow_backward(x, n, grad):\n    return n * x ** (n - 1) * grad\n"
KINDS = {  # kind: (how many, code)
    "correct": (40, GOOD_MUL + GOOD_POW),
    "mul: inputs swapped": (
        8,
        "def mul_backward(x, y, grad):\n    return x * grad, y * grad\n" + GOOD_POW,
    ),
    "mul: no upstream gradient": (8, "def mul_backward(x, y, grad):\n    return y, x\n" + GOOD_POW),
    "pow: exponent not brought down": (
        8,
        GOOD_MUL + "def pow_backward(x, n, grad):\n    return x ** (n - 1) * grad\n",
    ),
    "pow: sign flipped": (
        8,
        GOOD_MUL + "def pow_backward(x, n, grad):\n    return -n * x ** (n - 1) * grad\n",
    ),
    "stub": (8, "def mul_backward(x, y, grad):\n    raise NotImplementedError\n"),
    "hostile: kill the grader": (
        6,
        "import os, signal\ndef mul_backward(x, y, grad):\n    os.kill(os.getppid(), signal.SIGKILL)\n"
        + GOOD_POW,
    ),
    "hostile: fork bomb": (
        3,
        "import os\ndef mul_backward(x, y, grad):\n    while True:\n        os.fork()\n" + GOOD_POW,
    ),
    "hostile: os.system": (
        3,
        "import os\ndef mul_backward(x, y, grad):\n    os.system('rm -rf ~/*')\n" + GOOD_POW,
    ),
    "hostile: exhaust memory": (
        3,
        "def mul_backward(x, y, grad):\n    return [bytearray(2**26) for _ in range(64)]\n"
        + GOOD_POW,
    ),
    "hostile: read the grader's memory": (
        3,
        "import os\ndef mul_backward(x, y, grad):\n    return open(f'/proc/{os.getppid()}/mem', 'rb').read(8)\n"
        + GOOD_POW,
    ),
    "hostile: sleep past the time limit": (
        2,
        "import time\ndef mul_backward(x, y, grad):\n    time.sleep(60)\n" + GOOD_POW,
    ),
}


def write_class(folder: Path) -> int:
    """The generated submissions, one file per student; how many."""
    n = 0
    for kind, (count, code) in KINDS.items():
        for k in range(count):
            slug = kind.replace(":", "").replace(" ", "-").replace("'", "")
            (folder / f"{slug}-{k:02d}.py").write_text(code)
            n += 1
    return n


def python_with_numpy() -> float:
    """Seconds to start `python -I -c 'import numpy'`: the floor of any sandboxed grading."""
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "import numpy"], check=True)
        times.append(time.perf_counter() - start)
    return sorted(times)[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=2.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mg-bench-class-") as tmp:
        folder, out = Path(tmp, "class"), Path(tmp, "out")
        folder.mkdir()
        n = write_class(folder)
        floor = python_with_numpy()
        start = time.perf_counter()
        proc = subprocess.run(
            [
                sys.executable, "-m", "micrograd_nb.grade", str(folder), "--exercise", "mul_pow",
                "-j", str(args.jobs), "--timeout", str(args.timeout), "--out", str(out),
                "--no-progress",
            ],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        wall = time.perf_counter() - start
        with open(out / "grades.csv", newline="") as f:
            totals = [float(row["total"]) for row in csv.DictReader(f)]
    print(proc.stdout)
    full = sum(t == 3 for t in totals)
    print(
        f"{n} submissions, -j {args.jobs}, --timeout {args.timeout:g}: {wall:.1f} s in all, "
        f"{wall / n:.3f} s per submission; {full} with full marks (40 correct expected)"
    )
    print(f"reference: python -I -c 'import numpy' takes {floor:.3f} s; "
          f"one submission costs {wall / n / floor:.2f}x that")  # fmt: skip


if __name__ == "__main__":
    main()
