def mul_backward(x, y, grad):
    return y * grad, x * grad


def pow_backward(x, n, grad):
    return n * x ** (n - 1) * grad
