"""Interactive widgets (ipywidgets) for the course: `BackwardStepper`, `ForwardStepper`, ...

Each widget lives in its own module and is imported on first use, so `import micrograd_nb`
does not load ipywidgets. To add one, add its name and module to `_WIDGETS`.
"""

from __future__ import annotations

import importlib

#: public name -> module (relative to this package) that defines it
_WIDGETS = {
    "BackwardStepper": ".stepper",
    "ForwardStepper": ".stepper",
    "GradientFlowExplorer": ".explorer",
    "ActivationExplorer": ".activation_explorer",
    "InitExplorer": ".init_explorer",
    "LossScaleExplorer": ".loss_scale_explorer",
    "GraphView": ".graph_view",
}

__all__ = sorted(_WIDGETS)


def __getattr__(name: str):
    if name in _WIDGETS:
        module = importlib.import_module(_WIDGETS[name], __name__)
        return getattr(module, name)
    raise AttributeError(f"module 'micrograd_nb.widgets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_WIDGETS))
