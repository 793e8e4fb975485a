"""mg.fit's live plot: its redraws cost a bounded share of the training time (fake clock)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import micrograd_nb as mg
from micrograd_nb import live_plot, training
from micrograd_nb.live_plot import FIRST_DRAW_GUESS, LiveLossPlot, RedrawBudget
from micrograd_nb.training import History


class FakeClock:
    """A clock that moves only when told to."""

    def __init__(self):
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def simulate(epoch_seconds, draw_seconds, epochs, fraction=0.15, min_interval=0.5):
    """Train `epochs` fake epochs, each followed by `update` as fit does; the figure is fake too.

    `epoch_seconds` and `draw_seconds` are numbers or functions of the epoch / draw index.
    Returns (plot, clock, drawn): `drawn` lists (start time, epochs shown) of every redraw.
    """
    clock = FakeClock()
    start = clock.now
    drawn = []

    def seconds(spec, index):
        return spec(index) if callable(spec) else spec

    def show(png: bytes) -> None:  # the fake figure: it only takes time
        drawn.append((clock.now - start, int(png)))
        clock.advance(seconds(draw_seconds, len(drawn) - 1))

    plot = LiveLossPlot(RedrawBudget(fraction, min_interval, clock=clock), show=show)
    plot.render = lambda history: str(len(history.loss)).encode()
    history = History()
    for epoch in range(epochs):
        clock.advance(seconds(epoch_seconds, epoch))
        history.loss.append(1.0 / (epoch + 1))
        plot.update(history, final=epoch == epochs - 1)
    return plot, clock.now - start, drawn


def test_notebook_05s_run_no_longer_redraws_every_epoch():
    # 80 epochs of 25 ms; a redraw cost 0.7 s: every epoch redrew, 2 s became 58 s
    plot, elapsed, drawn = simulate(0.025, 0.7, 80)
    assert 2 * FIRST_DRAW_GUESS / 0.15 > 2.0  # before any redraw was timed, a guess decides
    assert drawn == [(pytest.approx(2.0), 80)]  # too short for more than the final picture
    assert elapsed == pytest.approx(2.0 + 0.7)
    plot, elapsed, drawn = simulate(0.025, 0.7, 400)  # 10 s: one redraw when the guess allows
    assert [epochs for _, epochs in drawn] == [1 + int(2 * FIRST_DRAW_GUESS / 0.15 / 0.025), 400]
    assert elapsed == pytest.approx(10.0 + 2 * 0.7)  # then 0.7 s of drawing is known: no more


def test_drawing_takes_at_most_the_budget_and_the_final_state_is_drawn():
    plot, elapsed, drawn = simulate(0.1, 0.2, 600)  # one minute of training
    assert drawn[-1][1] == 600
    assert plot.budget.spent == pytest.approx(0.2 * len(drawn))
    assert plot.budget.spent <= 0.15 * elapsed
    assert plot.budget.spent >= 0.12 * elapsed  # and it uses the budget, the plot moves


def test_long_runs_keep_moving():
    plot, elapsed, drawn = simulate(0.05, 0.2, 12_000)  # ten minutes
    starts = [time for time, _ in drawn]
    gaps = np.diff(starts)
    # a redraw about every cost/fraction = 1.3 s: never a long freeze
    assert len(drawn) > 400 and gaps.max() < 2 * 0.2 / 0.15 + 0.05
    assert starts[0] == pytest.approx(2 * FIRST_DRAW_GUESS / 0.15, abs=0.05)


def test_cheap_redraws_are_still_spaced_by_the_minimum_interval():
    plot, elapsed, drawn = simulate(0.01, 0.001, 1000)  # ten seconds, 1 ms redraws
    gaps = np.diff([time for time, _ in drawn[:-1]])
    assert gaps.min() >= 0.5 and len(drawn) <= 10 / 0.5 + 1


def test_a_slow_first_redraw_is_paid_back_before_the_next():
    # the first picture of a session loads fonts (1.5 s); later ones take 0.1 s
    plot, elapsed, drawn = simulate(0.05, lambda i: 1.5 if i == 0 else 0.1, 600)
    second_start = drawn[1][0]
    assert second_start >= (1.5 + 2 * 0.1) / 0.15 - 0.05  # waited until the budget had room
    assert plot.budget.spent <= 0.15 * elapsed


def test_a_failing_redraw_is_charged_and_raised():
    clock = FakeClock()
    budget = RedrawBudget(clock=clock)

    def broken():
        clock.advance(0.3)
        raise RuntimeError("renderer crashed")

    with pytest.raises(RuntimeError, match="renderer crashed"):
        budget.run(broken)
    assert budget.spent == pytest.approx(0.3) and budget.draws == 1


@settings(deadline=None, max_examples=200)
@given(
    epoch_seconds=st.floats(0.001, 2.0),
    costs=st.lists(st.floats(0.01, 1.0), min_size=1, max_size=50),
    epochs=st.integers(1, 400),
)
def test_drawing_time_is_bounded_for_any_run(epoch_seconds, costs, epochs):
    plot, elapsed, drawn = simulate(epoch_seconds, lambda i: costs[i % len(costs)], epochs)
    assert drawn[-1][1] == epochs  # the final state, always
    used = [costs[i % len(costs)] for i in range(len(drawn))]
    # Each redraw is allowed on the last one's cost; a dearer one can overrun by the difference.
    slack = 2 * (max(used) - min(min(used), FIRST_DRAW_GUESS))
    training_time = elapsed - plot.budget.spent
    assert plot.budget.spent <= max(0.15 * training_time / (1 - 0.15) + slack, used[-1]) + 1e-9


# ---- the real figure ------------------------------------------------------------------------
def test_render_draws_every_epoch_of_the_history():
    history = History(
        loss=[1.0, 0.5, 0.25], accuracy=[0.5, 0.7, 0.9], val_loss=[1.1, 0.6, 0.4],
        val_accuracy=[0.4, 0.6, 0.8],
    )  # fmt: skip
    plot = LiveLossPlot(show=lambda png: None)
    png = plot.render(history)
    assert png.startswith(b"\x89PNG")
    train, validation = plot.ax_loss.lines
    assert list(train.get_xdata()) == [1, 2, 3] and list(train.get_ydata()) == history.loss
    assert list(validation.get_ydata()) == history.val_loss
    assert list(plot.ax_acc.lines[1].get_ydata()) == history.val_accuracy
    assert plot.ax_loss.get_yscale() == "log" and plot.ax_acc.get_visible()
    labels = [t.get_text() for t in plot.ax_loss.get_legend().get_texts()]
    assert labels == ["train", "validation"]


def test_regression_has_no_accuracy_panel_and_nan_losses_leave_gaps():
    plot = LiveLossPlot(show=lambda png: None)
    plot.render(History(loss=[1.0, float("nan"), 0.1]))
    assert not plot.ax_acc.get_visible()
    assert np.isnan(plot.ax_loss.lines[0].get_ydata()[1])
    labels = [t.get_text() for t in plot.ax_loss.get_legend().get_texts()]
    assert labels == ["train"]


def test_fit_in_jupyter_shows_the_final_history(monkeypatch):
    shown = []
    monkeypatch.setattr(training, "_in_jupyter", lambda: True)
    monkeypatch.setattr(
        training, "LiveLossPlot", lambda: LiveLossPlot(show=lambda png: shown.append(png))
    )
    rendered = []
    real_render = LiveLossPlot.render
    monkeypatch.setattr(
        live_plot.LiveLossPlot,
        "render",
        lambda self, history: rendered.append(len(history.loss)) or real_render(self, history),
    )
    X, y = mg.data.make_moons(60, seed=0)
    mg.manual_seed(0)
    model = mg.nn.MLP([2, 8, 2])
    opt = mg.optim.SGD(model.parameters(), lr=0.1)
    mg.fit(model, mg.nn.CrossEntropyLoss(), opt, X, y, epochs=5, progress=False)
    assert rendered[-1] == 5 and len(shown) == len(rendered) >= 1
    assert all(png.startswith(b"\x89PNG") for png in shown)
