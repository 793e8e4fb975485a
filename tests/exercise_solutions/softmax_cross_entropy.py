import numpy as np


def softmax_cross_entropy(logits, targets):
    n = logits.shape[0]
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(n), targets].mean()
    dlogits = np.exp(log_p)
    dlogits[np.arange(n), targets] -= 1
    return loss, dlogits / n
