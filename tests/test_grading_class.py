"""Grading a class: who is who, the files written, and the summary of named mistakes."""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from micrograd_nb.grading import EXERCISES, Wrong, core
from micrograd_nb.grading.classroom import Graded, find_submissions
from micrograd_nb.grading.cli import main
from micrograd_nb.grading.compare import expect_close
from micrograd_nb.grading.core import TestResult as Result
from micrograd_nb.grading.summary import summarize, summary_table

GOOD = (
    "def mul_backward(x, y, grad):\n    return y * grad, x * grad\n"
    "def pow_backward(x, n, grad):\n    return n * x ** (n - 1) * grad\n"
)
NO_UPSTREAM = "def mul_backward(x, y, grad):\n    return y, x\n"
UPSTREAM_HINT = "multiply by the upstream gradient"


def test_wrong_carries_the_named_mistake():
    with pytest.raises(Wrong) as caught:
        expect_close("d/dx", 3.0, 6.0, mistakes=[(3.0, "forgot the factor 2")])
    assert caught.value.mistake == "forgot the factor 2"
    assert str(caught.value).endswith("— forgot the factor 2")
    with pytest.raises(Wrong) as caught:
        expect_close("d/dx", -6.0, 6.0)
    assert "the sign is flipped" in str(caught.value)
    assert caught.value.mistake is None  # a generic hint, not a mistake the check names


def test_test_result_records_the_mistake_of_the_first_wrong_case():
    namespace: dict = {}
    exec(NO_UPSTREAM, namespace)
    results = core.run_in_process(EXERCISES["mul_pow"], namespace)
    by_name = {r.name: r for r in results}
    assert UPSTREAM_HINT in by_name["mul_backward: d/dx"].mistake
    assert by_name["mul_backward: d/dx"].mistake in by_name["mul_backward: d/dx"].feedback
    assert by_name["pow_backward: d/dx (x ** n)"].mistake is None  # not defined: no named mistake


def test_students_are_named_by_file_or_by_a_folder_holding_one_submission(tmp_path):
    root = tmp_path / "class"
    for path in [
        "alice.py",
        "bob/exercise_03.ipynb",
        "carol/a.py",
        "carol/b.ipynb",
        "dave/nested/deep/sub.py",
        ".ipynb_checkpoints/alice-checkpoint.py",
        "notes.txt",
    ]:
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text("x = 1\n")
    (tmp_path / "alice.py").write_text("x = 1\n")
    found = find_submissions([root, tmp_path / "alice.py", tmp_path / "missing.py"])
    names = {s.student: s.path.relative_to(tmp_path).as_posix() for s in found}
    assert names == {
        "alice": "class/alice.py",
        "bob": "class/bob/exercise_03.ipynb",
        "a": "class/carol/a.py",
        "b": "class/carol/b.ipynb",
        "dave": "class/dave/nested/deep/sub.py",
        "alice-2": "alice.py",
        "missing": "missing.py",
    }


def _graded(student: str, passed: list[bool], mistakes: list[str | None]) -> Graded:
    results = [
        Result("ex", f"t{k}", float(p), 1.0, "ok" if p else "wrong", mistake=m)
        for k, (p, m) in enumerate(zip(passed, mistakes))
    ]
    return Graded(student, Path(f"{student}.py"), results)


def test_summary_counts_passes_and_named_mistakes():
    graded = [
        _graded("a", [True, True], [None, None]),
        _graded("b", [False, True], ["forgot grad", None]),
        _graded("c", [False, False], ["forgot grad", "sign flipped"]),
        _graded("d", [False, False], [None, "sign flipped"]),
    ]
    tests = summarize(graded)
    assert [(t.name, t.students, t.passed) for t in tests] == [("ex: t0", 4, 1), ("ex: t1", 4, 2)]
    assert tests[0].share("forgot grad") == 0.5 and tests[1].share("sign flipped") == 0.5
    assert "forgot grad" not in tests[1].mistakes
    table = summary_table(graded, tests).splitlines()
    assert table[0] == "Class summary: 4 submissions, mean score 0.75/2"
    assert table[2].startswith("ex: t0") and " 25%" in table[2]
    assert table[3] == "     50%  forgot grad"


def test_class_run_writes_feedback_results_grades_and_summary(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "ann.py").write_text(GOOD)
    (folder / "ben.py").write_text(GOOD)
    (folder / "cat.py").write_text(NO_UPSTREAM + GOOD.split("\n", 2)[2])
    (folder / "dan.py").write_text(NO_UPSTREAM)
    (folder / "eve.ipynb").write_text("{not a notebook")
    out = tmp_path / "out"
    code = main([str(folder), "-j", "2", "--out", str(out), "--no-progress", "--timeout", "5"])
    assert code == 0
    printed = capsys.readouterr().out
    with open(out / "grades.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == [
        "student",
        "mul_pow: mul_backward: d/dx",
        "mul_pow: mul_backward: d/dy",
        "mul_pow: pow_backward: d/dx (x ** n)",
        "total",
    ]
    assert rows[1:] == [
        ["ann", "1", "1", "1", "3"],
        ["ben", "1", "1", "1", "3"],
        ["cat", "0", "0", "1", "1"],
        ["dan", "0", "0", "0", "0"],
        ["eve", "0", "0", "0", "0"],
    ]
    summary = (out / "summary.txt").read_text()
    assert summary in printed
    lines = summary.splitlines()
    assert lines[0] == "Class summary: 5 submissions, mean score 1.4/3"
    mul_dx = lines.index(
        next(line for line in lines if line.startswith("mul_pow: mul_backward: d/dx"))
    )
    assert "40%" in lines[mul_dx]
    assert lines[mul_dx + 1].startswith("     40%  " + UPSTREAM_HINT)
    assert (out / "summary.png").read_bytes()[:4] == b"\x89PNG"
    eve = json.loads((out / "eve" / "results.json").read_text())
    assert eve["score"] == 0 and len(eve["tests"]) == 3
    assert all("not valid JSON notebook" in t["output"] for t in eve["tests"])
    feedback = (out / "cat" / "feedback.txt").read_text()
    assert "d/dx is wrong: numerical" in feedback and "Score: 1/3" in feedback
    assert "sandbox:" in feedback


def test_several_submissions_need_out_not_json(tmp_path, capsys):
    (tmp_path / "a.py").write_text(GOOD)
    (tmp_path / "b.py").write_text(GOOD)
    code = main(
        [str(tmp_path / "a.py"), str(tmp_path / "b.py"), "--json", str(tmp_path / "r.json")]
    )
    assert code == 2 and "use --out DIR" in capsys.readouterr().err
    assert not (tmp_path / "r.json").exists()


def test_expect_close_mistake_matches_arrays():
    with pytest.raises(Wrong) as caught:
        expect_close(
            "dW", np.ones((2, 2)), 2 * np.ones((2, 2)), mistakes=[(np.ones((2, 2)), "hint")]
        )
    assert caught.value.mistake == "hint"


def test_an_unknown_user_to_run_learner_code_as_is_refused_as_root(tmp_path, capsys):
    (tmp_path / "a.py").write_text(GOOD)
    code = main([str(tmp_path / "a.py"), "--user", "no-such-user-mg"])
    captured = capsys.readouterr()
    if os.geteuid() == 0:
        assert code == 2 and "no user 'no-such-user-mg'" in captured.err
    else:  # not root: learner code runs as the grader's own user, as the report says
        assert code == 0 and "as the grader's own user" in captured.out
