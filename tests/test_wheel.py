"""The wheel carries the course: build it, install it into a new venv, copy the course, run it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from micrograd_nb.course import FIRST_NOTEBOOK, course_files, file_hash

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".hypothesis",
    ".pytest_cache", ".ruff_cache", ".ipynb_checkpoints", "test-artifacts",
)  # fmt: skip


def run(*command, cwd: Path, timeout: float = 300) -> str:
    """Run a command outside the repository; fail with its output if it fails."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(part) for part in command],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    assert done.returncode == 0, f"{command}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_the_installed_wheel_copies_the_course_and_a_notebook_runs_from_the_copy(tmp_path):
    # Build from a copy of the sources, so that the build leaves nothing in the repository.
    shutil.copytree(ROOT, tmp_path / "src", ignore=NOT_SOURCES)
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", tmp_path / "dist",
        tmp_path / "src", cwd=tmp_path)  # fmt: skip
    (wheel,) = (tmp_path / "dist").glob("micrograd_nb-*.whl")
    course = course_files(ROOT)
    packaged = {
        name.removeprefix("micrograd_nb/course_files/")
        for name in zipfile.ZipFile(wheel).namelist()
        if name.startswith("micrograd_nb/course_files/")
    }
    assert packaged == set(course)

    # A new venv; pip installs the wheel itself. Its dependencies (numpy, nbval, ...) are
    # this environment's, reached through a .pth file: the same packages, no minutes of pip.
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    python = venv / "bin" / "python"
    run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel,
        cwd=tmp_path)  # fmt: skip
    site = Path(run(python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))",
                    cwd=tmp_path).strip())  # fmt: skip
    (site / "dependencies_from_tests.pth").write_text(sysconfig.get_path("purelib") + "\n")
    where = run(python, "-c", "import micrograd_nb; print(micrograd_nb.__file__)", cwd=tmp_path)
    assert Path(where.strip()).is_relative_to(site)  # the wheel's copy, not the repository's

    learner = tmp_path / "my course"
    out = run(python, "-m", "micrograd_nb.course", learner, "--no-launch", cwd=tmp_path)
    assert f"{len(course)} added" in out
    assert all(file_hash(learner / name) == file_hash(ROOT / name) for name in course)

    out = run(
        python, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
        "-q", learner / FIRST_NOTEBOOK, cwd=learner,
    )  # fmt: skip
    assert " passed" in out and "failed" not in out
