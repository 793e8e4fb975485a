import numpy as np


def xavier_std(fan_in, fan_out):
    return np.sqrt(2.0 / (fan_in + fan_out))


def he_std(fan_in, fan_out):
    return np.sqrt(2.0 / fan_in)


def init_weight(fan_in, fan_out, kind, seed):
    std = he_std(fan_in, fan_out) if kind == "he" else xavier_std(fan_in, fan_out)
    return np.random.default_rng(seed).normal(0.0, std, size=(fan_out, fan_in))
