"""Find a Graphviz program and turn DOT text into SVG/PNG bytes.

Order of preference: a system `dot` on PATH, then the `graphviz-pure` program that the
`graphviz-pure` wheel (a dependency) installs next to Python's scripts. The `graphviz` Python
package runs whatever `graphviz.backend.dot_command.DOT_BINARY` names, so we point it there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sysconfig
from pathlib import Path

#: printed (never raised) when a picture cannot be made in a notebook
INSTALL_HINT = (
    "No Graphviz renderer found: run `pip install graphviz-pure` (or install Graphviz, "
    "e.g. `apt-get install graphviz`) to see this graph as a picture."
)

PURE_PROGRAM = "graphviz-pure"
RENDER_TIMEOUT_SECONDS = 60


class RendererNotFoundError(RuntimeError):
    """Neither `dot` nor `graphviz-pure` is installed."""


def _script_dirs() -> list[Path]:
    """Where pip puts console programs: this environment's scripts, then the user scheme's."""
    dirs = []
    for scheme in (None, f"{os.name}_user"):
        try:
            path = (
                sysconfig.get_path("scripts")
                if scheme is None
                else sysconfig.get_path("scripts", scheme)
            )
        except KeyError:
            continue
        if path and Path(path) not in dirs:
            dirs.append(Path(path))
    return dirs


def find_pure_program() -> Path | None:
    """The `graphviz-pure` executable installed by the wheel (looked up via sysconfig, not PATH)."""
    suffixes = (".exe", "") if os.name == "nt" else ("",)
    for directory in _script_dirs():
        for suffix in suffixes:
            candidate = directory / (PURE_PROGRAM + suffix)
            if candidate.is_file() and os.access(candidate, os.X_OK):
                return candidate
    return None


def find_renderer() -> Path | None:
    """The program that will render: the configured/system `dot` if present, else graphviz-pure."""
    import graphviz.backend.dot_command as dot_command

    configured = Path(dot_command.DOT_BINARY)
    if configured != Path("dot") and configured.is_file():
        return configured  # set by us earlier, or by the user on purpose
    system_dot = shutil.which("dot")
    if system_dot:
        return Path(system_dot)
    return find_pure_program()


def use_available_renderer() -> Path | None:
    """Point the `graphviz` package at the renderer we found; None when there is none."""
    import graphviz.backend.dot_command as dot_command

    program = find_renderer()
    if program is not None and Path(dot_command.DOT_BINARY) == Path("dot"):
        if shutil.which("dot") is None:
            # Also lets the learner's own graphviz.Digraph objects render.
            dot_command.DOT_BINARY = program
    return program


def render_bytes(source: str, format: str = "svg") -> bytes:
    """Run the renderer on DOT `source`; raise RendererNotFoundError if there is none."""
    program = use_available_renderer()
    if program is None:
        raise RendererNotFoundError(INSTALL_HINT)
    import graphviz

    return graphviz.pipe("dot", format, source.encode("utf-8"), quiet=True)


def renderer_version(program: Path) -> str:
    """`dot -V` of a renderer (for messages and tests)."""
    done = subprocess.run(
        [str(program), "-V"], capture_output=True, text=True, timeout=RENDER_TIMEOUT_SECONDS
    )
    return (done.stderr or done.stdout).strip()
