"""BackwardStepper in a real browser: Voilà serves a notebook, Chromium clicks Step, Play, Reset."""

from __future__ import annotations

import html
import re

import pytest
from browser_support import VOILA_LOAD_TIMEOUT_MS, save_screenshot
from playwright.sync_api import expect

STEPPER_NOTEBOOK = [
    "import micrograd_nb as mg",
    (
        'x, y, w = mg.Value(2.0, label="x"), mg.Value(3.0, label="y"), mg.Value(4.0, label="w")\n'
        's = x + y; s.label = "s"\n'
        'z = s * w; z.label = "z"\n'
        'L = z ** 2; L.label = "L"\n'
        "stepper = mg.widgets.BackwardStepper(L)\n"
        "stepper"
    ),
]
NODES = 6  # L, z, s, x, y, w
PICTURE = ".mg-stepper-picture"
RULE = ".mg-stepper-rule"


def picture_text(page) -> str:
    """The text drawn in the stepper's SVG."""
    svg = page.inner_html(PICTURE)
    return html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


def wait_for_position(page, k: int, timeout_ms: int = 15_000) -> None:
    """Wait until the page shows step k: the status says so and k adjoints are drawn."""
    page.wait_for_function(
        """([k, n]) => {
            const status = document.querySelector('.mg-stepper-status');
            const picture = document.querySelector('.mg-stepper-picture');
            if (!status || !picture || !picture.querySelector('svg')) return false;
            const blanks = (picture.textContent.match(/grad \\?/g) || []).length;
            return status.textContent.includes(`${k} / ${n}`) && blanks === n - k;
        }""",
        arg=[k, NODES],
        timeout=timeout_ms,
    )


@pytest.mark.browser
def test_step_play_and_reset_change_the_picture(voila_page):
    page = voila_page(STEPPER_NOTEBOOK, name="backward_stepper")
    wait_for_position(page, 0, timeout_ms=VOILA_LOAD_TIMEOUT_MS)
    before_svg = page.inner_html(PICTURE)
    assert "data 400" in picture_text(page) and "#d62728" not in before_svg
    save_screenshot(page, "backward_stepper_0")

    step = page.locator(".mg-stepper-button", has_text="Step")
    step.click()
    wait_for_position(page, 1)
    assert page.inner_html(PICTURE) != before_svg  # the picture changed
    assert "grad 1" in picture_text(page)
    assert "#d62728" in page.inner_html(PICTURE)  # the new node is outlined
    expect(page.locator(RULE)).to_have_text(re.compile(r"^∂L/∂L = 1"))

    # two more steps reach s: the rule of the worked example
    for k in (2, 3):
        step.click()
        wait_for_position(page, k)
    expect(page.locator(RULE)).to_have_text("∂L/∂s = ∂L/∂z · w = 40 · 4 = 160")
    assert "grad 160" in picture_text(page) and "grad 40" in picture_text(page)
    save_screenshot(page, "backward_stepper_3")

    # Play runs the remaining steps on the browser's own timer (works in Voilà: no threads)
    page.locator(".widget-play button").first.click()
    wait_for_position(page, NODES, timeout_ms=20_000)
    # the last step is x, the oldest node (backward runs newest first)
    expect(page.locator(RULE)).to_have_text("∂L/∂x = ∂L/∂s · 1 = 160 · 1 = 160")
    assert "grad 200" in picture_text(page)  # w's adjoint, shown since step 4
    save_screenshot(page, "backward_stepper_6")

    page.locator(".mg-stepper-button", has_text="Reset").click()
    wait_for_position(page, 0)
    assert page.inner_html(PICTURE) == before_svg
