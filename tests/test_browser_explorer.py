"""GradientFlowExplorer in a real browser: Voilà serves it, Chromium drags the depth slider."""

from __future__ import annotations

import re
import time

import pytest
from browser_support import VOILA_LOAD_TIMEOUT_MS, save_screenshot

EXPLORER_NOTEBOOK = [
    "from micrograd_nb.widgets import GradientFlowExplorer",
    'explorer = GradientFlowExplorer(depth=10, width=64, activation="sigmoid", init="xavier")\n'
    "explorer.steps.value = 30  # a short training run for the Train button\n"
    "explorer",
]

PICTURE = ".mg-flow-picture"
VERDICT = ".mg-flow-verdict"
MESSAGE = ".mg-flow-message"


def state(page) -> dict:
    """What the page shows now: picture source, verdict, the depth in the caption, redraws."""
    message = page.inner_text(MESSAGE)
    depth = re.search(r"\((\d+) layers", message)
    return {
        "src": page.get_attribute(PICTURE, "src"),
        "verdict": page.inner_text(VERDICT),
        "depth": int(depth.group(1)) if depth else None,
        "redraws": int(page.text_content(".mg-flow-redraws")),
        "slider": int(page.inner_text(".mg-flow-depth .widget-readout")),
    }


def wait_for_depth(page, depth: int, timeout_ms: int = 20_000) -> None:
    """Wait until the verdict's caption reports `depth` layers (the latest redraw arrived)."""
    page.wait_for_function(
        "(d) => { const m = document.querySelector('.mg-flow-message');"
        " return m && m.innerText.includes('(' + d + ' layers'); }",
        arg=depth,
        timeout=timeout_ms,
    )


@pytest.mark.browser
def test_depth_slider_and_activation_change_the_plot_and_verdict(voila_page):
    page = voila_page(EXPLORER_NOTEBOOK, name="gradient_flow_explorer")
    page.wait_for_selector(f"{PICTURE}[src]", timeout=VOILA_LOAD_TIMEOUT_MS)
    page.wait_for_selector(VERDICT, timeout=VOILA_LOAD_TIMEOUT_MS)
    before = state(page)
    assert before["depth"] == before["slider"] == 10
    assert before["verdict"].startswith("vanishing: layer 1 receives")
    save_screenshot(page, "gradient_flow_explorer_0_sigmoid_depth10")

    # Drag the depth slider's handle to the right in many small mouse moves: a burst of events.
    handle = page.locator(".mg-flow-depth .noUi-handle")
    track = page.locator(".mg-flow-depth .noUi-target").bounding_box()
    box = handle.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    target_x = track["x"] + 0.4 * track["width"]
    page.mouse.move(target_x, box["y"] + box["height"] / 2, steps=30)
    page.mouse.up()
    released = time.monotonic()
    slider = int(page.inner_text(".mg-flow-depth .widget-readout"))
    assert 30 <= slider <= 50
    wait_for_depth(page, slider)
    page.wait_for_function(
        "(src) => document.querySelector('.mg-flow-picture').getAttribute('src') !== src",
        arg=before["src"],
    )
    after_drag = state(page)
    settle = time.monotonic() - released
    print(f"drag 10 -> {slider}: {after_drag['redraws'] - before['redraws']} redraws, "
          f"last picture {settle:.2f} s after release")  # fmt: skip
    assert after_drag["depth"] == slider and after_drag["src"] != before["src"]
    assert (
        after_drag["verdict"].startswith("vanishing") and after_drag["verdict"] != before["verdict"]
    )
    # Coalesced: not one redraw per value the slider passed through.
    assert 1 <= after_drag["redraws"] - before["redraws"] <= slider - 10
    save_screenshot(page, "gradient_flow_explorer_1_sigmoid_deep")

    # Switch the activation to ReLU and the init to He: the gradient now reaches layer 1.
    page.select_option(".mg-flow-activation select", "relu")
    page.wait_for_function(
        "() => document.querySelector('.mg-flow-message').innerText.includes('relu, init xavier')"
    )
    page.select_option(".mg-flow-init select", "he")
    page.wait_for_function(
        "() => document.querySelector('.mg-flow-message').innerText.includes('relu, init he')"
    )
    final = state(page)
    assert final["verdict"].startswith("healthy: layer 1 receives"), final["verdict"]
    assert final["src"] != after_drag["src"] and final["depth"] == slider
    save_screenshot(page, "gradient_flow_explorer_2_relu_he")

    # Train: the loss and gradient-norm picture appears and the status reports the run.
    assert not page.is_visible(".mg-flow-train-picture")
    page.click(".mg-flow-train")
    page.wait_for_function(
        "() => document.querySelector('.mg-flow-train-status').innerText.includes('after 30 steps')",
        timeout=30_000,
    )
    page.wait_for_selector(".mg-flow-train-picture[src]", state="visible")
    assert re.search(r"loss [\d.]+ → [\d.]+", page.inner_text(".mg-flow-train-status"))
    save_screenshot(page, "gradient_flow_explorer_3_trained")
    assert not [e for e in page.console_errors if "micrograd" in e or "Traceback" in e]
