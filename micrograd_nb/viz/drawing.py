"""`mg.draw`: a picture of a computation graph that Jupyter shows inline as SVG."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..autograd import Node
from .clusters import collect_names
from .dot import DotGraph, DrawOptions, build_dot
from .failure import failure_drawing_parts, failure_record
from .render import INSTALL_HINT, RendererNotFoundError, render_bytes


class Drawing:
    """A drawn graph: `.source` is the DOT text; shown as SVG in Jupyter; `.render()` saves it.

    When no Graphviz renderer is installed, Jupyter shows the DOT text and one line saying how
    to install one, instead of an error.
    """

    def __init__(self, graph: DotGraph):
        self.graph = graph
        self._svg: str | None = None

    @property
    def source(self) -> str:
        """The DOT text (paste it into any Graphviz viewer)."""
        return self.graph.source

    def pipe(self, format: str = "svg") -> bytes:
        """The rendered picture as bytes ('svg' or 'png')."""
        return render_bytes(self.source, format)

    def svg(self) -> str:
        """The rendered SVG text (cached)."""
        if self._svg is None:
            self._svg = self.pipe("svg").decode("utf-8")
        return self._svg

    def render(self, filename: str | Path = "graph", format: str = "svg") -> Path:
        """Save the picture as `filename.format` (e.g. graph.svg, graph.png); return its path."""
        path = Path(filename)
        if path.suffix.lstrip(".") != format:
            path = path.with_name(path.name + "." + format)
        path.write_bytes(self.svg().encode("utf-8") if format == "svg" else self.pipe(format))
        return path

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        try:
            return {"image/svg+xml": self.svg()}
        except RendererNotFoundError:
            problem = INSTALL_HINT
        except Exception as err:  # noqa: BLE001 - a picture must never become a traceback
            problem = f"Graphviz could not draw this graph ({type(err).__name__}: {err})."
        return {
            "text/plain": f"{problem}\n\n{self.source}",
            "text/html": (
                f"<p><b>{html.escape(problem)}</b></p><pre>{html.escape(self.source)}</pre>"
            ),
        }

    def __repr__(self) -> str:
        return (
            f"<Drawing of {self.graph.shown} of {self.graph.total} nodes; .source has the DOT text>"
        )


def draw(
    root: Node | Iterable[Node] | BaseException,
    *,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    max_nodes: int = 150,
    module: Any = None,
    params: Mapping[str, Node] | None = None,
    legend: bool = True,
    title: str = "",
    max_width: float | None = 10.0,
) -> Drawing:
    """Draw the graph that computed `root`: every value with its data and gradient.

    `root` may also be an error raised by an operation (`except ValueError as err:
    mg.draw(err)`): the graph that led to it, with the failed operation as a red node.
    - `rankdir`: "LR" (left to right) or "TB" (top to bottom).
    - `show_data` / `show_grad`: which numbers to print in the value nodes.
    - `max_nodes`: larger graphs show the nodes nearest `root` and a "… N more nodes" note.
    - `module` (anything with `named_parameters()`, or a micrograd-style object holding
      Values) or `params={"layer.weight": W, ...}`: name the parameters and group them, with
      the operations that use them, into one box per module.
    - `legend`: explain the colour scale (colour = |grad| on a log scale).
    - `max_width`: inches; a wider picture is scaled down to fit a notebook (None: never).
    """
    options = DrawOptions(
        rankdir=rankdir,
        show_data=show_data,
        show_grad=show_grad,
        max_nodes=max_nodes,
        legend=legend,
        max_width=max_width,
    )
    names = collect_names(module, params) if (module is not None or params is not None) else None
    if isinstance(root, BaseException):
        parts = failure_drawing_parts(failure_record(root))
        return Drawing(
            build_dot(
                parts["roots"],
                options,
                names=names,
                grad_of=parts["grad_of"],
                failure=parts["failure"],
                title=title or parts["title"],
            )
        )
    return Drawing(build_dot(root, options, names=names, title=title))
