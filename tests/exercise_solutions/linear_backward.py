def linear_backward(x, W, b, grad_y):
    dx = grad_y @ W
    dW = grad_y.T @ x
    db = grad_y.sum(axis=0)
    return dx, dW, db
