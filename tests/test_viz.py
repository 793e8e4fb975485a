"""mg.draw: DOT text, rendered SVG, colours, legend, clusters, broadcast marks, large graphs,
and the fallbacks when no system Graphviz (or no renderer at all) is installed."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.nn.scalar import MLP
from micrograd_nb.viz import colors, render
from micrograd_nb.viz.format import format_array, format_number, format_values

ROOT = Path(__file__).resolve().parents[1]


def svg_text(svg: str) -> str:
    """The visible text of an SVG (entities such as &#45; decoded)."""
    return html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


def node_line(source: str, field_text: str) -> str:
    """The DOT line of the node whose label contains `field_text`."""
    lines = [line for line in source.splitlines() if field_text in line and "label=" in line]
    assert len(lines) == 1, (field_text, lines)
    return lines[0]


def cluster_blocks(source: str) -> dict[str, str]:
    """{cluster label: text inside that cluster (nested clusters included)}."""
    blocks = {}
    lines = source.splitlines()
    for i, line in enumerate(lines):
        if "subgraph cluster_" in line:
            depth, body = 0, []
            for inner in lines[i:]:
                depth += inner.count("{") - inner.count("}")
                body.append(inner)
                if depth <= 0:
                    break
            label = re.search(r'label="([^"]*)"', lines[i + 1]).group(1)
            blocks[label] = "\n".join(body)
    return blocks


# ---- number formatting -------------------------------------------------------------------
@pytest.mark.parametrize(
    "x, text",
    [
        (400.0, "400"),
        (1.0, "1"),
        (160.00000000000003, "160"),
        (0.1225, "0.1225"),
        (-0.7, "-0.7"),
        (0.25**10, "9.537e-7"),
        (35000.0, "35000"),
        (2.0**40, "1.1e12"),
        (0.0, "0"),
        (-0.0, "0"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
    ],
)
def test_format_number(x, text):
    assert format_number(x) == text


def test_format_arrays_small_in_full_large_as_statistics():
    assert format_array(np.array([[1.0, 2.5], [-3.0, 4.0]])) == "[[1, 2.5], [-3, 4]]"
    assert format_values(np.arange(8.0)) == "[0, 1, 2, 3, 4, 5, 6, 7]"
    # 0..11: mean 5.5, population std sqrt(143/12) = 3.452, min 0, max 11
    assert format_values(np.arange(12.0)) == "mean 5.5 std 3.45\nmin 0 max 11"


# ---- colours -----------------------------------------------------------------------------
def test_colour_scale_is_logarithmic_and_ordered():
    magnitudes = [1e-7, 1e-5, 1e-3, 0.1, 10.0, 1e3, 1e5]  # one per two-decade bin
    fills = [colors.grad_color(m) for m in magnitudes]
    assert fills == list(colors.PALETTE)
    assert colors.grad_color(-1e3) == colors.grad_color(1e3)  # sign does not matter
    assert colors.grad_color(0.0) == colors.ZERO_COLOR
    assert colors.grad_color(float("nan")) == colors.NONFINITE_COLOR
    assert colors.grad_color(np.array([np.inf, 1.0])) == colors.NONFINITE_COLOR
    assert colors.grad_color(None) == colors.NO_GRAD_COLOR
    # a tensor is coloured by its L2 norm: ‖[3e-3, 4e-3]‖ = 5e-3 -> the 1e-4 … 1e-2 bin
    assert colors.grad_color(np.array([3e-3, 4e-3])) == colors.PALETTE[2]
    assert colors.grad_color(np.array([3e-3, 4e-3]) * 10) == colors.PALETTE[3]


# ---- the worked example ------------------------------------------------------------------
def test_dot_source_shows_values_grads_and_ops(worked_example):
    x, y, w, s, z, L = worked_example
    L.backward()
    source = mg.draw(L).source
    for name, data, grad in [
        ("x", 2, 160),
        ("y", 3, 160),
        ("w", 4, 200),
        ("s", 5, 160),
        ("z", 20, 40),
        ("L", 400, 1),
    ]:
        assert f'label="{{{name}|data {data}|grad {grad}}}"' in source
    for op in ['"+"', '"*"', '"**2"']:
        assert f"label={op}" in source
    # leaves are rounded and bold, intermediates square
    assert "shape=Mrecord" in node_line(source, "{x|") and "bold" in node_line(source, "{x|")
    assert "shape=record" in node_line(source, "{s|")
    # colour: grad 160 (100 … 1e4 bin) vs grad 40 and 1 (1 … 100 bin)
    assert f'fillcolor="{colors.grad_color(160.0)}"' in node_line(source, "{s|")
    assert colors.grad_color(160.0) != colors.grad_color(40.0)
    assert f'fillcolor="{colors.grad_color(40.0)}"' in node_line(source, "{z|")
    assert "colour = |grad| (log scale" in source  # legend


def test_rendered_svg_contains_numbers_and_legend(worked_example):
    *_, L = worked_example
    L.backward()
    drawing = mg.draw(L)
    bundle = drawing._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    text = svg_text(svg)
    for piece in [
        "data 400",
        "grad 1",
        "data 20",
        "grad 40",
        "data 5",
        "grad 160",
        "grad 200",
        "**2",
    ]:
        assert piece in text
    assert "colour = |grad| (log scale" in text and "1e-6 … 1e-4" in text and "nan / inf" in text
    assert colors.grad_color(160.0) in svg  # the fill is in the picture
    assert repr(drawing).startswith("<Drawing of 6 of 6 nodes")


def test_render_writes_svg_and_png(tmp_path, worked_example):
    *_, L = worked_example
    drawing = mg.draw(L)
    svg_path = drawing.render(tmp_path / "graph", format="svg")
    png_path = drawing.render(tmp_path / "graph", format="png")
    assert svg_path.name == "graph.svg" and "data 400" in svg_text(svg_path.read_text())
    assert png_path.name == "graph.png" and png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_options_rankdir_show_data_show_grad(worked_example):
    *_, L = worked_example
    L.backward()
    tb = mg.draw(L, rankdir="TB").source
    assert "rankdir=TB" in tb and 'label="L|data 400|grad 1"' in tb  # fields stay side by side
    no_grad_src = mg.draw(L, show_grad=False).source
    assert (
        "grad" not in no_grad_src and "data 400" in no_grad_src and "log scale" not in no_grad_src
    )
    no_data_src = mg.draw(L, show_data=False).source
    assert "data" not in no_data_src and "{L|grad 1}" in no_data_src
    with pytest.raises(ValueError, match="rankdir"):
        mg.draw(L, rankdir="sideways")
    with pytest.raises(TypeError, match="Value or Tensor"):
        mg.draw(3.0)


def test_constants_are_drawn_distinct():
    a = mg.Value(3.0, label="a")
    out = a * 2.0
    source = mg.draw(out).source
    const = node_line(source, "data 2")
    assert "dashed" in const and "grad" not in const


# ---- tensors -----------------------------------------------------------------------------
def test_tensor_nodes_show_shape_dtype_values_stats_and_grad_norm():
    W = mg.Tensor(np.arange(12, dtype=np.float32).reshape(3, 4), requires_grad=True, label="W")
    v = mg.Tensor([1.0, 2.0, 2.0, 0.0], dtype=np.float32, requires_grad=True, label="v")
    loss = (W @ v).sum()
    loss.backward()
    source = mg.draw(loss).source
    w_line = node_line(source, "{W|")
    assert "(3, 4) float32" in w_line
    assert "mean 5.5 std 3.45\\nmin 0 max 11" in w_line  # 12 elements: statistics
    # dL/dW = ones(3) ⊗ v: rows [1, 2, 2, 0]; ‖·‖ = sqrt(3 · 9) = 5.196
    assert "‖grad‖ 5.196" in w_line
    v_line = node_line(source, "{v|")
    assert "data [1, 2, 2, 0]" in v_line  # 4 elements: in full
    # dL/dv = column sums of W = [12, 15, 18, 21]; ‖·‖ = sqrt(1134) = 33.67
    assert "grad [12, 15, 18, 21]\\n‖grad‖ 33.67" in v_line
    assert f'fillcolor="{colors.grad_color(33.67)}"' in v_line
    assert 'label="@"' in source and 'label="sum"' in source


def test_broadcast_edges_are_marked():
    W = mg.Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    b = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True, label="b")
    out = ((W + b) * 2.0).sum()
    out.backward()
    source = mg.draw(out).source
    marked = [line for line in source.splitlines() if "broadcast" in line and "->" in line]
    assert len(marked) == 1  # only b -> +: not W (same shape), not the constant, not sum
    ids = {m.group(2): m.group(1) for m in re.finditer(r"(n\d+) \[label=\"\{(\w)\|", source)}
    assert marked[0].startswith(f"  {ids['b']} -> ")
    assert "broadcast (3,)→(2, 3)\\ngrad summed back" in marked[0]
    assert "grad [4, 4, 4]" in node_line(source, "{b|")  # summed over the 2 rows of 2s
    assert "broadcast (3,)→(2, 3)" in svg_text(mg.draw(out).svg())


# ---- clusters ----------------------------------------------------------------------------
class TinyNet:
    """A stand-in for an nn.Module: anything with named_parameters() works."""

    def __init__(self):
        self.hidden = TinyLinear(np.ones((2, 2)), np.zeros(2))
        self.out = TinyLinear(np.ones((1, 2)), np.zeros(1))

    def named_parameters(self):
        return [
            ("hidden.weight", self.hidden.weight),
            ("hidden.bias", self.hidden.bias),
            ("out.weight", self.out.weight),
            ("out.bias", self.out.bias),
        ]

    def __call__(self, x):
        return self.out(self.hidden(x).relu())


class TinyLinear:
    def __init__(self, weight, bias):
        self.weight = mg.Tensor(weight, requires_grad=True)
        self.bias = mg.Tensor(bias, requires_grad=True)

    def __call__(self, x):
        return x @ self.weight.T + self.bias  # as nn.Linear: W.T is computed from W alone


def test_clusters_group_parameters_and_their_operations_by_module():
    net = TinyNet()
    loss = (net(mg.Tensor([1.0, -2.0], label="x")) ** 2).sum()
    loss.backward()
    source = mg.draw(loss, module=net).source
    blocks = cluster_blocks(source)
    assert set(blocks) == {"hidden (TinyLinear)", "out (TinyLinear)"}
    hidden = blocks["hidden (TinyLinear)"]
    assert "{weight|(2, 2) float64" in hidden and "{bias|(2,) float64" in hidden
    # W.T, x @ W.T and + b are inside: computed from the parameters or using them directly
    assert 'label="transpose"' in hidden and 'label="@"' in hidden and 'label="+"' in hidden
    assert "relu" not in hidden and "{x|" not in hidden  # activation and input stay outside
    assert "relu" not in blocks["out (TinyLinear)"] and "sum" not in blocks["out (TinyLinear)"]
    # params= gives the same grouping without a module object
    by_dict = mg.draw(loss, params=dict(net.named_parameters())).source
    assert set(cluster_blocks(by_dict)) == {"hidden", "out"}
    assert "{weight|(1, 2) float64" in cluster_blocks(by_dict)["out"]
    assert "hidden (TinyLinear)" in svg_text(mg.draw(loss, module=net).svg())


def test_clusters_for_a_micrograd_style_mlp_without_named_parameters():
    import random

    random.seed(1)
    model = MLP(2, [2, 1])
    loss = (model([mg.Value(1.0), mg.Value(-1.0)]) - 1.0) ** 2
    blocks = cluster_blocks(mg.draw(loss, module=model).source)
    assert "layers.0 (Layer)" in blocks and "layers.0.neurons.1 (Neuron)" in blocks
    neuron = blocks["layers.0.neurons.1 (Neuron)"]
    assert "{w[0]|" in neuron and "{w[1]|" in neuron and "{b|" in neuron and "Σw·x+b" in neuron
    assert "layers.0.neurons.1 (Neuron)" in blocks["layers.0 (Layer)"]  # nested


# ---- large graphs ------------------------------------------------------------------------
def chain(n: int):
    x = mg.Value(0.5, label="x")
    v = x
    for i in range(n):
        v = v * 1.0001 if i % 2 else v + 0.001
    return x, v


def test_large_graph_is_summarized_with_a_visible_note():
    x, out = chain(3000)  # 3,000 operations: 3,001 values + 3,000 constants
    out.backward()
    drawing = mg.draw(out, max_nodes=40)
    assert drawing.graph.shown == 40 and drawing.graph.total == 6001
    assert "… 5,961 more nodes" in drawing.source and "max_nodes=40" in drawing.source
    assert drawing.source.count("[label=") == 40 + 20 + 1  # values, their ops, the note
    assert "5,961 more nodes" in svg_text(drawing.svg())
    # the kept nodes are the ones nearest the output
    assert f"data {format_number(out.data)}" in drawing.source and "{x|" not in drawing.source


def test_deep_graph_needs_no_recursion():
    _, out = chain(30_000)
    drawing = mg.draw(out)
    assert drawing.graph.total == 60_001 and drawing.graph.shown == 150


# ---- renderers ---------------------------------------------------------------------------
def _path_without_dot() -> str:
    keep = [
        d
        for d in os.environ.get("PATH", "").split(os.pathsep)
        if d and not (Path(d) / "dot").exists()
    ]
    return os.pathsep.join(keep)


def _run_without_dot(code: str) -> dict:
    env = dict(os.environ, PATH=_path_without_dot())
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _svg_parts(svg: str) -> tuple:
    """What a renderer drew, whatever its layout: every text, and how many nodes/edges/clusters."""
    texts = sorted(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    return texts, svg.count('class="node"'), svg.count('class="edge"'), svg.count('class="cluster"')


def test_system_dot_is_preferred_and_draws_what_graphviz_pure_draws(worked_example):
    system_dot = shutil.which("dot")
    assert system_dot, (
        "no system `dot`: scripts/setup.sh installs Debian's graphviz when run as root "
        "(else: sudo apt-get install graphviz)"
    )
    assert render.find_renderer() == Path(system_dot)
    mg.manual_seed(0)
    model = mg.nn.MLP([2, 3, 1])
    loss = (model(mg.Tensor([[1.0, -1.0]])) ** 2).sum()
    loss.backward()
    *_, L = worked_example
    L.backward()
    pure = render.find_pure_program()
    for drawing in (mg.draw(L), mg.draw(loss, module=model)):
        by_system = drawing.svg()
        assert "graphviz-pure" not in by_system
        done = subprocess.run(
            [str(pure), "-Tsvg"], input=drawing.source, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert _svg_parts(by_system) == _svg_parts(done.stdout)
    texts, nodes, edges, clusters = _svg_parts(by_system)
    assert clusters >= 2 and nodes > 10 and "layers.0" in " ".join(texts)


def test_without_system_dot_renders_through_graphviz_pure():
    code = """
import json, shutil
import graphviz.backend.dot_command as dot_command
import micrograd_nb as mg
from micrograd_nb.viz import find_renderer
x, y, w = mg.Value(2.0, label="x"), mg.Value(3.0, label="y"), mg.Value(4.0, label="w")
L = ((x + y) * w) ** 2
L.backward()
d = mg.draw(L)
svg = d._repr_mimebundle_()["image/svg+xml"]
print(json.dumps({"which_dot": shutil.which("dot"), "renderer": str(find_renderer()),
                  "dot_binary": str(dot_command.DOT_BINARY), "svg": svg}))
"""
    result = _run_without_dot(code)
    assert result["which_dot"] is None
    assert Path(result["renderer"]).name == "graphviz-pure"
    assert result["dot_binary"] == result["renderer"]  # the graphviz package points at it
    assert "graphviz-pure" in result["svg"]  # its version banner
    text = svg_text(result["svg"])
    assert "data 400" in text and "grad 160" in text and "grad 200" in text


def test_without_any_renderer_shows_dot_text_and_a_hint():
    code = """
import json
import micrograd_nb as mg
from micrograd_nb.viz import render
render._script_dirs = lambda: []  # as if graphviz-pure were not installed
x = mg.Value(2.0, label="x"); L = (x * x); L.label = "L"; L.backward()
d = mg.draw(L)
bundle = d._repr_mimebundle_()
try:
    d.render("never", format="svg")
    error = ""
except render.RendererNotFoundError as err:
    error = str(err)
print(json.dumps({"bundle": bundle, "error": error, "source": d.source}))
"""
    result = _run_without_dot(code)
    bundle = result["bundle"]
    assert "image/svg+xml" not in bundle
    assert bundle["text/plain"].startswith(render.INSTALL_HINT)
    assert result["source"] in bundle["text/plain"]
    assert (
        "pip install graphviz-pure" in bundle["text/html"]
        and "{L|data 4|grad 1}" in bundle["text/html"]
    )
    assert result["error"] == render.INSTALL_HINT
    assert "Traceback" not in bundle["text/plain"]


def test_renderer_failure_is_shown_not_raised(monkeypatch, worked_example):
    *_, L = worked_example
    drawing = mg.draw(L)

    def broken(source, format="svg"):
        raise RuntimeError("layout crashed")

    monkeypatch.setattr("micrograd_nb.viz.drawing.render_bytes", broken)
    bundle = drawing._repr_mimebundle_()
    assert "layout crashed" in bundle["text/plain"] and drawing.source in bundle["text/plain"]


@pytest.mark.parametrize(
    "name, formula",
    [("exp", "exp(x)"), ("log", "1/x"), ("sqrt", "1/(2·√x)"), ("tanh", "1 - y²"),
     ("sigmoid", "y·(1 - y)"), ("relu", "[x > 0]"), ("abs", "sign(x)")],
)  # fmt: skip
def test_local_formulas_of_one_input_operations(name, formula):
    from micrograd_nb.viz.formulas import local_formula

    y = getattr(mg.Tensor(np.array([0.5, 2.0]), requires_grad=True), name)()
    assert y.op == name and local_formula(y, 0, ["x"], "y") == formula
