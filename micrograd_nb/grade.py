"""Autograder entry point: `python -m micrograd_nb.grade <submission.ipynb|.py> [--json out.json]`."""

import sys

from .grading.cli import main

if __name__ == "__main__":
    sys.exit(main())
