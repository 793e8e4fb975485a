import numpy as np


def manual_backward(cache):
    c = cache
    n, vocab = c["logits"].shape
    grads = {}
    # softmax + cross-entropy: (p - onehot) / N
    shifted = c["logits"] - c["logits"].max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    probs /= probs.sum(axis=1, keepdims=True)
    probs[np.arange(n), c["Yb"]] -= 1
    dlogits = probs / n
    grads["logits"] = dlogits
    # logits = h @ W2 + b2
    dh = dlogits @ c["W2"].T
    grads["h"] = dh
    grads["W2"] = c["h"].T @ dlogits
    grads["b2"] = dlogits.sum(axis=0)
    # h = tanh(hpreact)
    dhpreact = (1.0 - c["h"] ** 2) * dh
    grads["hpreact"] = dhpreact
    # hpreact = bngain * bnraw + bnbias
    grads["bngain"] = (c["bnraw"] * dhpreact).sum(axis=0, keepdims=True)
    grads["bnbias"] = dhpreact.sum(axis=0, keepdims=True)
    dbnraw = c["bngain"] * dhpreact
    grads["bnraw"] = dbnraw
    # bnraw = bndiff * bnvar_inv
    dbnvar_inv = (c["bndiff"] * dbnraw).sum(axis=0, keepdims=True)
    grads["bnvar_inv"] = dbnvar_inv
    # bnvar_inv = (bnvar + eps) ** -0.5, so its derivative is -0.5 * bnvar_inv ** 3
    dbnvar = -0.5 * c["bnvar_inv"] ** 3 * dbnvar_inv
    grads["bnvar"] = dbnvar
    # bndiff feeds bnraw and bnvar = mean(bndiff ** 2)
    dbndiff = c["bnvar_inv"] * dbnraw + (2.0 / n) * c["bndiff"] * dbnvar
    grads["bndiff"] = dbndiff
    # bndiff = hprebn - bnmean, bnmean = mean(hprebn)
    dbnmean = -dbndiff.sum(axis=0, keepdims=True)
    grads["bnmean"] = dbnmean
    grads["hprebn"] = dbndiff + dbnmean / n
    # hprebn = embcat @ W1 + b1
    dhprebn = grads["hprebn"]
    grads["embcat"] = dhprebn @ c["W1"].T
    grads["W1"] = c["embcat"].T @ dhprebn
    grads["b1"] = dhprebn.sum(axis=0)
    # emb = C[Xb], embcat = emb.reshape(N, -1)
    demb = grads["embcat"].reshape(c["emb"].shape)
    grads["emb"] = demb
    dC = np.zeros_like(c["C"])
    np.add.at(dC, c["Xb"], demb)
    grads["C"] = dC
    return grads
