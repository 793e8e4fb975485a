#!/usr/bin/env bash
# Run the whole test suite (engine, widgets, browser tests, notebooks) in .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
.venv/bin/python -m ruff check micrograd_nb tests benchmarks
.venv/bin/python -m ruff format --check micrograd_nb tests benchmarks
exec .venv/bin/python -m pytest "$@"
