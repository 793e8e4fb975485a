"""SequenceGradientExplorer in a real browser: Voilà serves it, Chromium changes the controls."""

from __future__ import annotations

import re

import pytest
from browser_support import VOILA_LOAD_TIMEOUT_MS, save_screenshot

NOTEBOOK = [
    "from micrograd_nb.widgets import SequenceGradientExplorer\n"
    'SequenceGradientExplorer(cell="RNN tanh", seq_len=40, gain=0.9)',
]
MESSAGE = ".mg-seq-message"


def shown(page) -> dict:
    """Verdict, the caption's cell and length, the picture and the redraw count on the page."""
    caption = re.search(r"\((RNN tanh|RNN relu|LSTM|GRU), T=(\d+)", page.inner_text(MESSAGE))
    return {
        "verdict": page.inner_text(".mg-seq-verdict"),
        "cell": caption.group(1) if caption else None,
        "seq_len": int(caption.group(2)) if caption else None,
        "src": page.get_attribute(".mg-seq-picture", "src"),
        "redraws": int(page.text_content(".mg-seq-redraws")),
    }


def wait_for_caption(page, text: str) -> None:
    page.wait_for_function(
        "(t) => { const m = document.querySelector('.mg-seq-message');"
        " return m && m.innerText.includes(t); }",
        arg=text,
        timeout=20_000,
    )


def drag(page, slider: str, fraction: float) -> None:
    """Drag a slider's handle to `fraction` of its track in many small moves (a burst of events)."""
    handle = page.locator(f"{slider} .noUi-handle")
    track = page.locator(f"{slider} .noUi-target").bounding_box()
    box = handle.bounding_box()
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] / 2, y)
    page.mouse.down()
    page.mouse.move(track["x"] + fraction * track["width"], y, steps=25)
    page.mouse.up()


@pytest.mark.browser
def test_cell_forget_bias_and_length_change_the_plot_and_verdict(voila_page):
    page = voila_page(NOTEBOOK, name="sequence_gradient_explorer")
    page.wait_for_selector(".mg-seq-picture[src]", timeout=VOILA_LOAD_TIMEOUT_MS)
    page.wait_for_selector(".mg-seq-verdict", timeout=VOILA_LOAD_TIMEOUT_MS)
    first = shown(page)
    assert first["cell"] == "RNN tanh" and first["seq_len"] == 40
    assert first["verdict"].startswith("vanishing: step 1 receives")
    save_screenshot(page, "sequence_explorer_0_tanh")

    # Drag the length slider: one burst of events, a few redraws, the caption follows the slider.
    drag(page, ".mg-seq-seq-len", 0.6)
    length = int(page.inner_text(".mg-seq-seq-len .widget-readout"))
    assert 100 <= length <= 140
    wait_for_caption(page, f"T={length}")
    dragged = shown(page)
    assert dragged["src"] != first["src"] and dragged["verdict"] != first["verdict"]
    assert 1 <= dragged["redraws"] - first["redraws"] <= length - 40

    # LSTM with the forget-gate bias dragged to the right: the highway opens, the verdict turns.
    page.select_option(".mg-seq-cell select", "LSTM")
    wait_for_caption(page, "(LSTM,")
    lstm = shown(page)
    assert lstm["verdict"].startswith("vanishing")
    save_screenshot(page, "sequence_explorer_1_lstm")
    drag(page, ".mg-seq-forget-bias", 0.95)
    page.wait_for_function(
        "() => document.querySelector('.mg-seq-verdict').innerText.startsWith('healthy')",
        timeout=20_000,
    )
    assert shown(page)["src"] != lstm["src"]
    save_screenshot(page, "sequence_explorer_2_lstm_forget_bias")
    assert not [e for e in page.console_errors if "micrograd" in e or "Traceback" in e]
