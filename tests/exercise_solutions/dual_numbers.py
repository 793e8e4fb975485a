import math


def dual_mul(a, b):
    return a[0] * b[0], a[1] * b[0] + a[0] * b[1]


def dual_div(a, b):
    return a[0] / b[0], (a[1] * b[0] - a[0] * b[1]) / b[0] ** 2


def dual_sin(a):
    return math.sin(a[0]), math.cos(a[0]) * a[1]


def dual_exp(a):
    e = math.exp(a[0])
    return e, e * a[1]
