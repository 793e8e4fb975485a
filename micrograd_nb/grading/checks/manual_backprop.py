"""Exercise manual_backprop: the gradient of every intermediate tensor of a character-level MLP.

The forward pass (one line per tensor, as in the lecture it follows):

    emb = C[Xb]                          embcat = emb.reshape(N, -1)
    hprebn = embcat @ W1 + b1            bnmean = hprebn.mean(0, keepdims=True)
    bndiff = hprebn - bnmean             bnvar = (bndiff ** 2).mean(0, keepdims=True)
    bnvar_inv = (bnvar + eps) ** -0.5    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias    h = tanh(hpreact)
    logits = h @ W2 + b2                 loss = cross_entropy(logits, Yb)

The oracle is autograd in float64: the same lines on `Tensor`s, then `loss.backward()`; every
intermediate keeps its `.grad`, and each of the learner's gradients is compared with it.
"""

from __future__ import annotations

import numpy as np

from ...nn.functional import cross_entropy
from ...tensor import Tensor
from ..compare import expect_close, fmt
from ..core import Case, Exercise, Test, Wrong

EPS = 1e-5
PARAMS = ("C", "W1", "b1", "bngain", "bnbias", "W2", "b2")
#: the tensors whose gradient the learner returns, from the loss back to the embedding table
GRAD_NAMES = (
    "logits", "h", "W2", "b2", "hpreact", "bngain", "bnbias", "bnraw", "bnvar_inv", "bnvar",
    "bndiff", "bnmean", "hprebn", "embcat", "W1", "b1", "emb", "C",
)  # fmt: skip


def init_params(rng, vocab_size=27, block_size=3, n_embd=10, n_hidden=64) -> dict:
    """Random float64 parameters at the lecture's scales (Kaiming W1, small W2, γ near 1)."""
    fan_in = n_embd * block_size
    return {
        "C": rng.normal(size=(vocab_size, n_embd)),
        "W1": rng.normal(size=(fan_in, n_hidden)) * (5 / 3) / np.sqrt(fan_in),
        "b1": rng.normal(size=n_hidden) * 0.1,
        "bngain": 1.0 + rng.normal(size=(1, n_hidden)) * 0.1,
        "bnbias": rng.normal(size=(1, n_hidden)) * 0.1,
        "W2": rng.normal(size=(n_hidden, vocab_size)) * 0.1,
        "b2": rng.normal(size=vocab_size) * 0.1,
    }


def mlp_forward(params: dict, Xb: np.ndarray, Yb: np.ndarray) -> tuple[dict, dict]:
    """(cache, grads): every forward tensor (with params, Xb, Yb, loss) and autograd's gradients."""
    t = {
        name: Tensor(np.asarray(params[name], dtype=np.float64), requires_grad=True)
        for name in PARAMS
    }
    n = len(Xb)
    v = {}
    v["emb"] = t["C"][Xb]
    v["embcat"] = v["emb"].reshape(n, -1)
    v["hprebn"] = v["embcat"] @ t["W1"] + t["b1"]
    v["bnmean"] = v["hprebn"].mean(0, keepdims=True)
    v["bndiff"] = v["hprebn"] - v["bnmean"]
    v["bnvar"] = (v["bndiff"] ** 2).mean(0, keepdims=True)
    v["bnvar_inv"] = (v["bnvar"] + EPS) ** -0.5
    v["bnraw"] = v["bndiff"] * v["bnvar_inv"]
    v["hpreact"] = t["bngain"] * v["bnraw"] + t["bnbias"]
    v["h"] = v["hpreact"].tanh()
    v["logits"] = v["h"] @ t["W2"] + t["b2"]
    loss = cross_entropy(v["logits"], Yb)
    loss.backward()
    v.update(t)
    cache = {name: node.data for name, node in v.items()}
    cache.update(Xb=np.asarray(Xb), Yb=np.asarray(Yb), loss=loss.item())
    return cache, {name: v[name].grad for name in GRAD_NAMES}


def comparison_table(grads: dict, expected: dict) -> str:
    """One line per tensor: exact?, close (|Δ| ≤ 1e-9 + 1e-6·|expected|)?, largest difference."""
    lines = [f"{'tensor':10s} {'shape':>12s}  exact  close  max |difference|"]
    for name in GRAD_NAMES:
        want = expected[name]
        mine = grads.get(name) if isinstance(grads, dict) else None
        if mine is None or np.shape(mine) != want.shape:
            got = "missing" if mine is None else f"shape {np.shape(mine)}"
            lines.append(f"{name:10s} {str(want.shape):>12s}  {got}, expected shape {want.shape}")
            continue
        mine = np.asarray(mine, dtype=np.float64)
        exact = bool(np.array_equal(mine, want))
        close = bool(np.all(np.abs(mine - want) <= 1e-9 + 1e-6 * np.abs(want)))
        diff = float(np.max(np.abs(mine - want))) if want.size else 0.0
        lines.append(
            f"{name:10s} {str(want.shape):>12s}  {exact!s:5s}  {close!s:5s}  {fmt(diff, 2)}"
        )
    return "\n".join(lines)


