"""GraphView from Python: the DOT it sends, collapsing modules, the info of each node, the fallback.

The browser side (layout, zoom, clicks) is tested in test_browser_graph_view.py.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.viz.render import render_bytes
from micrograd_nb.widgets.graph_view import GraphView, graphviz_module_source


@pytest.fixture
def mlp_loss():
    mg.manual_seed(0)
    model = mg.nn.MLP([4, 8, 3, 2])
    loss = (model(mg.Tensor(np.ones((5, 4)), label="X")) ** 2).mean()
    loss.label = "loss"
    loss.backward()
    return model, loss


def value_nodes(source: str) -> set[str]:
    """DOT names of the value nodes and collapsed boxes drawn."""
    return set(re.findall(r"^  (n\d+|collapsed_\d+) \[", source, flags=re.M))


def test_each_node_shows_its_data_grad_and_the_rule_of_its_grad(worked_example):
    x, y, w, s, z, L = worked_example
    L.backward()
    view = GraphView(L)
    by_title = {entry["title"]: entry for entry in view.nodes.values()}
    x_entry = by_title["x (leaf)"]
    assert (x_entry["data"], x_entry["grad"]) == ("2", "160")
    assert x_entry["rule"] == "∂L/∂x = ∂L/∂s · 1 = 160 · 1 = 160"
    assert by_title["w (leaf)"]["rule"] == "∂L/∂w = ∂L/∂z · s = 40 · 5 = 200"
    assert by_title["L (made by **2)"]["rule"].startswith("∂L/∂L = 1")
    # operation nodes list their local derivatives
    assert by_title["operation * → z"]["rule"] == "∂z/∂s = w\n∂z/∂w = s"
    # every value node of the DOT text has an entry, under the same name
    assert value_nodes(view.dot_source) <= set(view.nodes)


def test_parameters_are_named_by_their_module_path(mlp_loss):
    model, loss = mlp_loss
    view = GraphView(loss, module=model)
    titles = [entry["title"] for entry in view.nodes.values()]
    assert "layers.0.weight (8, 4) float64 (leaf)" in titles
    weight = next(e for e in view.nodes.values() if e["title"].startswith("layers.0.weight"))
    assert weight["rule"].startswith("∂loss/∂(layers.0.weight) = transpose.backward(")
    np.testing.assert_allclose(
        float(weight["grad"].split()[-1]), np.linalg.norm(model.layers[0].weight.grad), rtol=1e-3
    )


def test_collapsing_a_module_replaces_its_nodes_by_one_box_and_expanding_restores_them(mlp_loss):
    model, loss = mlp_loss
    view = GraphView(loss, module=model)
    assert view.modules == {
        "layers": "layers (Sequential)",
        "layers.0": "layers.0 (Linear)",
        "layers.2": "layers.2 (Linear)",
        "layers.4": "layers.4 (Linear)",
    }
    assert sorted(view.clusters.values()) == sorted(view.modules)
    full = view.dot_source
    body = _cluster_body(full, "layers.0 (Linear)")
    inside = {name for name in value_nodes(full) if f"  {name} [" in body}
    assert inside  # weight, its transpose, bias, the product and the sum

    view.collapse("layers.0")
    assert view.boxes == {"collapsed_0": "layers.0"}
    assert "layers.0" not in view.clusters.values()
    collapsed = view.dot_source
    assert not inside & value_nodes(collapsed)  # no node of the layer is left ...
    assert "⊞ layers.0 (Linear)\\n5 nodes" in collapsed  # ... one box stands for it
    # edges into and out of the layer now end at the box, each pair once
    assert "  n2 -> collapsed_0;\n" in collapsed  # X feeds the layer
    assert len(re.findall(r"collapsed_0 -> ", collapsed)) == 1
    render_bytes(collapsed)  # valid DOT

    view.expand("layers.0")
    assert view.dot_source == full and view.boxes == {}


def test_collapsing_an_outer_module_collapses_everything_inside(mlp_loss):
    model, loss = mlp_loss
    view = GraphView(loss, module=model, collapsed=["layers", "layers.2"])
    assert view.boxes == {"collapsed_0": "layers"}
    assert "⊞ layers (Sequential)\\n15 nodes" in view.dot_source
    assert view.clusters == {}
    render_bytes(view.dot_source)
    view.expand()
    assert view.collapsed == [] and view.boxes == {}
    view.collapse_all()  # the innermost modules: each layer
    assert view.innermost == ["layers.0", "layers.2", "layers.4"]
    assert sorted(view.boxes.values()) == view.innermost


def test_the_browser_collapses_through_the_collapsed_trait(mlp_loss):
    model, loss = mlp_loss
    view = GraphView(loss, module=model)
    view.set_state({"collapsed": ["layers.4"]})  # what a click on the frame sends
    assert view.boxes == {"collapsed_0": "layers.4"}
    assert "⊞ layers.4 (Linear)" in view.dot_source


def test_unknown_modules_and_roots_are_explained(mlp_loss):
    model, loss = mlp_loss
    view = GraphView(loss, module=model)
    with pytest.raises(ValueError, match=r"no module 'layers.9'.*\['layers', 'layers.0'"):
        view.collapse("layers.9")
    with pytest.raises(TypeError, match="expected a Value or Tensor"):
        GraphView(np.ones(3))


def test_where_widgets_cannot_run_the_static_picture_is_shown(mlp_loss):
    model, loss = mlp_loss
    view = GraphView(loss, module=model)
    data, _ = view._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == view.model_id
    assert data["image/svg+xml"].lstrip().startswith(("<?xml", "<svg", "<!--"))
    assert "layers.0 (Linear)" in data["image/svg+xml"]
    total = mg.draw(loss).graph.total
    assert data["text/plain"].startswith(f"<GraphView of {total} of {total} nodes; 4 modules")


def test_the_browser_gets_graphviz_as_webassembly_from_a_package():
    source = graphviz_module_source()
    assert "Graphviz" in source and "export" in source
    # the WebAssembly is inside the module: the only addresses in it are XML namespaces
    assert set(re.findall(r"https?://[A-Za-z0-9.\-]+", source)) == {"http://www.w3.org"}


def _cluster_body(source: str, title: str) -> str:
    """The text of the subgraph whose label is `title`, up to its closing brace."""
    start = source.index(f'label="{title}"')
    return source[start : source.index("\n  }\n", start)]
