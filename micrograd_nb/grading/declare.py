"""Write an exercise in a few lines: the learner's function, its inputs, the oracle, the mistakes.

The declarative layer over `Exercise`/`Test`/`Case` (the same objects the built-in exercises are
made of). A test names the function a learner writes and how its arguments are drawn (seeded),
and takes the right answer from one oracle:

* `gradient_test`: a *forward* function; the answer is its float64 numerical gradient, so the
  learner's backward rule `f_backward(*inputs, grad)` is checked against central differences;
* `reference_test`: a *reference* implementation; the answer is `reference(*args)`.

Typical mistakes are `(wrong_function, hint)` pairs: `wrong_function(*args)` gives what the
mistaken solution returns, and a learner whose result matches it reads the hint.

    mul = gradient_test("mul_backward", lambda rng: [(2.0, 3.0, 1.0), tuple(rng.normal(size=3))],
                        forward=lambda x, y: x * y,
                        mistakes=[(lambda x, y, grad: (x * grad, y * grad), "x and y are swapped")])
    EXERCISE = exercise("mul", mul, title="The product rule")
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..gradcheck import numerical_grad
from .compare import expect_close, unpack, where_of
from .core import Case, Exercise, Test

#: (wrong_function, hint): wrong_function(*args) is what the mistaken solution returns
Mistake = tuple[Callable[..., Any], str]
Inputs = Callable[[np.random.Generator], Sequence[tuple]] | Sequence[tuple]


def gradient_test(
    function: str,
    inputs: Inputs,
    forward: Callable,
    *,
    wrt: Sequence[str] | None = None,
    upstream: bool = True,
    returns: Sequence[str] | None = None,
    graded: Sequence[str] | str | None = None,
    name: str | None = None,
    points: float = 1.0,
    seed: int = 0,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    mistakes: Sequence[Mistake] = (),
    where: Callable[..., str] | None = None,
) -> Test:
    """A test of a backward rule: the answer is ∂(Σ grad ⊙ forward(*inputs))/∂input by central differences.

    `inputs(rng)` (or a fixed list) gives the learner function's argument tuples: the inputs of
    `forward`, then, when `upstream`, the upstream gradient `grad` (shaped like forward's output).
    Without `upstream` the learner's function takes forward's inputs and returns the gradient of
    the scalar forward(*inputs). `wrt` names the inputs whose gradients the function returns, in
    order (default all of forward's parameters); `returns` names those results in feedback
    (default "d/dx" ...); `graded` picks the ones this test grades (default all).
    """
    params = _parameters(forward, "forward")
    wrt = tuple(wrt) if wrt is not None else params
    unknown = [w for w in wrt if w not in params]
    if unknown:
        raise ValueError(
            f"gradient_test({function!r}): wrt names {unknown}, which are not parameters of "
            f"forward {params}"
        )
    positions = [params.index(w) for w in wrt]
    arg_names = params + (("grad",) if upstream else ())

    def answer(args: tuple) -> tuple:
        values = args[: len(params)]
        grad = args[len(params)] if upstream else None
        grads = numerical_grad(
            lambda *chosen: forward(*_with(values, positions, chosen)),
            [values[i] for i in positions],
            grad_outputs=grad,
        )
        return tuple(grads)

    return _declared_test(
        function,
        inputs,
        answer,
        arg_names,
        returns=tuple(returns) if returns is not None else tuple(f"d/d{w}" for w in wrt),
        graded=graded,
        label="numerical",
        name=name,
        points=points,
        seed=seed,
        atol=atol,
        rtol=rtol,
        mistakes=mistakes,
        where=where,
    )


def reference_test(
    function: str,
    inputs: Inputs,
    reference: Callable,
    *,
    returns: Sequence[str] | None = None,
    graded: Sequence[str] | str | None = None,
    name: str | None = None,
    points: float = 1.0,
    seed: int = 0,
    atol: float = 1e-6,
    rtol: float = 1e-4,
    mistakes: Sequence[Mistake] = (),
    where: Callable[..., str] | None = None,
) -> Test:
    """A test whose answer is `reference(*args)`, with `args` from `inputs(rng)` (or a fixed list).

    `returns` names the results when the function returns several (a tuple), e.g. ("dx", "dW").
    """
    arg_names = _parameters(reference, "reference")
    names = tuple(returns) if returns is not None else (function,)

    def answer(args: tuple) -> tuple:
        value = reference(*args)
        return tuple(value) if len(names) > 1 else (value,)

    return _declared_test(
        function,
        inputs,
        answer,
        arg_names,
        returns=names,
        graded=graded,
        label="expected",
        name=name,
        points=points,
        seed=seed,
        atol=atol,
        rtol=rtol,
        mistakes=mistakes,
        where=where,
    )


def exercise(name: str, *tests: Test, title: str | None = None, notebook: str = "") -> Exercise:
    """An `Exercise` of these tests; its functions are the ones the tests call, in order."""
    functions = tuple(dict.fromkeys(t.function for t in tests))
    return Exercise(name, title or name, notebook, functions, list(tests))


def _declared_test(
    function: str,
    inputs: Inputs,
    answer: Callable[[tuple], tuple],
    arg_names: Sequence[str],
    *,
    returns: tuple[str, ...],
    graded: Sequence[str] | str | None,
    label: str,
    name: str | None,
    points: float,
    seed: int,
    atol: float,
    rtol: float,
    mistakes: Sequence[Mistake],
    where: Callable[..., str] | None,
) -> Test:
    graded = (graded,) if isinstance(graded, str) else tuple(graded or returns)
    unknown = [g for g in graded if g not in returns]
    if unknown:
        raise ValueError(f"{function}: graded names {unknown}, which are not in returns {returns}")
    for mistake in mistakes:
        if not (isinstance(mistake, (tuple, list)) and len(mistake) == 2 and callable(mistake[0])):
            raise TypeError(f"{function}: a mistake is (wrong_function, hint), got {mistake!r:.80}")

    def describe(args: tuple) -> str:
        if where is not None:
            return where(*args)
        return where_of(**dict(zip(arg_names, args)))

    def cases(rng: np.random.Generator) -> list[Case]:
        drawn = inputs(rng) if callable(inputs) else inputs
        out = []
        for args in drawn:
            args = tuple(args) if isinstance(args, (tuple, list)) else (args,)
            # Typical mistakes are computed here, with the answer: an error in one shows up when
            # the exercise file is loaded, not as a learner's failure.
            wrong = [(_results(fn, args, len(returns)), hint) for fn, hint in mistakes]
            data = {"expected": answer(args), "mistakes": wrong}
            out.append(Case(args, describe(args), data=data))
        return out

    def judge(case: Case, value: Any, args: tuple) -> None:
        mine = unpack(function, value, len(returns)) if len(returns) > 1 else (value,)
        wrong = case.data["mistakes"]
        for k, what in enumerate(returns):
            if what not in graded:
                continue
            alternatives = [(alt[k], hint) for alt, hint in wrong if alt and alt[k] is not None]
            expect_close(
                what,
                mine[k],
                case.data["expected"][k],
                case.where,
                label=label,
                atol=atol,
                rtol=rtol,
                mistakes=alternatives,
            )

    title = name or (function if graded == returns else f"{function}: {', '.join(graded)}")
    return Test(title, function, cases, judge, points=points, seed=seed)


def _results(wrong: Callable, args: tuple, n: int) -> tuple | None:
    """What a mistaken solution returns, as a tuple of n results (None where it does not apply)."""
    value = wrong(*args)
    if value is None:
        return None
    if n == 1:
        return (value,)
    return tuple(value) if isinstance(value, (tuple, list)) and len(value) == n else None


def _parameters(fn: Callable, what: str) -> tuple[str, ...]:
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"{what} should be a Python function, got {fn!r:.80}") from None
    return tuple(p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))


def _with(values: tuple, positions: list[int], chosen: tuple) -> list:
    out = list(values)
    for i, v in zip(positions, chosen):
        out[i] = v
    return out
