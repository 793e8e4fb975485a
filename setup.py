"""Ship the course inside the wheel: notebooks/ and exercises/ become micrograd_nb/course_files/.

Everything else is configured in pyproject.toml. The two folders stay where they are in the
repository (one copy in git); `python -m micrograd_nb.course DIR` copies them for a learner.
"""

from setuptools import find_packages, setup

COURSE = {f"micrograd_nb.course_files.{part}": part for part in ("notebooks", "exercises")}

# Their *.ipynb are listed in pyproject.toml's package-data (which replaces any given here).
setup(
    packages=find_packages(include=["micrograd_nb", "micrograd_nb.*"]) + list(COURSE),
    package_dir=COURSE,
)
