"""LossScaleExplorer in a real browser: Voilà serves it, Chromium drags the loss-scale slider."""

from __future__ import annotations

import pytest
from browser_support import VOILA_LOAD_TIMEOUT_MS, save_screenshot

NOTEBOOK = [
    "import numpy as np\n"
    "from micrograd_nb.widgets import LossScaleExplorer\n"
    "# gradients spread over 2**-40 .. 2**-10: float16 loses those below 2**-25 at S = 1\n"
    "grads = 2.0 ** np.random.default_rng(0).uniform(-40, -10, 5000)\n"
    "LossScaleExplorer(grads)",
]
MESSAGE = ".mg-loss-scale-message"


def message(page) -> str:
    return page.inner_text(MESSAGE)


def wait_for_message(page, start: str) -> None:
    page.wait_for_function(
        "(s) => document.querySelector('.mg-loss-scale-message').innerText.startsWith(s)", arg=start
    )


@pytest.mark.browser
def test_dragging_the_scale_saves_the_lost_gradients_then_overflows(voila_page):
    page = voila_page(NOTEBOOK, name="loss_scale_explorer")
    page.wait_for_selector(".mg-loss-scale-picture[src]", timeout=VOILA_LOAD_TIMEOUT_MS)
    assert "nonzero gradients are flushed to zero" in message(page)
    picture = page.get_attribute(".mg-loss-scale-picture", "src")
    save_screenshot(page, "loss_scale_explorer_0_unscaled")

    track = page.locator(".mg-loss-scale-slider .noUi-target").bounding_box()
    handle = page.locator(".mg-loss-scale-slider .noUi-handle").bounding_box()
    y = handle["y"] + handle["height"] / 2
    page.mouse.move(handle["x"] + handle["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(track["x"] + 0.5 * track["width"], y, steps=20)  # S ≈ 2**20
    page.mouse.up()
    scale = int(page.inner_text(".mg-loss-scale-slider .widget-readout"))
    assert 15 <= scale <= 25
    wait_for_message(page, f"S = 2^{scale}: all 5000 nonzero gradients survive")
    assert page.get_attribute(".mg-loss-scale-picture", "src") != picture
    save_screenshot(page, "loss_scale_explorer_1_scaled")

    page.mouse.move(track["x"] + 0.5 * track["width"], y)
    page.mouse.down()
    page.mouse.move(track["x"] + track["width"] + 20, y, steps=10)  # the end: S = 2**40
    page.mouse.up()
    assert int(page.inner_text(".mg-loss-scale-slider .widget-readout")) == 40
    wait_for_message(page, "S = 2^40: ")  # the last value dragged through, drawn last
    assert "overflow to inf: GradScaler skips this step" in message(page)
    save_screenshot(page, "loss_scale_explorer_2_overflow")
    assert not [e for e in page.console_errors if "micrograd" in e or "Traceback" in e]
