"""Exercise rnn_backward: one RNN step's backward, and one LSTM cell's (the gates).

RNN step, PyTorch's layout: h = tanh(p), p = x W_ihᵀ + h_prev W_hhᵀ + b. With p̄ = h̄ (1 − h²):
    dx = p̄ W_ih,  dh_prev = p̄ W_hh,  dW_ih = p̄ᵀ x,  dW_hh = p̄ᵀ h_prev,  db = Σ_batch p̄.
LSTM cell from gate pre-activations a = [aᵢ | a_f | a_g | aₒ] (PyTorch's order) and c_prev:
    c = f c_prev + i g,  h = o tanh(c);  c̄ = c̄_next + h̄ o (1 − tanh² c),  dc_prev = c̄ f,
    ā = [c̄ g i(1 − i) | c̄ c_prev f(1 − f) | c̄ i (1 − g²) | h̄ tanh(c) o(1 − o)].
The oracle is a float64 central-difference gradient of the forward pass.
"""

from __future__ import annotations

import numpy as np

from ...gradcheck import numerical_grad
from ..compare import expect_close, named_result
from ..core import Case, Exercise, Test

RNN_NAMES = ("dx", "dh_prev", "dW_ih", "dW_hh", "db")
LSTM_NAMES = ("d_gates", "dc_prev")
#: (batch, input, hidden); input = hidden in one case, so a transposed W_ih has the right shape
RNN_SHAPES = [(1, 2, 3), (4, 3, 3), (3, 5, 4)]


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _rnn_step(x, h_prev, W_ih, W_hh, b):
    return np.tanh(x @ W_ih.T + h_prev @ W_hh.T + b)


def _rnn_cases(rng) -> list[Case]:
    cases = []
    for n, inputs, hidden in RNN_SHAPES:
        args = [rng.normal(size=(n, inputs)), rng.normal(size=(n, hidden)),
                rng.normal(0, 0.6, size=(hidden, inputs)), rng.normal(0, 0.6, size=(hidden, hidden)),
                rng.normal(size=hidden)]  # fmt: skip
        grad_h = rng.normal(size=(n, hidden))
        grads = numerical_grad(_rnn_step, args, grad_outputs=grad_h)
        where = f"x {args[0].shape}, h_prev {args[1].shape}, W_ih {args[2].shape}"
        cases.append(Case((*args, grad_h), where, data=dict(zip(RNN_NAMES, grads))))
    return cases


def _rnn_mistakes(which: str, args) -> list[tuple]:
    x, h_prev, W_ih, W_hh, b, grad_h = args
    pre = x @ W_ih.T + h_prev @ W_hh.T + b
    h = np.tanh(pre)
    dp = grad_h * (1 - h**2)
    no_tanh = "multiply by tanh′ = 1 − h² (h = tanh(p)) before going back through the weights"
    variants = {  # (alternative dp, hint): each mistake as the wrong p̄ it uses
        "forgot": (grad_h, no_tanh),
        "pre": (grad_h * (1 - pre**2), "tanh′(p) = 1 − tanh(p)² = 1 − h², not 1 − p²"),
        "upstream": (1 - h**2, "multiply by the upstream gradient grad_h (chain rule)"),
    }
    outputs = {
        "dx": lambda d: d @ W_ih,
        "dh_prev": lambda d: d @ W_hh,
        "dW_ih": lambda d: d.T @ x,
        "dW_hh": lambda d: d.T @ h_prev,
        "db": lambda d: d.sum(axis=0),
    }
    mistakes = [(outputs[which](d), hint) for d, hint in variants.values()]
    transposed = {
        "dh_prev": (dp @ W_hh.T, "dh_prev = p̄ · W_hh: W_hh, not W_hhᵀ, since p = h_prev · W_hhᵀ"),
        "dx": (
            dp @ W_ih.T if W_ih.shape[0] == W_ih.shape[1] else None,
            "dx = p̄ · W_ih: W_ih, not W_ihᵀ, since p = x · W_ihᵀ",
        ),  # fmt: skip
        "dW_hh": (h_prev.T @ dp, "dW_hh is transposed: dW_hh = p̄ᵀ · h_prev (shape like W_hh)"),
        "dW_ih": (None, ""),
        "db": (dp.mean(axis=0), "sum p̄ over the batch, do not average"),
    }[which]
    return [*mistakes, transposed] if transposed[0] is not None else mistakes


