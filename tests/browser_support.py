"""Helpers for real-browser tests: serve a notebook with Voilà, open it in Debian's Chromium.

Typical use (the fixtures in conftest.py wrap exactly this):

    notebook = write_notebook(tmp_path / "demo.ipynb", [
        "import micrograd_nb as mg",
        "mg.widgets.BackwardStepper(L)",
    ])
    with VoilaServer(notebook) as server, chromium_page() as page:
        page.goto(server.url)
        page.wait_for_selector(".some-widget-class", timeout=VOILA_LOAD_TIMEOUT_MS)
        ...
        save_screenshot(page, "demo")           # -> test-artifacts/demo.png

`VoilaServer` listens on 127.0.0.1 on a free port, waits until Voilà answers, and always stops
the server (and the kernels it started) on exit, also when the test fails. Its log is kept in
`server.log_path` and appended to any error it raises.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: screenshots and logs of browser tests (gitignored)
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: how long a page may take to start its kernel and show its widgets
VOILA_LOAD_TIMEOUT_MS = 45_000


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_notebook(path: Path, cells: Sequence[str]) -> Path:
    """Write a notebook of code cells (one string per cell) that runs on this venv's kernel."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = Path(path)
    nbformat.write(notebook, path)
    return path


def voila_executable() -> Path:
    """The `voila` program next to this Python (the project's .venv)."""
    return Path(sys.executable).with_name("voila")


class VoilaServer:
    """`voila NOTEBOOK` on 127.0.0.1:<free port>, as a context manager that always stops it."""

    def __init__(
        self, notebook: Path, startup_timeout: float = 30.0, extra_args: Sequence[str] = ()
    ):
        self.notebook = Path(notebook).resolve()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self.startup_timeout = startup_timeout
        self.extra_args = list(extra_args)
        self.process: subprocess.Popen | None = None
        ARTIFACTS.mkdir(exist_ok=True)
        self.log_path = ARTIFACTS / f"voila-{self.notebook.stem}.log"
        self._log = None

    def start(self) -> VoilaServer:
        """Start Voilà and wait until it serves its static files (no kernel is started by that)."""
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        command = self.command()
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.setdefault("JUPYTER_PLATFORM_DIRS", "1")
        # A session of its own, so that stop() can end Voilà and every kernel it started.
        self.process = subprocess.Popen(
            command,
            cwd=self.notebook.parent,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def command(self) -> list[str]:
        """The server's command line."""
        return [
            str(voila_executable()),
            str(self.notebook),
            "--no-browser",
            f"--port={self.port}",
            "--Voila.ip=127.0.0.1",
            "--show_tracebacks=True",
            *self.extra_args,
        ]

    #: a static file the server answers with once it is ready
    probe_path = "voila/static/favicon.ico"

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        probe = self.url + self.probe_path
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"voila exited with code {self.process.returncode}\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(probe, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        raise TimeoutError(
            f"voila did not answer on {self.url} within {self.startup_timeout} s\n{self.log()}"
        )

    def log(self) -> str:
        """What Voilà printed so far."""
        if self._log is not None:
            self._log.flush()
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop Voilà and its kernels: SIGTERM to its process group, SIGKILL if it lingers."""
        process = self.process
        # Kernels run in sessions of their own; remember them to be sure they end too.
        children = _descendants(process.pid) if process is not None else []
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        if process is not None:
            # Kernels live in the same process group; make sure none outlives the server.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        for pid in children:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> VoilaServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class LabServer(VoilaServer):
    """JupyterLab on 127.0.0.1:<free port> without a token, its root the notebook's folder;
    `.notebook_url` opens the notebook. Stopped like Voilà (process group and kernels)."""

    probe_path = "static/favicon.ico"

    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).with_name("jupyter-lab")),
            "--no-browser",
            f"--port={self.port}",
            "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=",
            "--ServerApp.password=",
            f"--ServerApp.root_dir={self.notebook.parent}",
            "--LabApp.news_url=",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            *(["--allow-root"] if os.geteuid() == 0 else []),
            *self.extra_args,
        ]

    @property
    def notebook_url(self) -> str:
        return f"{self.url}lab/tree/{self.notebook.name}"


def _descendants(pid: int) -> list[int]:
    """Process ids started (directly or not) by `pid`, read from /proc (Linux)."""
    parent_of: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces; the parent pid is the 2nd field after ')'.
        parent_of[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        for child, parent in parent_of.items():
            if parent == current:
                found.append(child)
                frontier.append(child)
    return found


@contextlib.contextmanager
def chromium_page(width: int = 1400, height: int = 900) -> Iterator:
    """A Playwright page in Debian's Chromium (no browser download); closed on exit.

    Console errors of the page are collected in `page.console_errors` for assertions.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.console_errors = []
            page.on(
                "console",
                lambda message: (
                    page.console_errors.append(message.text) if message.type == "error" else None
                ),
            )
            yield page
        finally:
            browser.close()


def save_screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as test-artifacts/<name>.png and return its path."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def temporary_notebook_dir() -> Path:
    """A fresh directory for generated notebooks (when no pytest tmp_path is at hand)."""
    return Path(tempfile.mkdtemp(prefix="mg-browser-"))
