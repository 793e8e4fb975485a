"""A Gradescope autograder: `python -m micrograd_nb.grade bundle -o autograder.zip`.

The zip holds, at its root, what Gradescope expects: `setup.sh` (a venv with this package
installed from the wheel inside the zip, and its dependencies) and `run_autograder`, which runs
`python -m micrograd_nb.grading.gradescope run` on every notebook or .py file in
`/autograder/submission` and writes `/autograder/results/results.json`. The root `/autograder`
can be moved with the AUTOGRADER_ROOT environment variable (to try a bundle locally).

Each exercise is graded by the autograder CLI (`grade SUB --exercise NAME --json ...`) in its
own process. Every submission gets the same tests with the same max_score, whatever it
contains; tests of exercises that are not `visible` never show their feedback in the
submission's top-level `output`.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
import zipfile
from pathlib import Path

from .core import Exercise
from .course_file import ExerciseFileError, catalogue
from .extract import SubmissionError, defined_names, read_submission

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
CONFIG = "micrograd_nb_bundle.json"

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's image.
set -euo pipefail
root="${AUTOGRADER_ROOT:-/autograder}"
python="${PYTHON:-python3}"
if ! "$python" -m venv "$root/venv" 2>/dev/null; then
  rm -rf "$root/venv"
  apt-get install -y -qq python3-venv >/dev/null
  "$python" -m venv "$root/venv"
fi
"$root/venv/bin/python" -m pip install -q "$root"/source/micrograd_nb-*.whl
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this for every submission; it writes $root/results/results.json.
root="${AUTOGRADER_ROOT:-/autograder}"
exec "$root/venv/bin/python" -m micrograd_nb.grading.gradescope run "$root"
"""


# ---- building the bundle --------------------------------------------------------------------
def build_bundle(
    out: str | Path,
    exercises: list[str] | None = None,
    exercises_file: str | Path | None = None,
    visibility: str = "visible",
    exercise_visibility: dict[str, str] | None = None,
    wheel: str | Path | None = None,
    timeout: float = 10.0,
) -> Path:
    """Write the autograder zip; exercises default to every known one (built-in and the file's)."""
    known = catalogue(exercises_file)
    names = list(exercises or known)
    exercise_visibility = dict(exercise_visibility or {})
    unknown = [n for n in [*names, *exercise_visibility] if n not in known]
    if unknown:
        raise ValueError(f"unknown exercise {', '.join(unknown)}; known: {', '.join(known)}")
    missing = [n for n in exercise_visibility if n not in names]
    if missing:
        raise ValueError(
            f"--visibility names {', '.join(missing)}, which the bundle does not grade"
        )
    for v in [visibility, *exercise_visibility.values()]:
        _check_visibility(v)
    config = {
        "exercises": names,
        "visibility": visibility,
        "exercise_visibility": exercise_visibility,
        "exercises_file": Path(exercises_file).name if exercises_file else None,
        "timeout": timeout,
    }
    out = Path(out)
    with tempfile.TemporaryDirectory(prefix="mg-bundle-") as tmp:
        wheel_path = Path(wheel) if wheel else build_wheel(Path(tmp))
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            _add(zf, "setup.sh", SETUP_SH, executable=True)
            _add(zf, "run_autograder", RUN_AUTOGRADER, executable=True)
            _add(zf, CONFIG, json.dumps(config, indent=2))
            zf.write(wheel_path, wheel_path.name)
            if exercises_file:
                zf.write(exercises_file, Path(exercises_file).name)
    return out


def build_wheel(folder: Path) -> Path:
    """A wheel of this package, built from a copy of its source checkout."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").is_file():
        raise FileNotFoundError(
            f"no source checkout of micrograd_nb at {root} to build a wheel from; "
            "pass --wheel micrograd_nb-*.whl"
        )
    source = folder / "source"
    skip = shutil.ignore_patterns(
        ".git", ".venv", "__pycache__", "build", "dist", "*.egg-info", ".pytest_cache",
        ".hypothesis", "test-artifacts", "node_modules", "*.zip",
    )  # fmt: skip
    shutil.copytree(root, source, ignore=skip)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(folder), str(source)],
        check=True,
    )
    (wheel,) = folder.glob("micrograd_nb-*.whl")
    return wheel


def _add(zf: zipfile.ZipFile, name: str, text: str, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
    info.external_attr = (0o755 if executable else 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, text)


def _check_visibility(value: str) -> None:
    if value not in VISIBILITIES:
        raise ValueError(f"visibility {value!r} is not one of {', '.join(VISIBILITIES)}")


# ---- running it on a submission -------------------------------------------------------------
def run(root: str | Path) -> dict:
    """Grade every file in root/submission and write root/results/results.json; return it."""
    started = time.monotonic()
    root = Path(root)
    config = json.loads((root / "source" / CONFIG).read_text(encoding="utf-8"))
    exercises_file = config.get("exercises_file")
    exercises_path = root / "source" / exercises_file if exercises_file else None
    known = catalogue(exercises_path)
    files = submission_files(root / "submission")
    tests, lines = [], []
    for name in config["exercises"]:
        visibility = config["exercise_visibility"].get(name, config["visibility"])
        found = file_for(known[name], files)
        if found is None:
            reason = (
                f"no submitted file defines {', '.join(known[name].functions)} "
                "(submit the exercise notebook or a .py file)"
            )
            graded = {}
        else:
            graded, reason = _grade_file(found, name, exercises_path, config.get("timeout", 10))
        for test in known[name].tests:
            entry = graded.get(f"{name}: {test.name}") or {"score": 0.0, "output": reason}
            tests.append(
                {
                    "name": f"{name}: {test.name}",
                    "score": float(entry["score"]),
                    "max_score": float(test.points),
                    "output": str(entry["output"]),
                    "visibility": visibility,
                }
            )
        where = found.relative_to(root / "submission") if found else "nothing submitted"
        line = f"{name}: graded {where}"
        if visibility == "visible":  # other exercises' feedback stays in their hidden tests
            line += f", {_points(tests, name)}"
            if found is None:
                line += f" ({reason})"
        lines.append(line)
    results = {
        "score": sum(t["score"] for t in tests),
        "execution_time": round(time.monotonic() - started, 3),
        "output": "\n".join(lines),
        "visibility": config["visibility"],
        "stdout_visibility": "hidden",
        "tests": tests,
    }
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(
        json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8"
    )
    return results


def submission_files(folder: Path) -> list[Path]:
    """The notebooks and .py files submitted, in name order (hidden and checkpoint files left out)."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.suffix in (".ipynb", ".py")
        and p.is_file()
        and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    )


