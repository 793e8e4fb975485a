#!/usr/bin/env bash
# Open the course: JupyterLab on notebooks/ (exercises/ beside it) with micrograd_nb in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh course
as_root=()
[ "$(id -u)" = 0 ] && as_root=(--allow-root)  # JupyterLab refuses to run as root otherwise
exec .venv/bin/python -m jupyter lab "${as_root[@]}" --ServerApp.root_dir="$PWD" \
  --LabApp.default_url=/lab/tree/notebooks/01_computation_graphs.ipynb "$@"
