#!/usr/bin/env bash
# Open the course: JupyterLab on notebooks/ with micrograd_nb installed in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh course
exec .venv/bin/python -m jupyter lab --notebook-dir=notebooks "$@"