def file_for(exercise: Exercise, files: list[Path]) -> Path | None:
    """The file naming the exercise in its metadata, else the first defining one of its functions."""
    sources = {}
    for path in files:
        try:
            sources[path] = read_submission(path)
        except SubmissionError:
            continue
    for path, source in sources.items():
        if source.exercise == exercise.name:
            return path
    for path, source in sources.items():
        if defined_names(source.text) & set(exercise.functions):
            return path
    return None


def _grade_file(
    path: Path, name: str, exercises_path: Path | None, timeout: float
) -> tuple[dict, str]:
    """{test name: entry} from the autograder CLI's results.json, and a reason if it failed."""
    with tempfile.TemporaryDirectory(prefix="mg-gs-") as tmp:
        out = Path(tmp) / "results.json"
        cmd = [sys.executable, "-m", "micrograd_nb.grade", str(path), "--exercise", name]
        cmd += ["--json", str(out), "--timeout", str(timeout)]
        if exercises_path is not None:
            cmd += ["--exercises", str(exercises_path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800)
            print(proc.stdout, proc.stderr, sep="\n")  # for the instructor (stdout is hidden)
            data = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError, subprocess.TimeoutExpired) as err:
            return {}, f"the grader could not grade {path.name} ({type(err).__name__})"
    entries = {t["name"]: t for t in data.get("tests", []) if isinstance(t, dict) and "name" in t}
    return entries, str(data.get("output", "")) or "not graded"


def _points(tests: list[dict], name: str) -> str:
    mine = [t for t in tests if t["name"].startswith(f"{name}: ")]
    return f"{sum(t['score'] for t in mine):g}/{sum(t['max_score'] for t in mine):g} points"


# ---- command line -------------------------------------------------------------------------------
def bundle_main(argv: list[str]) -> int:
    """`python -m micrograd_nb.grade bundle [--exercise NAME...] [--visibility V|NAME=V] -o OUT`."""
    p = argparse.ArgumentParser(
        prog="python -m micrograd_nb.grade bundle",
        description="Write a Gradescope autograder zip (setup.sh, run_autograder, a wheel).",
    )
    p.add_argument("--exercise", action="append", metavar="NAME", help="grade this exercise "
                   "(repeatable; default every exercise)")  # fmt: skip
    p.add_argument("--exercises", metavar="FILE", help="an instructor's exercise file to include")
    p.add_argument(
        "--visibility",
        action="append",
        default=[],
        metavar="V|NAME=V",
        help=f"the results' visibility ({', '.join(VISIBILITIES)}; default visible), or one "
        "exercise's with NAME=V (repeatable)",
    )
    p.add_argument("--timeout", type=float, default=10.0, help="seconds per test (default 10)")
    p.add_argument("--wheel", help="a micrograd_nb wheel to ship instead of building one")
    p.add_argument("-o", "--output", default="autograder.zip", help="the zip to write")
    args = p.parse_args(argv)
    default, per_exercise = "visible", {}
    for item in args.visibility:
        name, _, value = item.rpartition("=")
        if name:
            per_exercise[name] = value
        else:
            default = value
    try:
        out = build_bundle(
            args.output,
            args.exercise,
            args.exercises,
            default,
            per_exercise,
            args.wheel,
            args.timeout,
        )
    except (ValueError, ExerciseFileError, FileNotFoundError, subprocess.CalledProcessError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    print(f"wrote {out}: upload it as the autograder of a Gradescope programming assignment")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 2 or argv[0] != "run":
        print(
            "usage: python -m micrograd_nb.grading.gradescope run AUTOGRADER_ROOT", file=sys.stderr
        )
        return 2
    try:
        run(argv[1])
    except Exception:  # noqa: BLE001 - a bug of the grader: Gradescope still needs a results.json
        reason = "the autograder failed; your instructor can see why:\n"
        print(traceback.format_exc())  # stdout is shown to the instructor only
        results = Path(argv[1]) / "results"
        results.mkdir(parents=True, exist_ok=True)
        (results / "results.json").write_text(
            json.dumps({"score": 0.0, "output": reason, "stdout_visibility": "hidden", "tests": []})
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
