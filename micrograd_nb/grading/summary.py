"""What a class got right and wrong: per test the share who passed and each named mistake's share.

A named mistake is one a check recognises (`Wrong.mistake`, kept as `TestResult.mistake`), e.g.
"forgot to multiply by the upstream gradient": counting them tells an instructor what to re-teach.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .classroom import Graded


@dataclass
class TestSummary:
    """One test across the class: how many passed, and how often each named mistake was made."""

    name: str
    students: int
    passed: int
    mistakes: Counter = field(default_factory=Counter)

    @property
    def pass_rate(self) -> float:
        return self.passed / self.students if self.students else 0.0

    def share(self, mistake: str) -> float:
        return self.mistakes[mistake] / self.students if self.students else 0.0


def summarize(graded: list[Graded]) -> list[TestSummary]:
    """One `TestSummary` per test, in the order of the tests."""
    by_test: dict[str, TestSummary] = {}
    for g in graded:
        for r in g.results:
            key = f"{r.exercise}: {r.name}"
            s = by_test.setdefault(key, TestSummary(key, 0, 0))
            s.students += 1
            s.passed += r.passed
            if r.mistake and not r.passed:
                s.mistakes[r.mistake] += 1
    return list(by_test.values())


def _bar(share: float, width: int = 20) -> str:
    return "█" * round(share * width)


def summary_table(graded: list[Graded], tests: list[TestSummary]) -> str:
    """The summary as text: one line per test, one indented line per named mistake."""
    if not graded:
        return "Class summary: no submissions"
    mean = sum(g.score for g in graded) / len(graded)
    top = max(g.max_score for g in graded)
    width = max(len(t.name) for t in tests) if tests else 10
    lines = [
        f"Class summary: {len(graded)} submissions, mean score {mean:.3g}/{top:g}",
        f"{'test':<{width}}  passed",
    ]
    for t in tests:
        lines.append(f"{t.name:<{width}}  {t.pass_rate:>5.0%}  {_bar(t.pass_rate)}")
        for mistake, _ in t.mistakes.most_common():
            lines.append(f"    {t.share(mistake):>4.0%}  {mistake}")
    return "\n".join(lines)


def plot_summary(tests: list[TestSummary], path: str | Path) -> Path:
    """A PNG: per test a green bar (share passed) and a red bar per named mistake (share made)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    labels, shares, colours = [], [], []
    for t in tests:
        labels.append(t.name)
        shares.append(t.pass_rate)
        colours.append("#2e7d32")
        for mistake, _ in t.mistakes.most_common():
            labels.append("    " + (mistake if len(mistake) < 70 else mistake[:67] + "..."))
            shares.append(t.share(mistake))
            colours.append("#c62828")
    fig = Figure(figsize=(10, 0.8 + 0.32 * max(len(labels), 1)), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(labels)))[::-1]
    ax.barh(positions, [100 * s for s in shares], color=colours)
    ax.set_yticks(positions, labels, fontsize=8)
    ax.set_xlim(0, 110)  # room for the label of a full bar
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel("% of the class")
    ax.set_title("Passed (green) and the named mistakes made (red), per test")
    for y, s in zip(positions, shares):
        ax.text(100 * s + 1, y, f"{s:.0%}", va="center", fontsize=7)
    fig.savefig(path, dpi=110)
    return Path(path)
