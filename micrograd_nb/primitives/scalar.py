"""Scalar-network primitive: a neuron's weighted sum as one node with many inputs."""

from __future__ import annotations

from operator import mul

from ..autograd import Elementwise


class WeightedSum(Elementwise):
    """b + Σᵢ wᵢ·xᵢ over inputs (w₁..wₙ, x₁..xₙ, b); d/dwᵢ = xᵢ, d/dxᵢ = wᵢ, d/db = 1

    One node instead of 2n binary ones: the same numbers (summed in the same order as
    `sum(wi*xi for ...) + b`) with far less bookkeeping per neuron. Not elementwise over
    arrays, but like every `Elementwise` op its one rule is ∂out/∂input (`partials`), from
    which backward and jvp both follow.
    """

    name = "Σw·x+b"
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
        # one saved value, the tuple of all 2n + 1: not a copy of it per neuron
        ctx.save_for_backward(wxb)
        n = len(wxb) // 2
        return sum(map(mul, wxb[:n], wxb[n:-1]), wxb[-1])

    @staticmethod
    def partials(ctx, wxb):  # wxb: (w₁..wₙ, x₁..xₙ, b)
        n = len(wxb) // 2
        return (*wxb[n:-1], *wxb[:n], 1.0)
