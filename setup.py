"""Ship the course inside the wheel: notebooks/ and exercises/ become micrograd_nb/course_files/.

Everything else is configured in pyproject.toml. The two folders stay where they are in the
repository (one copy in git); `python -m micrograd_nb.course DIR` copies them for a learner.
"""

from setuptools import find_namespace_packages, setup

COURSE = {f"micrograd_nb.course_files.{part}": part for part in ("notebooks", "exercises")}

# Their *.ipynb are listed in pyproject.toml's package-data (which replaces any given here).
setup(
    # namespace discovery also lists the folders of data files (micrograd_nb/data,
    # micrograd_nb/widgets/static), which setuptools otherwise warns it would leave out
    packages=find_namespace_packages(
        include=["micrograd_nb", "micrograd_nb.*"], exclude=["*.__pycache__"]
    )
    + list(COURSE),
    package_dir=COURSE,
)
