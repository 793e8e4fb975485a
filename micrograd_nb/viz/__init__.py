"""Pictures of computation graphs: `draw(root)` shows every value and adjoint with Graphviz.

`backward_steps(root)` / `forward_steps(root, wrt)` write the chain rule out one node at a time
(what the steppers in `mg.widgets` show), as text.
"""

from .dot import DrawOptions, build_dot
from .drawing import Drawing, draw
from .error_display import install_error_display
from .render import INSTALL_HINT, find_renderer
from .steps import StepPlan, backward_steps, forward_steps

__all__ = [
    "Drawing",
    "DrawOptions",
    "INSTALL_HINT",
    "StepPlan",
    "backward_steps",
    "build_dot",
    "draw",
    "find_renderer",
    "forward_steps",
    "install_error_display",
]
