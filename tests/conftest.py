"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest


# ---- graphs ---------------------------------------------------------------------------------
@pytest.fixture
def worked_example():
    """CURRICULUM §2, a fresh graph per test: (x, y, w, s, z, L), s = x + y, z = s·w, L = z²
    at x=2, y=3, w=4, every node labelled with its name."""
    import micrograd_nb as mg

    x, y, w = mg.Value(2.0, label="x"), mg.Value(3.0, label="y"), mg.Value(4.0, label="w")
    s = x + y
    s.label = "s"
    z = s * w
    z.label = "z"
    L = z**2
    L.label = "L"
    return x, y, w, s, z, L


# ---- browser tests (see tests/browser_support.py) -------------------------------------------
@pytest.fixture
def voila_server(tmp_path):
    """Start Voilà for a notebook: `server = voila_server(cells_or_path)`; stopped after the test.

    Pass a path to an existing .ipynb, or code (one string, or a list of cell sources) to write
    a notebook in tmp_path.
    The server's `.url` is what to open in the browser.
    """
    from browser_support import VoilaServer, write_notebook

    servers = []

    def serve(notebook: Path | str | Sequence[str], name: str = "notebook") -> VoilaServer:
        if isinstance(notebook, Path) or (
            isinstance(notebook, str) and notebook.endswith(".ipynb")
        ):
            path = Path(notebook)
        else:
            cells = [notebook] if isinstance(notebook, str) else list(notebook)
            path = write_notebook(tmp_path / f"{name}.ipynb", cells)
        server = VoilaServer(path)
        servers.append(server)
        return server.start()

    yield serve
    for server in servers:
        server.stop()


@pytest.fixture
def browser_page():
    """A Playwright page in Debian's Chromium, closed after the test."""
    from browser_support import chromium_page

    with chromium_page() as page:
        yield page


@pytest.fixture
def voila_page(voila_server, browser_page):
    """Serve a notebook with Voilà and open it in Chromium: `page = voila_page(cells, name)`.

    The page's HTML has loaded; its widgets appear once the kernel has run the cells, so wait
    for them (with `VOILA_LOAD_TIMEOUT_MS`).
    """

    def open_page(notebook: Path | str | Sequence[str], name: str = "notebook"):
        server = voila_server(notebook, name=name)
        browser_page.goto(server.url, wait_until="domcontentloaded")
        return browser_page

    return open_page
