"""Exercise 15 (manual_backprop): the autograd oracle, the comparison table, named mistakes."""

import runpy
from pathlib import Path

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.grading import EXERCISES, core
from micrograd_nb.grading.checks import manual_backprop as M

SOLUTION = Path(__file__).resolve().parent / "exercise_solutions" / "manual_backprop.py"


@pytest.fixture(scope="module")
def batch():
    rng = np.random.default_rng(5)
    params = M.init_params(rng, vocab_size=7, block_size=3, n_embd=3, n_hidden=6)
    Xb = rng.integers(0, 7, size=(10, 3))
    Xb[0] = 2  # repeated rows of C
    Yb = rng.integers(0, 7, size=10)
    return params, Xb, Yb


def _numpy_loss(params, Xb, Yb):
    """The forward pass in plain NumPy, a second implementation for the oracle's own check."""
    p = params
    x = p["C"][Xb].reshape(len(Xb), -1) @ p["W1"] + p["b1"]
    x_hat = (x - x.mean(0)) / np.sqrt(x.var(0) + M.EPS)
    logits = np.tanh(p["bngain"] * x_hat + p["bnbias"]) @ p["W2"] + p["b2"]
    shifted = logits - logits.max(1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
    return -log_p[np.arange(len(Yb)), Yb].mean()


def test_the_autograd_oracle_matches_numerical_gradients(batch):
    params, Xb, Yb = batch
    cache, grads = M.mlp_forward(params, Xb, Yb)
    assert cache["loss"] == pytest.approx(_numpy_loss(params, Xb, Yb), rel=1e-12)
    for name in M.PARAMS:
        (numerical,) = mg.numerical_grad(
            lambda value, name=name: _numpy_loss({**params, name: value}, Xb, Yb), [params[name]]
        )
        np.testing.assert_allclose(grads[name], numerical, rtol=1e-6, atol=1e-9, err_msg=name)
    # an intermediate: the loss as a function of hpreact alone
    p = params

    def from_hpreact(hpreact):
        logits = np.tanh(hpreact) @ p["W2"] + p["b2"]
        shifted = logits - logits.max(1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(1, keepdims=True))
        return -log_p[np.arange(len(Yb)), Yb].mean()

    (numerical,) = mg.numerical_grad(from_hpreact, [cache["hpreact"]])
    np.testing.assert_allclose(grads["hpreact"], numerical, rtol=1e-6, atol=1e-10)
    assert set(grads) == set(M.GRAD_NAMES)
    assert all(grads[n].shape == np.shape(cache[n]) for n in M.GRAD_NAMES)


def test_the_table_says_exact_close_and_the_largest_difference(batch):
    cache, grads = M.mlp_forward(*batch)
    mine = {name: g.copy() for name, g in grads.items()}
    mine["W1"] = mine["W1"] + 1e-15  # round-off: close, not exact
    mine["bngain"] = mine["bngain"] * 2.0
    del mine["C"]
    rows = {line.split()[0]: line for line in M.comparison_table(mine, grads).splitlines()[1:]}
    assert rows["logits"].split()[-3:] == ["True", "True", "0.0"]
    assert rows["W1"].split()[-3:] == ["False", "True", "1e-15"]
    assert rows["bngain"].split()[-3] == "False" and rows["bngain"].split()[-2] == "False"
    biggest = np.abs(grads["bngain"]).max()
    assert float(rows["bngain"].split()[-1]) == float(f"{biggest:.2g}")
    # BatchNorm subtracts the batch mean, so b1 (added before it) gets no gradient at all
    assert np.abs(grads["b1"]).max() < 1e-15
    assert "missing" in rows["C"]


def _wrong(change):
    """The reference solution with one gradient replaced by change(cache, grads)."""
    namespace = runpy.run_path(str(SOLUTION))
    right = namespace["manual_backward"]

    def manual_backward(cache):
        grads = right(cache)
        grads.update(change(cache, grads))
        return grads

    return {"manual_backward": manual_backward}


def _dC_by_assignment(cache, grads):
    dC = np.zeros_like(cache["C"])
    dC[cache["Xb"]] = grads["emb"]
    return {"C": dC}


WRONG = [
    (lambda c, g: {"logits": g["logits"] * len(c["Yb"])}, "softmax", "divide by the batch size N"),
    (lambda c, g: {"W2": g["W2"].T}, "second linear", "transposed"),
    (lambda c, g: {"b2": g["b2"] / len(c["Yb"])}, "second linear", "do not average"),
    (
        lambda c, g: {"hpreact": (1 - c["hpreact"] ** 2) * g["h"]},
        "tanh",
        "use the output h, not hpreact",
    ),
    (lambda c, g: {"bnraw": g["hpreact"]}, "scale and shift", "bngain"),
    (
        lambda c, g: {"bndiff": c["bnvar_inv"] * g["bnraw"]},
        "statistics",
        "bndiff is used twice",
    ),
    (lambda c, g: {"hprebn": g["bndiff"]}, "BatchNorm input", "hprebn also feeds the mean"),
    (_dC_by_assignment, "embedding", "np.add.at(dC, Xb, demb)"),
    (lambda c, g: {"bngain": g["bngain"][0]}, "scale and shift", "should have shape (1,"),
]


@pytest.mark.parametrize("change, stage, words", WRONG, ids=[w[2][:24] for w in WRONG])
def test_typical_mistakes_are_named_in_the_failing_stage_only(change, stage, words):
    results = core.run_in_process(EXERCISES["manual_backprop"], _wrong(change))
    failed = [r for r in results if not r.passed]
    assert len(failed) == 1 and stage in failed[0].name, [(r.name, r.feedback) for r in failed]
    assert words in failed[0].feedback, failed[0].feedback
    assert "autograd" in failed[0].feedback or "shape" in failed[0].feedback


def test_a_missing_gradient_or_a_wrong_type_is_explained():
    def drop_bnvar(cache, grads):
        grads.pop("bnvar")
        return {}

    results = core.run_in_process(EXERCISES["manual_backprop"], _wrong(drop_bnvar))
    assert [r.passed for r in results].count(False) == 1
    assert "has no 'bnvar'" in next(r.feedback for r in results if not r.passed)
    results = core.run_in_process(
        EXERCISES["manual_backprop"], {"manual_backward": lambda cache: [1, 2]}
    )
    assert all("should return a dict" in r.feedback for r in results)
