"""Exercise topological_sort: order a graph's nodes so each comes after its parents."""

from __future__ import annotations

from collections import Counter

from ..core import Case, Exercise, Test, Wrong


def _reachable(root, parents: dict) -> set:
    seen, stack = {root}, [root]
    while stack:
        for p in parents.get(stack.pop(), []):
            if p not in seen:
                seen.add(p)
                stack.append(p)
    return seen


def _case(root, parents: dict, where: str) -> Case:
    return Case((root, parents), where, data={"reachable": _reachable(root, parents)})


def _curriculum(rng) -> list[Case]:
    parents = {"L": ["z"], "z": ["s", "w"], "s": ["x", "y"], "x": [], "y": [], "w": []}
    return [_case("L", parents, "the graph s = x + y, z = s·w, L = z²")]


def _diamond(rng) -> list[Case]:
    # b and c both depend on a; d on b and c: a must appear once, before b and c.
    parents = {"d": ["b", "c"], "b": ["a"], "c": ["a"], "a": [], "unused": ["a"]}
    return [
        _case("d", parents, "the diamond a → b, a → c, (b, c) → d (plus a node d does not use)")
    ]


def _random(rng) -> list[Case]:
    cases = []
    for k in range(3):
        n = 30
        parents = {}
        for i in range(n):
            count = int(rng.integers(0, 3)) if i > 0 else 0
            parents[f"v{i}"] = (
                sorted({f"v{int(j)}" for j in rng.integers(0, max(i, 1), size=count)}) if i else []
            )
        cases.append(_case(f"v{n - 1}", parents, f"random graph {k + 1} of {n} nodes"))
    return cases


def _deep(rng) -> list[Case]:
    n = 20000
    parents = {f"v{i}": [f"v{i - 1}"] if i else [] for i in range(n)}
    return [_case(f"v{n - 1}", parents, f"a chain of {n} nodes")]


def _judge(case: Case, value, args) -> None:
    root, parents = case.args
    at = f" ({case.where})"
    if not isinstance(value, (list, tuple)):
        raise Wrong(
            f"topological_sort should return a list of nodes, got {type(value).__name__}{at}"
        )
    order = list(value)
    counts = Counter(order)
    twice = [n for n, c in counts.items() if c > 1]
    if twice:
        raise Wrong(f"{twice[:3]} appear more than once{at}: remember the visited nodes")
    reachable = case.data["reachable"]
    missing = sorted(reachable - set(order))
    if missing:
        raise Wrong(
            f"the order misses {missing[:5]}{at}: every node the root depends on belongs in it"
        )
    extra = [n for n in order if n not in reachable]
    if extra:
        raise Wrong(f"the order contains {extra[:3]}, which {root!r} does not depend on{at}")
    position = {n: i for i, n in enumerate(order)}
    for node in order:
        for p in parents.get(node, []):
            if position[p] > position[node]:
                raise Wrong(
                    f"{node!r} comes before its parent {p!r}{at}: a node may only be visited after "
                    "all its parents (append a node after its parents are done)"
                )
    if order[-1] != root:
        raise Wrong(f"the root {root!r} must come last{at}")


EXERCISE = Exercise(
    name="topological_sort",
    title="Topological sort",
    notebook="04_topological_sort.ipynb",
    functions=("topological_sort",),
    tests=[
        Test("topological_sort: curriculum graph", "topological_sort", _curriculum, _judge, seed=8),
        Test(
            "topological_sort: shared node appears once",
            "topological_sort",
            _diamond,
            _judge,
            seed=9,
        ),
        Test("topological_sort: random graphs", "topological_sort", _random, _judge, seed=10),
        Test(
            "topological_sort: deep chain (no recursion)",
            "topological_sort",
            _deep,
            _judge,
            seed=11,
        ),
    ],
)
