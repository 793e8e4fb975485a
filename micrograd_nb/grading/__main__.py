"""`python -m micrograd_nb.grading ...`: the same as `python -m micrograd_nb.grade ...`."""

import sys

from .cli import main

sys.exit(main())
