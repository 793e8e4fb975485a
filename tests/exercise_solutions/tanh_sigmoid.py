import numpy as np


def tanh_backward(x, grad):
    t = np.tanh(x)
    return (1 - t**2) * grad


def sigmoid_backward(x, grad):
    s = 1 / (1 + np.exp(-x))
    return s * (1 - s) * grad
