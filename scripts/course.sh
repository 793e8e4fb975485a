#!/usr/bin/env bash
# Open the course: JupyterLab on notebooks/ (exercises/ beside it) with micrograd_nb in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh course
exec .venv/bin/python -m jupyter lab --ServerApp.root_dir="$PWD" \
  --LabApp.default_url=/lab/tree/notebooks/01_computation_graphs.ipynb "$@"
