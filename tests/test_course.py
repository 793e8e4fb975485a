"""`python -m micrograd_nb.course DIR`: copy the course, keep the learner's changes, update the rest."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
from pathlib import Path

import pytest

from micrograd_nb import course
from micrograd_nb.course import MANIFEST, CourseError, copy_course, course_files, file_hash

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def source(tmp_path):
    """A small course: two notebooks and one exercise."""
    root = tmp_path / "installed"
    for name, text in [
        ("notebooks/01_a.ipynb", "a v1"),
        ("notebooks/02_b.ipynb", "b v1"),
        ("exercises/01_x.ipynb", "x v1"),
    ]:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_the_course_is_found_in_the_checkout_with_every_notebook_and_exercise():
    source = course.course_source()
    expected = sorted(
        p.relative_to(ROOT).as_posix() for part in ("notebooks", "exercises")
        for p in (ROOT / part).glob("*.ipynb")
    )  # fmt: skip
    assert course_files(source) == expected and len(expected) >= 20
    assert course.FIRST_NOTEBOOK in expected


def test_first_copy_adds_everything_and_records_what_it_copied(source, tmp_path):
    destination = tmp_path / "new" / "course"  # created, parents too
    report = copy_course(destination, source=source)
    assert report.added == ["exercises/01_x.ipynb", "notebooks/01_a.ipynb", "notebooks/02_b.ipynb"]
    assert (destination / "notebooks/02_b.ipynb").read_text() == "b v1"
    manifest = json.loads((destination / MANIFEST).read_text())["files"]
    assert manifest == {name: file_hash(source / name) for name in report.added}
    again = copy_course(destination, source=source)
    assert again.unchanged == report.added and not (again.added or again.updated or again.kept)
    assert "0 added, 0 updated, 3 already up to date" in again.summary()


def test_a_new_version_updates_untouched_files_adds_new_ones_and_keeps_changed_ones(
    source, tmp_path
):
    destination = tmp_path / "course"
    copy_course(destination, source=source)
    (destination / "notebooks/01_a.ipynb").write_text("a, with my answers")
    (source / "notebooks/01_a.ipynb").write_text("a v2")
    (source / "notebooks/02_b.ipynb").write_text("b v2")
    (source / "notebooks/03_c.ipynb").write_text("c v1")
    report = copy_course(destination, source=source)
    assert report.kept == ["notebooks/01_a.ipynb"]
    assert report.updated == ["notebooks/02_b.ipynb"]
    assert report.added == ["notebooks/03_c.ipynb"]
    assert report.unchanged == ["exercises/01_x.ipynb"]
    assert (destination / "notebooks/01_a.ipynb").read_text() == "a, with my answers"
    assert (destination / "notebooks/02_b.ipynb").read_text() == "b v2"
    summary = report.summary()
    assert "Kept because you changed them: notebooks/01_a.ipynb" in summary
    assert "--force" in summary
    # still the learner's on the next run: the manifest remembers what was copied, not theirs
    assert copy_course(destination, source=source).kept == ["notebooks/01_a.ipynb"]
    (destination / "notebooks/01_a.ipynb").write_text("a v1")  # their changes undone
    assert copy_course(destination, source=source).updated == ["notebooks/01_a.ipynb"]


def test_force_replaces_changed_files_and_says_so(source, tmp_path):
    destination = tmp_path / "course"
    copy_course(destination, source=source)
    (destination / "exercises/01_x.ipynb").write_text("my attempt")
    report = copy_course(destination, force=True, source=source)
    assert report.replaced == ["exercises/01_x.ipynb"] and report.kept == []
    assert (destination / "exercises/01_x.ipynb").read_text() == "x v1"
    assert "Replaced with the course's version (--force): exercises/01_x.ipynb" in report.summary()
    assert copy_course(destination, source=source).unchanged == course_files(source)


def test_files_that_were_there_before_are_the_learners(source, tmp_path):
    destination = tmp_path / "course"
    (destination / "notebooks").mkdir(parents=True)
    (destination / "notebooks/01_a.ipynb").write_text("someone else's notebook")
    report = copy_course(destination, source=source)
    assert report.kept == ["notebooks/01_a.ipynb"]
    assert (destination / "notebooks/01_a.ipynb").read_text() == "someone else's notebook"


def test_a_deleted_notebook_comes_back(source, tmp_path):
    destination = tmp_path / "course"
    copy_course(destination, source=source)
    (destination / "notebooks/02_b.ipynb").unlink()
    assert copy_course(destination, source=source).added == ["notebooks/02_b.ipynb"]


def test_a_damaged_manifest_keeps_changed_files(source, tmp_path):
    destination = tmp_path / "course"
    copy_course(destination, source=source)
    (destination / "notebooks/01_a.ipynb").write_text("mine")
    (destination / MANIFEST).write_text("{not json")
    report = copy_course(destination, source=source)
    assert report.kept == ["notebooks/01_a.ipynb"] and len(report.unchanged) == 2


# ---- errors ---------------------------------------------------------------------------------
def test_directory_that_is_a_file(source, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("")
    with pytest.raises(CourseError, match=r"notes.txt is a file, not a directory"):
        copy_course(target, source=source)
    with pytest.raises(CourseError, match=r"cannot write the course into .*notes.txt/course"):
        copy_course(target / "course", source=source)


def _attempt_as_unprivileged_user(destination: Path, source: Path) -> str:
    """copy_course's error message in a process that cannot write in `destination`.

    As root, permissions do not stop writes: a forked child drops to user `nobody` first.
    """
    if os.geteuid() != 0:
        try:
            copy_course(destination, source=source)
        except CourseError as err:
            return str(err)
        return ""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no pytest machinery from here on, and always _exit
        message = ""
        try:
            os.setgid(65534)
            os.setuid(65534)
            copy_course(destination, source=source)
        except CourseError as err:
            message = str(err)
        except BaseException as err:  # noqa: BLE001 - reported to the parent
            message = f"unexpected {type(err).__name__}: {err}"
        os.write(write_end, pickle.dumps(message))
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return pickle.loads(data)


def test_a_directory_without_write_permission(source, tmp_path):
    # outside pytest's private tmp (mode 700), so that user nobody may read the course
    shared = Path(tempfile.mkdtemp(prefix="mg-course-"))
    try:
        shutil.copytree(source, shared / "installed")
        for path in [shared, *shared.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        destination = shared / "locked"
        destination.mkdir()
        destination.chmod(0o555)
        message = _attempt_as_unprivileged_user(destination, shared / "installed")
        assert message.startswith(
            f"cannot write the course into {destination}: Permission denied"
        ), message
        assert "Choose a directory you own" in message
        assert list(destination.iterdir()) == []
    finally:
        shutil.rmtree(shared)


def test_without_jupyterlab_the_error_names_the_extra_and_copies_nothing(
    monkeypatch, tmp_path, capsys
):
    monkeypatch.setattr(course.subprocess, "call", lambda *a, **k: pytest.fail("launched"))
    real_find_spec = course.importlib.util.find_spec
    monkeypatch.setattr(
        course.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "jupyterlab" else real_find_spec(name, *a),
    )
    assert course.main([str(tmp_path / "course")]) == 1
    error = capsys.readouterr().err
    assert 'pip install "micrograd_nb[course]"' in error and "--no-launch" in error
    assert not (tmp_path / "course").exists()


# ---- the command line -----------------------------------------------------------------------
def test_no_launch_only_copies(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(course.subprocess, "call", lambda *a, **k: pytest.fail("launched"))
    assert course.main([str(tmp_path / "c"), "--no-launch"]) == 0
    assert (tmp_path / "c" / course.FIRST_NOTEBOOK).is_file()
    assert "already up to date" in capsys.readouterr().out


def test_launch_starts_jupyterlab_on_the_copy(tmp_path, monkeypatch):
    launched = {}

    def fake_call(command, cwd):
        launched.update(command=command, cwd=cwd)
        return 0

    monkeypatch.setattr(course.subprocess, "call", fake_call)
    assert course.main([str(tmp_path / "c")]) == 0
    command = launched["command"]
    assert command[1:4] == ["-m", "jupyter", "lab"] and launched["cwd"] == tmp_path / "c"
    assert f"--ServerApp.root_dir={(tmp_path / 'c').resolve()}" in command
    assert ("--allow-root" in command) == (os.geteuid() == 0)
    url = next(arg for arg in command if arg.startswith("--LabApp.default_url="))
    assert (tmp_path / "c" / url.split("/lab/tree/")[1]).is_file()
