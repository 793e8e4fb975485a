"""Exercise rnn_backward: typical wrong solutions lose marks with feedback that names the mistake."""

from __future__ import annotations

import runpy
import textwrap
from pathlib import Path

import pytest

from micrograd_nb.grading import EXERCISES, core

SOLUTION = Path(__file__).resolve().parent / "exercise_solutions" / "rnn_backward.py"

RNN_HEAD = """
import numpy as np
def rnn_step_backward(x, h_prev, W_ih, W_hh, b, grad_h):
    pre = x @ W_ih.T + h_prev @ W_hh.T + b
    h = np.tanh(pre)
"""
LSTM_HEAD = """
import numpy as np
def lstm_cell_backward(gates, c_prev, grad_h, grad_c):
    a_i, a_f, a_g, a_o = np.split(gates, 4, axis=1)
    i, f, o = (1 / (1 + np.exp(-a)) for a in (a_i, a_f, a_o))
    g = np.tanh(a_g)
    tc = np.tanh(f * c_prev + i * g)
"""
RNN_RETURN = "return dp @ W_ih, dp @ W_hh, dp.T @ x, dp.T @ h_prev, dp.sum(axis=0)"
LSTM_GATES = """d = [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dc * i * (1 - g**2),
     grad_h * tc * o * (1 - o)]"""
# (the function's head, its wrong body, the test that fails, words its feedback must contain)
WRONG = [
    (RNN_HEAD, f"dp = grad_h\n{RNN_RETURN}", "rnn_step_backward: dh_prev",
     ["dh_prev is wrong", "1 − h²"]),
    (RNN_HEAD, f"dp = grad_h * (1 - pre**2)\n{RNN_RETURN}", "rnn_step_backward: dW_hh",
     ["not 1 − p²"]),
    (RNN_HEAD, f"dp = 1 - h**2\n{RNN_RETURN}", "rnn_step_backward: dx",
     ["upstream gradient grad_h"]),
    (RNN_HEAD, f"dp = grad_h * (1 - h**2)\n{RNN_RETURN.replace('dp @ W_hh', 'dp @ W_hh.T')}",
     "rnn_step_backward: dh_prev", ["W_hh, not W_hhᵀ"]),
    (RNN_HEAD, f"dp = grad_h * (1 - h**2)\n{RNN_RETURN.replace('dp.T @ h_prev', 'h_prev.T @ dp')}",
     "rnn_step_backward: dW_hh", ["dW_hh is transposed"]),
    (LSTM_HEAD, f"dc = grad_h * o * (1 - tc**2)\n{LSTM_GATES}\nreturn np.concatenate(d, 1), dc * f",
     "lstm_cell_backward: dc_prev", ["add grad_c"]),
    (LSTM_HEAD, f"dc = grad_c + grad_h * o\n{LSTM_GATES}\nreturn np.concatenate(d, 1), dc * f",
     "lstm_cell_backward: d_gates", ["tanh′(c)"]),
    (LSTM_HEAD, f"dc = grad_c + grad_h * o * (1 - tc**2)\n{LSTM_GATES}\nreturn np.concatenate(d, 1), dc",
     "lstm_cell_backward: dc_prev", ["missing the forget gate f"]),
]  # fmt: skip


def run(code: str) -> list:
    namespace = runpy.run_path(str(SOLUTION))
    exec(compile(code, "<submission>", "exec"), namespace)
    return core.run_in_process(EXERCISES["rnn_backward"], namespace)


@pytest.mark.parametrize("head, body, failing, words", WRONG)
def test_wrong_solution_gets_named_feedback(head, body, failing, words):
    results = run(head + textwrap.indent(body, "    ") + "\n")
    failed = [r for r in results if r.name == failing]
    assert failed and not failed[0].passed, [(r.name, r.feedback) for r in results]
    for word in words:
        assert word in failed[0].feedback, failed[0].feedback
    assert sum(r.score for r in results) < EXERCISES["rnn_backward"].max_score


def test_gates_in_the_wrong_order_are_named():
    code = (
        LSTM_HEAD
        + """    dc = grad_c + grad_h * o * (1 - tc**2)
    d = [dc * g * i * (1 - i), dc * c_prev * f * (1 - f), grad_h * tc * o * (1 - o),
         dc * i * (1 - g**2)]
    return np.concatenate(d, axis=1), dc * f
"""
    )
    (result,) = [r for r in run(code) if r.name == "lstm_cell_backward: d_gates"]
    assert not result.passed and "order i, f, g, o" in result.feedback


def test_reference_solution_passes_every_test():
    results = run("")
    assert len(results) == 7 and all(r.passed for r in results)
