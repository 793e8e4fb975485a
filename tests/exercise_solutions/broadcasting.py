def sum_to_shape(grad, shape):
    lead = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(lead)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    return grad.sum(axis=axes, keepdims=True)


def broadcast_mul_backward(a, b, grad):
    return sum_to_shape(grad * b, a.shape), sum_to_shape(grad * a, b.shape)
