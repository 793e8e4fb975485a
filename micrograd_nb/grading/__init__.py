"""Exercise checks and the autograder.

In a notebook, `check("mul_pow", globals())` runs an exercise's tests on the functions you wrote
and prints specific feedback. From a shell, `python -m micrograd_nb.grade submission.ipynb`
grades a whole submission in a sandboxed process (see `micrograd_nb.grading.cli`).

Instructors write their own exercises with `exercise`, `gradient_test` and `reference_test`
(see `micrograd_nb.grading.declare`) in a file of their own, loaded by `check(...,
exercises="my_course.py")` and `python -m micrograd_nb.grade --exercises my_course.py ...`.
"""

from .checks import EXERCISES
from .core import Case, Exercise, Test, TestResult, Wrong
from .course_file import ExerciseFileError, load_exercises
from .declare import exercise, gradient_test, reference_test
from .notebook import CheckFailed, check

__all__ = [
    "EXERCISES",
    "Case",
    "CheckFailed",
    "Exercise",
    "ExerciseFileError",
    "Test",
    "TestResult",
    "Wrong",
    "check",
    "exercise",
    "gradient_test",
    "load_exercises",
    "reference_test",
]
