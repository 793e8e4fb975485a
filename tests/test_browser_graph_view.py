"""GraphView in a real browser: Graphviz (WebAssembly) lays the graph out in Chromium, in Voilà
and in JupyterLab; zoom, collapse a module, expand it, select a node."""

from __future__ import annotations

import pytest
from browser_support import (
    VOILA_LOAD_TIMEOUT_MS,
    LabServer,
    chromium_page,
    save_screenshot,
    write_notebook,
)
from playwright.sync_api import expect

GRAPH_NOTEBOOK = [
    "import numpy as np\nimport micrograd_nb as mg",
    (
        "mg.manual_seed(0)\n"
        "model = mg.nn.MLP([4, 8, 3, 2])\n"
        "loss = (model(mg.Tensor(np.ones((5, 4)), label='X')) ** 2).mean()\n"
        "loss.label = 'loss'\n"
        "loss.backward()\n"
        "view = mg.widgets.GraphView(loss, module=model)\n"
        "view"
    ),
]
VIEW = ".mg-graph-view"


def view_box(page) -> list[float]:
    return [float(v) for v in page.get_attribute(f"{VIEW} svg", "viewBox").split()]


def wait_for_layout(page, timeout_ms: int = 20_000) -> None:
    page.wait_for_selector(f"{VIEW} svg g.node", timeout=timeout_ms)


def exercise_graph_view(page, name: str) -> None:
    """Zoom, collapse and expand a module, select a node: the checks shared by Voilà and JupyterLab."""
    wait_for_layout(page, VOILA_LOAD_TIMEOUT_MS)
    # Graphviz ran in the page: module boxes and the values of the graph are there
    clusters = page.locator(f"{VIEW} g.cluster.mg-collapsible")
    assert clusters.count() == 4  # layers, layers.0, layers.2, layers.4
    assert "loss" in page.text_content(f"{VIEW} svg")
    save_screenshot(page, f"graph_view_{name}_0")

    # zoom in with the button: the visible part of the drawing shrinks
    full = view_box(page)
    page.locator(f"{VIEW} .mg-graph-button", has_text="+").click()
    zoomed = view_box(page)
    assert zoomed[2] == pytest.approx(full[2] / 1.25, rel=1e-3)
    expect(page.locator(f"{VIEW} .mg-graph-status")).to_have_text("zoom 1.25×")
    # and with the wheel
    page.locator(f"{VIEW} .mg-graph-canvas").hover()
    page.mouse.wheel(0, -200)
    page.wait_for_function(
        "([sel, w]) => parseFloat(document.querySelector(sel).getAttribute('viewBox').split(' ')[2]) < w",
        arg=[f"{VIEW} svg", zoomed[2] * 0.99],
    )
    page.locator(f"{VIEW} .mg-graph-button", has_text="fit").click()
    assert view_box(page) == pytest.approx(full)

    # collapse the first layer: its frame becomes one box, which expands on a click
    nodes_before = page.locator(f"{VIEW} g.node").count()
    layer0 = page.locator(f'{VIEW} g.cluster.mg-collapsible[data-module="layers.0"] > text')
    layer0.click()  # the frame's title
    collapsed = page.locator(f"{VIEW} g.node.mg-collapsed")
    expect(collapsed).to_have_count(1)
    expect(collapsed).to_contain_text("layers.0 (Linear)")
    assert page.locator(f"{VIEW} g.node").count() < nodes_before
    save_screenshot(page, f"graph_view_{name}_collapsed")
    collapsed.click()
    expect(page.locator(f"{VIEW} g.node.mg-collapsed")).to_have_count(0)
    expect(page.locator(f"{VIEW} g.node")).to_have_count(nodes_before)

    # collapse all: one box per layer (the innermost modules); expand all: every node again
    page.locator(f"{VIEW} .mg-graph-button", has_text="collapse all").click()
    expect(page.locator(f"{VIEW} g.node.mg-collapsed")).to_have_count(3)
    page.locator(f"{VIEW} .mg-graph-button", has_text="expand all").click()
    expect(page.locator(f"{VIEW} g.node")).to_have_count(nodes_before)

    # select the loss: the panel shows its data, grad and the rule of its grad (the seed)
    page.locator(f"{VIEW} g.node", has_text="loss").first.click()
    info = page.locator(f"{VIEW} .mg-graph-info")
    expect(info).to_contain_text("loss () float64")
    expect(info.locator(".mg-graph-info-grad")).to_contain_text("1")
    expect(info.locator(".mg-graph-info-rule")).to_contain_text("∂loss/∂loss = 1")
    assert page.locator(f"{VIEW} g.node.mg-selected").count() == 1
    # select a weight: its rule is the backward of the transpose that used it
    page.locator(f"{VIEW} g.node", has_text="weight").first.click()
    expect(info.locator(".mg-graph-info-rule")).to_contain_text("transpose.backward")
    save_screenshot(page, f"graph_view_{name}_selected")
    assert not [e for e in page.console_errors if "graph" in e.lower()]


@pytest.mark.browser
def test_graph_view_in_voila(voila_page):
    page = voila_page(GRAPH_NOTEBOOK, name="graph_view")
    exercise_graph_view(page, "voila")


@pytest.mark.browser
def test_graph_view_in_jupyterlab(tmp_path):
    notebook = write_notebook(tmp_path / "graph_view_lab.ipynb", GRAPH_NOTEBOOK)
    with LabServer(notebook, startup_timeout=60) as server, chromium_page() as page:
        page.goto(server.notebook_url, wait_until="domcontentloaded")
        # the kernel has started once the status bar says so
        page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=60_000)
        page.locator(".jp-Notebook .jp-Cell").first.click()
        for _ in GRAPH_NOTEBOOK:
            page.keyboard.press("Shift+Enter")
        exercise_graph_view(page, "lab")