def _lstm_cell(gates, c_prev):
    """[h | c] of one LSTM cell: c = f c_prev + i g, h = o tanh(c)."""
    a_i, a_f, a_g, a_o = np.split(gates, 4, axis=-1)
    c = _sigmoid(a_f) * c_prev + _sigmoid(a_i) * np.tanh(a_g)
    return np.concatenate([_sigmoid(a_o) * np.tanh(c), c], axis=-1)


def _lstm_cases(rng) -> list[Case]:
    cases = []
    for n, hidden in [(1, 2), (3, 4), (2, 5)]:
        gates, c_prev = rng.normal(0, 1.5, size=(n, 4 * hidden)), rng.normal(size=(n, hidden))
        grad_h, grad_c = rng.normal(size=(n, hidden)), rng.normal(size=(n, hidden))
        grads = numerical_grad(_lstm_cell, [gates, c_prev],
                               grad_outputs=np.concatenate([grad_h, grad_c], axis=-1))  # fmt: skip
        where = f"gates {gates.shape}, c_prev {c_prev.shape}"
        cases.append(Case((gates, c_prev, grad_h, grad_c), where,
                          data=dict(zip(LSTM_NAMES, grads))))  # fmt: skip
    return cases


def _lstm_mistakes(which: str, args) -> list[tuple]:
    gates, c_prev, grad_h, grad_c = args
    a_i, a_f, a_g, a_o = np.split(gates, 4, axis=-1)
    i, f, g, o = _sigmoid(a_i), _sigmoid(a_f), np.tanh(a_g), _sigmoid(a_o)
    tc = np.tanh(f * c_prev + i * g)
    dc = grad_c + grad_h * o * (1 - tc**2)
    wrong_dc = {
        "highway": (grad_h * o * (1 - tc**2),
                    "add grad_c, the gradient reaching c from the next step (the highway)"),
        "tanh": (grad_c + grad_h * o, "h = o·tanh(c): the path to c needs tanh′(c) = 1 − tanh(c)²"),
    }  # fmt: skip
    if which == "dc_prev":
        mistakes = [(dc, "dc_prev = c̄ · f: the gradient of c_prev is missing the forget gate f")]
        return mistakes + [(d * f, hint) for d, hint in wrong_dc.values()]

    def gates_from(dc, sig=True):
        s = (lambda y: y * (1 - y)) if sig else (lambda y: 1.0)
        return np.concatenate([dc * g * s(i), dc * c_prev * s(f), dc * i * (1 - g**2),
                               grad_h * tc * s(o)], axis=-1)  # fmt: skip

    right = gates_from(dc)
    blocks = np.split(right, 4, axis=-1)
    return [
        *[(gates_from(d), hint) for d, hint in wrong_dc.values()],
        (gates_from(dc, sig=False), "σ′(a) = σ(a)(1 − σ(a)) is missing for the i, f and o gates"),
        (
            np.concatenate([blocks[0], blocks[1], blocks[3], blocks[2]], axis=-1),
            "the gates are in PyTorch's order i, f, g, o along the last axis",
        ),  # fmt: skip
    ]


def _judge(function: str, names: tuple, mistakes_of, which: str):
    """Compare result `which` of `function` with the oracle, naming a typical mistake it matches."""

    def judge(case: Case, value, args) -> None:
        mine = named_result(function, value, names, which)
        mistakes = mistakes_of(which, case.args)
        expect_close(which, mine, case.data[which], case.where, mistakes=mistakes)

    return judge


EXERCISE = Exercise(
    name="rnn_backward",
    title="Backward pass of one RNN step and of one LSTM cell",
    notebook="14_rnn_backward.ipynb",
    functions=("rnn_step_backward", "lstm_cell_backward"),
    tests=[
        *[
            Test(
                f"rnn_step_backward: {name}",
                "rnn_step_backward",
                _rnn_cases,
                _judge("rnn_step_backward", RNN_NAMES, _rnn_mistakes, name),
                seed=41,
            )  # fmt: skip
            for name in ("dh_prev", "dW_hh", "dx", "dW_ih", "db")
        ],
        *[
            Test(
                f"lstm_cell_backward: {name}",
                "lstm_cell_backward",
                _lstm_cases,
                _judge("lstm_cell_backward", LSTM_NAMES, _lstm_mistakes, name),
                seed=43,
            )  # fmt: skip
            for name in LSTM_NAMES
        ],
    ],
)
