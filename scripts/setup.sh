#!/usr/bin/env bash
# Create .venv and install micrograd_nb with the given extras; install system packages where root.
# Usage: scripts/setup.sh EXTRAS   (e.g. "course" or "test")
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-course}"
python="${PYTHON:-python3}"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq >/dev/null && as_root apt-get install -y -qq "$@" >/dev/null
}

if [ ! -x .venv/bin/python ]; then
  if ! "$python" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    echo "python3 -m venv is missing; installing Debian's python3-venv ..."
    apt_install python3-venv || { echo "Please install python3-venv (apt-get install python3-venv) and re-run." >&2; exit 1; }
    "$python" -m venv .venv
  fi
fi
# Re-install only when the packaging changed since the last install of these extras.
stamp=".venv/.installed-$extras"
wanted="$(cat pyproject.toml setup.py | sha256sum | cut -c1-16)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  .venv/bin/python -m pip install -q -e ".[$extras]"
  echo "$wanted" > "$stamp"
fi

# System packages from Debian where we may install them (root or passwordless sudo):
# Graphviz's `dot` (pictures also render without it, through the graphviz-pure dependency;
# the tests compare the two) and, for the browser tests, Chromium.
to_install=()
command -v dot >/dev/null || to_install+=( graphviz )
if [ "$extras" = test ] && [ ! -x /usr/bin/chromium ]; then to_install+=( chromium fonts-dejavu-core ); fi
if [ ${#to_install[@]} -gt 0 ]; then
  echo "Installing Debian's ${to_install[*]} ..."
  if ! apt_install "${to_install[@]}"; then
    if [ "$extras" = test ]; then
      echo "Could not install ${to_install[*]} (not root?): run 'sudo apt-get install ${to_install[*]}'; the tests that need them will fail without them." >&2
    else
      echo "Could not install ${to_install[*]} (not root?): graph pictures render through graphviz-pure instead." >&2
    fi
  fi
fi
