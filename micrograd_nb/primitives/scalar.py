"""Scalar-network primitive: a neuron's weighted sum as one node with many inputs."""

from __future__ import annotations

from operator import mul

from ..autograd import Function


class WeightedSum(Function):
    """b + Σᵢ wᵢ·xᵢ over inputs (w₁..wₙ, x₁..xₙ, b); d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1

    One node instead of 2n binary ones: the same numbers (summed in the same order as
    `sum(wi*xi for ...) + b`) with far less bookkeeping per neuron.
    """

    name = "Σw·x+b"
    formulas_are_partials = True
    table_inputs = ("w₁", "w₂", "x₁", "x₂", "b")

    @classmethod
    def formula(cls, index, names, out, options):
        """d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1 (inputs are w₁..wₙ, x₁..xₙ, b)"""
        n = (len(names) - 1) // 2
        if index == len(names) - 1:
            return "1"
        return names[index + n] if index < n else names[index - n]

    @staticmethod
    def forward(ctx, *wxb):
        n = (len(wxb) - 1) // 2
        w, x, b = wxb[:n], wxb[n : 2 * n], wxb[-1]
        ctx.save_for_backward(*wxb)  # n = len(saved) // 2: no per-node attribute to store
        return sum(map(mul, w, x), b)

    @staticmethod
    def backward(ctx, grad):
        saved = ctx.saved_tensors
        n = len(saved) // 2
        w, x = saved[:n], saved[n : 2 * n]
        return (*[grad * xi for xi in x], *[grad * wi for wi in w], grad)

    @staticmethod
    def jvp(ctx, *tangents):
        saved = ctx.saved_tensors
        n = len(saved) // 2
        w, x = saved[:n], saved[n : 2 * n]
        dw, dx, db = tangents[:n], tangents[n : 2 * n], tangents[-1]
        return sum(map(mul, dw, x), db) + sum(map(mul, w, dx))
