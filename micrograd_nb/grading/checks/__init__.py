"""The exercises' checks, one module per exercise, registered by name."""

from __future__ import annotations

from ..core import Exercise
from . import (
    broadcasting,
    chain_rule,
    clip_grad_norm,
    dual_numbers,
    init,
    linear_backward,
    loss_scaling,
    manual_backprop,
    max_relu,
    mul_pow,
    numerical_gradient,
    rnn_backward,
    softmax_cross_entropy,
    tanh_sigmoid,
    topological_sort,
)

#: every exercise by name, in course order
EXERCISES: dict[str, Exercise] = {
    module.EXERCISE.name: module.EXERCISE
    for module in (
        mul_pow,
        tanh_sigmoid,
        chain_rule,
        topological_sort,
        numerical_gradient,
        dual_numbers,
        linear_backward,
        broadcasting,
        softmax_cross_entropy,
        max_relu,
        clip_grad_norm,
        init,
        loss_scaling,
        rnn_backward,
        manual_backprop,
    )
}