# ---- the grader's cases and judges ----------------------------------------------------------------
SIZES = [(6, 3, 2, 5, 8), (27, 3, 10, 16, 32)]  # (vocab, block, n_embd, n_hidden, batch)


def _cases(rng) -> list[Case]:
    cases = []
    for vocab, block, n_embd, n_hidden, batch in SIZES:
        params = init_params(rng, vocab, block, n_embd, n_hidden)
        Xb = rng.integers(0, vocab, size=(batch, block))
        Xb[0] = 0  # character 0 three times in one example, and again in others: repeated rows
        Yb = rng.integers(0, vocab, size=batch)
        cache, grads = mlp_forward(params, Xb, Yb)
        where = f"batch {batch}, vocabulary {vocab}, {n_embd}-d embeddings, {n_hidden} hidden units"
        cases.append(Case((cache,), where, data={"grads": grads}))
    return cases


def _mistakes(name: str, cache: dict, g: dict) -> list[tuple]:
    """(what a typical wrong solution returns for `name`, the hint) given the right upstream g."""
    n = len(cache["Yb"])
    if name == "logits":
        onehot = np.eye(cache["logits"].shape[1])[cache["Yb"]]
        probs = g["logits"] * n + onehot
        return [
            (probs - onehot, "divide by the batch size N: the loss is a mean"),
            (-g["logits"], "the sign: dlogits = (softmax(logits) − onehot(Yb)) / N"),
            (probs / n, "subtract onehot(Yb): dlogits = (softmax(logits) − onehot(Yb)) / N"),
        ]
    if name == "hpreact":
        return [
            (
                (1 - cache["hpreact"] ** 2) * g["h"],
                "tanh' = 1 − tanh(x)²: use the output h, not hpreact",
            ),
            (1 - cache["h"] ** 2, "multiply tanh' by the upstream gradient dh"),
        ]
    if name == "bnraw":
        return [(g["hpreact"], "bnraw is multiplied by bngain: dbnraw = bngain · dhpreact")]
    if name == "bnvar":
        return [
            (-g["bnvar"], "d/dv (v + eps)^(−1/2) = −½ (v + eps)^(−3/2): mind the sign"),
            (g["bnvar"] * 2, "the exponent −1/2 brings down a factor ½"),
        ]
    if name == "bndiff":
        return [
            (
                g["bndiff"] - 2 * cache["bndiff"] * g["bnvar"] / n,
                "bndiff is used twice, in bnraw and in bnvar: add both contributions "
                "(through bnvar: 2·bndiff·dbnvar / N)",
            )
        ]
    if name == "hprebn":
        return [
            (
                g["hprebn"] - g["bnmean"] / n,
                "hprebn also feeds the mean: every row gets dbnmean / N on top of dbndiff",
            )
        ]
    if name == "C":
        wrong = np.zeros_like(cache["C"])
        wrong[cache["Xb"]] = g["emb"]
        return [
            (
                wrong,
                "a character used several times in the batch adds up all its gradients: "
                "np.add.at(dC, Xb, demb), not dC[Xb] = demb (which keeps only the last one)",
            )
        ]
    if name in ("b2", "b1"):
        upstream = g["logits"] if name == "b2" else g["hprebn"]
        return [(upstream.mean(axis=0), "sum over the batch axis, do not average")]
    return []


def _judge(names: tuple[str, ...]):
    def judge(case: Case, value, args) -> None:
        if not isinstance(value, dict):
            raise Wrong(
                f"manual_backward should return a dict {{name: gradient}}, got {type(value).__name__}"
            )
        (cache,) = case.args
        expected = case.data["grads"]
        for name in names:
            if name not in value:
                raise Wrong(
                    f"manual_backward's dict has no {name!r}: return a gradient for every tensor"
                )
            mistakes = [(alt, hint) for alt, hint in _mistakes(name, cache, expected) if hint]
            expect_close(
                f"d{name}", value[name], expected[name], case.where,
                label="autograd", atol=1e-9, rtol=1e-6, mistakes=mistakes,
            )  # fmt: skip

    return judge


STAGES = [
    ("softmax + cross-entropy: dlogits", ("logits",)),
    ("second linear layer: dh, dW2, db2", ("h", "W2", "b2")),
    ("tanh: dhpreact", ("hpreact",)),
    ("BatchNorm scale and shift: dbngain, dbnbias, dbnraw", ("bngain", "bnbias", "bnraw")),
    ("BatchNorm statistics: dbnvar_inv, dbnvar, dbndiff, dbnmean", ("bnvar_inv", "bnvar", "bndiff", "bnmean")),
    ("BatchNorm input: dhprebn", ("hprebn",)),
    ("first linear layer: dembcat, dW1, db1", ("embcat", "W1", "b1")),
    ("embedding lookup with repeated indices: demb, dC", ("emb", "C")),
]  # fmt: skip

EXERCISE = Exercise(
    name="manual_backprop",
    title="Backprop by hand through a character-level MLP",
    notebook="15_manual_backprop.ipynb",
    functions=("manual_backward",),
    tests=[
        Test(f"manual_backward: {title}", "manual_backward", _cases, _judge(names), seed=31)
        for title, names in STAGES
    ],
)
