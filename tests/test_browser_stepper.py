"""BackwardStepper in a real browser: Voilà serves a notebook, Chromium clicks Step, Play, Reset."""

from __future__ import annotations

import html
import re

import pytest
from browser_support import VOILA_LOAD_TIMEOUT_MS, save_screenshot

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

PICTURE = ".mg-stepper-picture"


def picture_text(page) -> str:
    """The text drawn in the stepper's SVG."""
    svg = page.inner_html(PICTURE)
    return html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


@pytest.mark.browser
def test_step_button_changes_the_picture(voila_server, browser_page):
    server = voila_server(STEPPER_NOTEBOOK, name="backward_stepper")
    page = browser_page
    page.goto(server.url, wait_until="domcontentloaded")
    page.wait_for_selector(f"{PICTURE} svg", timeout=VOILA_LOAD_TIMEOUT_MS)
    before_svg = page.inner_html(PICTURE)
    before = picture_text(page)
    assert before.count("grad ?") == 6 and "data 400" in before
    save_screenshot(page, "backward_stepper_0")

    step = page.locator(".mg-stepper-button", has_text="Step")
    step.click()
    page.wait_for_function(
        "(old) => document.querySelector('.mg-stepper-picture').innerHTML !== old",
        arg=before_svg,
        timeout=15_000,
    )
    after = picture_text(page)
    assert page.inner_html(PICTURE) != before_svg
    assert after.count("grad ?") == 5 and "grad 1" in after
    assert "#d62728" in page.inner_html(PICTURE)  # the new node is outlined
    assert page.inner_text(".mg-stepper-rule").startswith("∂L/∂L = 1")

    # two more steps reach s: the rule of the worked example
    for _ in range(2):
        old = page.inner_html(PICTURE)
        step.click()
        page.wait_for_function(
            "(old) => document.querySelector('.mg-stepper-picture').innerHTML !== old",
            arg=old,
            timeout=15_000,
        )
    assert page.inner_text(".mg-stepper-rule") == "∂L/∂s = ∂L/∂z · w = 40 · 4 = 160"
    assert "grad 160" in picture_text(page) and picture_text(page).count("grad ?") == 3
    save_screenshot(page, "backward_stepper_3")

    # Play runs the remaining steps from the browser's own timer (works in Voilà: no threads)
    page.locator(".widget-play button").first.click()
    page.wait_for_function("() => document.body.innerText.includes('6 / 6')", timeout=20_000)
    page.wait_for_function(
        "() => document.querySelector('.mg-stepper-rule').innerText.includes('= 200')",
        timeout=10_000,
    )
    assert page.inner_text(".mg-stepper-rule") == "∂L/∂w = ∂L/∂z · s = 40 · 5 = 200"
    assert "grad ?" not in picture_text(page)
    save_screenshot(page, "backward_stepper_6")

    page.locator(".mg-stepper-button", has_text="Reset").click()
    page.wait_for_function("() => document.body.innerText.includes('0 / 6')", timeout=10_000)
    page.wait_for_function(
        "(old) => document.querySelector('.mg-stepper-picture').innerHTML === old",
        arg=before_svg,
        timeout=10_000,
    )
