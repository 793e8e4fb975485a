"""Copy the course (notebooks/ and exercises/) into a directory and open it in JupyterLab.

    python -m micrograd_nb.course DIR [--no-launch] [--force]

The notebooks travel inside the wheel (as `micrograd_nb/course_files/`, see setup.py); in a
git checkout or an editable install they are read from the repository. A manifest in DIR keeps
the hash of every file copied there, so a later run can tell a notebook the learner changed
(kept, unless `--force`) from one they did not (updated to the installed version).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

#: the course's folders, copied side by side into DIR
PARTS = ("notebooks", "exercises")
#: in DIR: {"files": {relative path: sha256 of what was copied}}
MANIFEST = ".micrograd_nb_course.json"
FIRST_NOTEBOOK = "notebooks/01_computation_graphs.ipynb"
INSTALL_JUPYTERLAB = 'pip install "micrograd_nb[course]"'


class CourseError(Exception):
    """The course cannot be copied or opened; the message says why and what to do."""


@dataclass
class CopyReport:
    """What `copy_course` did with each file (paths relative to DIR)."""

    destination: Path
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # changed by the learner, left alone
    replaced: list[str] = field(default_factory=list)  # changed by the learner, overwritten

    def summary(self) -> str:
        """A few lines for the terminal: counts, and which changed files were kept or replaced."""
        lines = [
            f"Course in {self.destination}: {len(self.added)} added, {len(self.updated)} updated, "
            f"{len(self.unchanged)} already up to date."
        ]
        if self.replaced:
            lines.append(
                "Replaced with the course's version (--force): " + ", ".join(self.replaced)
            )
        if self.kept:
            lines.append("Kept because you changed them: " + ", ".join(self.kept))
            lines.append(
                "To replace them with the course's version (your changes are lost), "
                "run again with --force."
            )
        return "\n".join(lines)


def course_source() -> Path:
    """The folder holding notebooks/ and exercises/: inside the package, else the checkout."""
    packaged = Path(__file__).resolve().with_name("course_files")
    checkout = Path(__file__).resolve().parents[1]
    for root in (packaged, checkout):
        if all((root / part).is_dir() for part in PARTS):
            return root
    raise CourseError(
        f"the course notebooks are not installed (looked in {packaged} and {checkout}): "
        "reinstall micrograd_nb from its wheel or from a git checkout"
    )


def course_files(source: Path) -> list[str]:
    """Relative paths of the notebooks and exercises, in order."""
    return sorted(
        path.relative_to(source).as_posix()
        for part in PARTS
        for path in (source / part).glob("*.ipynb")
    )


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def prepare_destination(destination: Path) -> Path:
    """Create DIR if missing and check that files can be written in it."""
    destination = Path(destination).expanduser()
    try:
        if destination.exists() and not destination.is_dir():
            raise CourseError(
                f"{destination} is a file, not a directory: give a directory for the course "
                "(it is created if missing)"
            )
        destination.mkdir(parents=True, exist_ok=True)
        for part in PARTS:
            (destination / part).mkdir(exist_ok=True)
        # os.access says yes to root even on a read-only mount: try a real write.
        with tempfile.NamedTemporaryFile(dir=destination / PARTS[0]):
            pass
    except OSError as err:
        raise CourseError(
            f"cannot write the course into {destination}: {err.strerror or err}. "
            "Choose a directory you own, e.g. ~/micrograd_course"
        ) from err
    return destination


def _read_manifest(destination: Path) -> dict[str, str]:
    try:
        return json.loads((destination / MANIFEST).read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # no manifest (first run) or a damaged one: treat every file as unknown


def copy_course(destination: Path, force: bool = False, source: Path | None = None) -> CopyReport:
    """Copy the course into `destination`, never overwriting a file the learner changed.

    A file is the learner's when its hash differs from the one recorded when it was copied
    (or when it was not copied by us at all); it is kept unless `force`.
    """
    source = course_source() if source is None else Path(source)
    destination = prepare_destination(destination)
    recorded = _read_manifest(destination)
    manifest = dict(recorded)
    report = CopyReport(destination)
    for name in course_files(source):
        new_hash = file_hash(source / name)
        target = destination / name
        if not target.exists():
            bucket = report.added
        else:
            current = file_hash(target)
            if current == new_hash:
                report.unchanged.append(name)
                manifest[name] = new_hash
                continue
            if current == recorded.get(name):
                bucket = report.updated
            elif force:
                bucket = report.replaced
            else:
                report.kept.append(name)
                continue
        shutil.copyfile(source / name, target)
        manifest[name] = new_hash
        bucket.append(name)
    (destination / MANIFEST).write_text(json.dumps({"files": manifest}, indent=1) + "\n")
    return report


def jupyterlab_command(destination: Path) -> list[str]:
    """The command that opens JupyterLab on the course copy, at the first notebook."""
    command = [sys.executable, "-m", "jupyter", "lab"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # JupyterLab refuses to run as root otherwise
    return command + [
        f"--ServerApp.root_dir={Path(destination).resolve()}",
        f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
    ]


def require_jupyterlab() -> None:
    """Raise a CourseError naming the extra to install when JupyterLab is missing."""
    if importlib.util.find_spec("jupyterlab") is None:
        raise CourseError(
            f"JupyterLab is not installed in this Python ({sys.executable}): run\n"
            f"    {INSTALL_JUPYTERLAB}\n"
            "or add --no-launch to only copy the notebooks."
        )


def main(argv: list[str] | None = None) -> int:
    """Command line: copy the course into DIR, then start JupyterLab there unless --no-launch."""
    parser = argparse.ArgumentParser(
        prog="python -m micrograd_nb.course",
        description="Copy the micrograd_nb course into DIR and open it in JupyterLab.",
    )
    parser.add_argument("directory", type=Path, help="where to put notebooks/ and exercises/")
    parser.add_argument("--no-launch", action="store_true", help="only copy, do not start Jupyter")
    parser.add_argument(
        "--force", action="store_true", help="also replace notebooks you changed (changes lost)"
    )
    args = parser.parse_args(argv)
    try:
        if not args.no_launch:
            require_jupyterlab()
        report = copy_course(args.directory, force=args.force)
    except CourseError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(report.summary())
    if args.no_launch:
        return 0
    try:
        return subprocess.call(jupyterlab_command(report.destination), cwd=report.destination)
    except KeyboardInterrupt:
        return 0


if __name__ == "__main__":
    sys.exit(main())
