import numpy as np


def rnn_step_backward(x, h_prev, W_ih, W_hh, b, grad_h):
    h = np.tanh(x @ W_ih.T + h_prev @ W_hh.T + b)
    dp = grad_h * (1 - h**2)
    return dp @ W_ih, dp @ W_hh, dp.T @ x, dp.T @ h_prev, dp.sum(axis=0)


def lstm_cell_backward(gates, c_prev, grad_h, grad_c):
    a_i, a_f, a_g, a_o = np.split(gates, 4, axis=1)
    i, f, o = (1 / (1 + np.exp(-a)) for a in (a_i, a_f, a_o))
    g = np.tanh(a_g)
    tc = np.tanh(f * c_prev + i * g)
    dc = grad_c + grad_h * o * (1 - tc**2)
    d_gates = np.concatenate(
        [
            dc * g * i * (1 - i),
            dc * c_prev * f * (1 - f),
            dc * i * (1 - g**2),
            grad_h * tc * o * (1 - o),
        ],
        axis=1,
    )
    return d_gates, dc * f
