"""mg.data: toy generators (shape, labels, seeding, geometry) and the digits split."""

from __future__ import annotations

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb import data


@pytest.mark.parametrize(
    ("make", "n_classes"),
    [(data.make_moons, 2), (data.make_circles, 2), (data.make_spirals, 3)],
)
def test_generators_shapes_labels_and_balance(make, n_classes):
    X, y = make(n_samples=301, seed=0)
    assert X.shape == (301, 2) and X.dtype == np.float64
    assert y.shape == (301,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1


@pytest.mark.parametrize("make", [data.make_moons, data.make_circles, data.make_spirals])
def test_generators_are_seeded(make):
    a = make(seed=3)
    b = make(seed=3)
    np.testing.assert_array_equal(a[0], b[0])
    mg.manual_seed(5)
    c = make()
    mg.manual_seed(5)
    d = make()
    np.testing.assert_array_equal(c[0], d[0])
    assert not np.array_equal(make(seed=4)[0], a[0])


def test_noiseless_geometry():
    X, y = data.make_circles(200, noise=0.0, factor=0.3, seed=0)
    radius = np.linalg.norm(X, axis=1)
    np.testing.assert_allclose(radius[y == 0], 1.0)
    np.testing.assert_allclose(radius[y == 1], 0.3)
    X, y = data.make_moons(200, noise=0.0, seed=0)
    np.testing.assert_allclose(np.linalg.norm(X[y == 0], axis=1), 1.0)  # upper half circle
    np.testing.assert_allclose(np.linalg.norm(X[y == 1] - [1.0, 0.5], axis=1), 1.0)
    X, y = data.make_spirals(300, noise=0.0, seed=0)
    assert np.linalg.norm(X, axis=1).max() == pytest.approx(1.0)


def test_spirals_are_not_linearly_separable_but_moons_almost():
    # A linear softmax classifier reaches a far lower accuracy on spirals than on moons.
    def linear_accuracy(X, y):
        model = mg.nn.Linear(2, int(y.max()) + 1)
        opt = mg.optim.Adam(model.parameters(), lr=0.1)
        for _ in range(200):
            opt.zero_grad()
            mg.nn.functional.cross_entropy(model(mg.Tensor(X)), y).backward()
            opt.step()
        return (model(mg.Tensor(X)).data.argmax(1) == y).mean()

    mg.manual_seed(0)
    assert linear_accuracy(*data.make_spirals(300, seed=0)) < 0.65
    assert linear_accuracy(*data.make_moons(300, seed=0)) > 0.8


def test_load_digits_split():
    split = data.load_digits(test_size=0.25, seed=0)
    X_train, y_train, X_test, y_test = split
    assert X_train.shape[1] == 64 and len(X_train) + len(X_test) == 1797
    assert len(X_test) == 450
    assert 0.0 <= X_train.min() and X_train.max() <= 1.0
    assert set(np.unique(y_test)) == set(range(10))
    # stratified: each digit is about 10% of both parts
    assert np.abs(np.bincount(y_test) / len(y_test) - 0.1).max() < 0.01
    again = data.load_digits(seed=0)
    np.testing.assert_array_equal(again.X_test, X_test)


def test_batches_cover_the_data_once():
    X = np.arange(10).reshape(10, 1).astype(float)
    y = np.arange(10)
    seen = [yb for _, yb in data.batches(X, y, 4, seed=0)]
    assert [len(b) for b in seen] == [4, 4, 2]
    assert sorted(np.concatenate(seen)) == list(range(10))
    for xb, yb in data.batches(X, y, 3, shuffle=False):
        np.testing.assert_array_equal(xb[:, 0], yb)
    with pytest.raises(ValueError, match="rows"):
        next(data.batches(X, y[:5], 2))
