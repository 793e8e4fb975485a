"""Pictures of computation graphs: `draw(root)` shows every value and adjoint with Graphviz."""

from .dot import DrawOptions, build_dot
from .drawing import Drawing, draw
from .failure import install_error_display
from .render import INSTALL_HINT, find_renderer

__all__ = [
    "Drawing",
    "DrawOptions",
    "INSTALL_HINT",
    "build_dot",
    "draw",
    "find_renderer",
    "install_error_display",
]
