"""Memory accounting: bytes a graph holds (counted once each), float16 halves, peaks measured."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

import micrograd_nb as mg
from micrograd_nb.memory import graph_memory, memory_stats, saved_bytes, track_saved_memory


def leaf(shape, dtype=np.float64, requires_grad=False, seed=0):
    data = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return mg.Tensor(data, requires_grad=requires_grad)


def test_hand_counted_graph():
    x, W = leaf((5, 4)), leaf((4, 3), requires_grad=True, seed=1)
    h = x @ W  # held: h (5x3); saved x and W are leaves, which exist anyway
    out = h.relu()  # held: out (5x3); backward rebuilds relu's mask from it
    loss = out.sum()  # a 0-d float64: 8 bytes
    memory = graph_memory(loss)
    assert memory.activation_bytes == 2 * 5 * 3 * 8 + 8
    assert memory.parameter_copy_bytes == 0
    assert memory.nodes == 3
    assert saved_bytes(loss) == memory.total_bytes


def test_views_and_shared_arrays_are_counted_once():
    W = leaf((4, 6), requires_grad=True)
    h = W * 2.0  # 4x6 array
    v = h.reshape(6, 4).T  # views of h's array: no new memory
    assert graph_memory(v).activation_bytes == 4 * 6 * 8
    twice = graph_memory([h, v, h])
    assert twice.activation_bytes == 4 * 6 * 8


def test_nothing_is_held_without_a_graph():
    W = leaf((4, 4), requires_grad=True)
    with mg.no_grad():
        y = (W @ W).tanh().sum()
    assert graph_memory(y).total_bytes == 0 and graph_memory(y).nodes == 0


def mlp_graph(depth, dtype, width=8, batch=5):
    rng = np.random.default_rng(0)
    h = mg.Tensor(rng.standard_normal((batch, width)).astype(dtype))
    for _ in range(depth):
        W = mg.Tensor(rng.standard_normal((width, width)).astype(dtype), requires_grad=True)
        h = (h @ W).tanh()
    return h


def test_memory_grows_linearly_with_depth():
    sizes = [graph_memory(mlp_graph(d, np.float32)).activation_bytes for d in (1, 2, 4, 8)]
    assert sizes == [sizes[0] * d for d in (1, 2, 4, 8)]


def test_float16_activations_hold_half_the_bytes_of_float32():
    f32 = graph_memory(mlp_graph(6, np.float32)).activation_bytes
    f16 = graph_memory(mlp_graph(6, np.float16)).activation_bytes
    assert f16 * 2 == f32


def test_autocast_weight_copies_are_reported_apart():
    x = leaf((5, 4), np.float32)
    W = leaf((3, 4), np.float32, requires_grad=True, seed=1)
    with mg.amp.autocast():
        h = x @ W.T  # W.T is a view of the parameter; its float16 copy is a parameter copy
    memory = graph_memory(h)
    assert memory.parameter_copy_bytes == 3 * 4 * 2
    # the float16 product (5x3) is an activation; x's float16 copy is a constant leaf
    assert memory.activation_bytes == 5 * 3 * 2


def test_memory_stats_measures_the_peak_of_a_block():
    with memory_stats() as stats:
        big = np.ones(2**20)  # 8 MiB
        del big
        small = np.ones(1000)
    assert 8 * 2**20 <= stats.peak_bytes < 9 * 2**20
    assert 8000 <= stats.retained_bytes < 2**20
    del small
    with memory_stats() as outer:  # nested blocks each see their own peak
        a = np.ones(2**18)  # 2 MiB
        del a
        with memory_stats() as inner:
            b = np.ones(2**17)  # 1 MiB
        del b
    assert 2**20 <= inner.peak_bytes < 2**20 + 2**19
    assert 2 * 2**20 <= outer.peak_bytes < 2 * 2**20 + 2**19  # the inner block kept it


def test_the_first_relu_in_a_process_counts_its_arrays_not_the_compiled_kernels():
    # in a fresh interpreter, the first relu of a large array loads Numba's kernels (tens of
    # MiB of Python objects); memory_stats loads them before it starts counting
    code = (
        "import numpy as np, micrograd_nb as mg\n"
        "x = mg.Tensor(np.ones((128, 128), np.float32))\n"
        "with mg.memory_stats() as stats:\n"
        "    y = mg.nn.functional.relu(x)\n"
        "print(stats.peak_bytes)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    peak = int(done.stdout.split()[-1])
    assert 128 * 128 * 4 <= peak < 2 * 128 * 128 * 4  # the output array, and little else


def test_a_training_step_needs_the_graph_inference_does_not():
    W = leaf((256, 256), requires_grad=True)
    x = leaf((256, 256), seed=1)
    with memory_stats() as inference, mg.no_grad():
        (x @ W).tanh().sum()
    with memory_stats() as training:
        (x @ W).tanh().sum().backward()
    assert training.peak_bytes > 2 * inference.peak_bytes


def test_track_saved_memory_without_checkpoints_is_the_graph_at_backward():
    y = mlp_graph(4, np.float64).sum()
    with track_saved_memory() as tracker:
        tracker.sample(y)
        y.backward()
    assert tracker.peak_bytes == saved_bytes(y)


def test_autocast_mlp_activations_hold_half_the_bytes():
    mg.manual_seed(0)
    layers = []
    for _ in range(4):
        layers += [mg.nn.Linear(16, 16, dtype=np.float32), mg.nn.ReLU()]
    x = leaf((8, 16), np.float32)

    def forward():
        h = x
        for layer in layers:
            h = layer(h)
        return h

    f32 = graph_memory(forward())
    with mg.amp.autocast():
        f16 = graph_memory(forward())
    # per layer: the matmul, bias-add and relu outputs and relu's mask, each now float16
    assert f16.activation_bytes * 2 == f32.activation_bytes
    # plus the float16 copies of the weights and biases
    assert f16.parameter_copy_bytes == 4 * (16 * 16 + 16) * 2
