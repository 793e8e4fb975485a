"""What `mg.fit`'s live loss plot adds to training, measured in a Jupyter kernel.

Setting: notebook 05's spiral model (MLP 2-64-64-3, Adam, 80 epochs of 300 points in batches
of 32, progress bar on), run in an IPython kernel with matplotlib's inline backend, as in
JupyterLab. The reference, measured in the same kernel, is the same call with `plot=False`;
the two alternate so that a change in machine load hits both. Target: the plot adds <= 20%.
Run: python benchmarks/fit_live_plot.py [--repeats 5] [--epochs 80]
"""

from __future__ import annotations

import argparse
import json
import statistics

import nbformat
from nbclient import NotebookClient

SETUP = """
%matplotlib inline
import time
import micrograd_nb as mg
from micrograd_nb import nn

X, y = mg.data.make_spirals(300, n_classes=3, noise=0.2, seed=0)
plots = []  # every live plot fit made, to read its budget afterwards

class RecordedPlot(mg.training.LiveLossPlot):
    def __init__(self):
        super().__init__()
        plots.append(self)

mg.training.LiveLossPlot = RecordedPlot

def run(plot, epochs):
    mg.manual_seed(0)
    model = nn.MLP([2, 64, 64, 3])
    opt = mg.optim.Adam(model.parameters(), lr=0.01)
    start = time.perf_counter()
    history = mg.fit(model, nn.CrossEntropyLoss(), opt, X, y, epochs=epochs, batch_size=32,
                     plot=plot)
    return time.perf_counter() - start
"""

MEASURE = """
import json
times = {{"plot": [], "no_plot": [], "drawing": [], "draws": []}}
run(True, 2)  # warm up imports, caches and matplotlib's fonts (a notebook has drawn before)
for _ in range({repeats}):
    times["no_plot"].append(run(False, {epochs}))
    times["plot"].append(run(True, {epochs}))
    times["drawing"].append(plots[-1].budget.spent)
    times["draws"].append(plots[-1].budget.draws)
print("RESULT " + json.dumps(times))
"""


def measure(repeats: int, epochs: int) -> dict[str, list[float]]:
    """Seconds of each fit call, with and without the plot, from a fresh kernel."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(SETUP),
        nbformat.v4.new_code_cell(MEASURE.format(repeats=repeats, epochs=epochs)),
    ]
    NotebookClient(notebook, timeout=1800, kernel_name="python3").execute()
    for output in notebook.cells[-1].outputs:
        for line in output.get("text", "").splitlines():
            if line.startswith("RESULT "):
                return json.loads(line[len("RESULT ") :])
    raise RuntimeError(f"the kernel printed no result: {notebook.cells[-1].outputs}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=80)
    args = parser.parse_args()
    times = measure(args.repeats, args.epochs)
    plot, no_plot = statistics.median(times["plot"]), statistics.median(times["no_plot"])
    drawing, draws = statistics.median(times["drawing"]), statistics.median(times["draws"])
    print(f"mg.fit, spirals, {args.epochs} epochs, in a kernel with the inline backend")
    print(f"  plot=False  {no_plot:6.2f} s   (reference)")
    print(f"  plot=True   {plot:6.2f} s   ratio {plot / no_plot:.2f} (target <= 1.20)")
    print(f"  of which {draws:.0f} redraws took {drawing:.2f} s (medians of {args.repeats} runs)")


if __name__ == "__main__":
    main()
