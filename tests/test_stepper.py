"""BackwardStepper / ForwardStepper driven from Python: order, numbers and rules after each
click equal the engine's, and the learner's `.grad`s are left alone."""

from __future__ import annotations

import html
import math
import random
import re

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.nn.scalar import MLP
from micrograd_nb.viz.format import format_number
from micrograd_nb.widgets import BackwardStepper, ForwardStepper


def svg_text(svg: str) -> str:
    return html.unescape(" ".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg)))


def engine_adjoints(root, nodes):
    """dL/dnode from the engine's public `mg.grad` (which does not touch `.grad`)."""
    return mg.grad(root, list(nodes))


def test_order_is_the_engines_reverse_topological_order(worked_example):
    *_, L = worked_example
    stepper = BackwardStepper(L)
    assert stepper.order == mg.topological_order([L])[::-1]
    assert [stepper.name_of(n) for n in stepper.order][:3] == ["L", "z", "s"]
    # every node comes before all of its parents
    position = {id(n): i for i, n in enumerate(stepper.order)}
    for node in stepper.order:
        assert all(position[id(node)] < position[id(p)] for p in node.parents if p.requires_grad)


def test_each_click_fills_in_the_engines_adjoint(worked_example):
    x, y, w, s, z, L = worked_example
    stepper = BackwardStepper(L)
    expected = engine_adjoints(L, stepper.order)
    assert stepper.position == 0 and stepper.shown_adjoints == {}
    for k in range(1, len(stepper.order) + 1):
        stepper.step_button.click()
        assert stepper.position == k
        shown = stepper.shown_adjoints
        assert list(shown) == [stepper.name_of(n) for n in stepper.order[:k]]
        assert list(shown.values()) == list(expected[:k])
    # the curriculum's numbers
    assert stepper.shown_adjoints == {
        "L": 1.0,
        "z": 40.0,
        "s": 160.0,
        "x": 160.0,
        "y": 160.0,
        "w": 200.0,
    }
    assert stepper.step_button.disabled and not stepper.back_button.disabled


def test_rules_show_the_local_derivative_and_its_numbers(worked_example):
    *_, L = worked_example
    stepper = BackwardStepper(L)
    rules = {}
    while not stepper.step_button.disabled:
        stepper.step()
        rules[stepper.name_of(stepper.order[stepper.position - 1])] = stepper.current_rule
    assert rules["L"].startswith("∂L/∂L = 1")
    assert rules["z"] == "∂L/∂z = ∂L/∂L · 2·z = 1 · 40 = 40"
    assert rules["s"] == "∂L/∂s = ∂L/∂z · w = 40 · 4 = 160"
    assert rules["w"] == "∂L/∂w = ∂L/∂z · s = 40 · 5 = 200"
    assert rules["x"] == "∂L/∂x = ∂L/∂s · 1 = 160 · 1 = 160"
    stepper.go_to(3)
    assert "∂L/∂s = ∂L/∂z · w = 40 · 4 = 160" in html.unescape(stepper.rule.value)


def test_a_node_on_several_paths_shows_the_sum_of_contributions():
    a = mg.Value(0.5, label="a")
    sq = a * a
    sq.label = "q"
    t = a.tanh()
    t.label = "t"
    b = sq + t
    b.label = "b"
    stepper = BackwardStepper(b)
    stepper.go_to(len(stepper.order))
    rule = stepper.current_rule
    assert stepper.order[-1] is a
    # three contributions: a·(∂b/∂q) twice (a*a) and (1 - t²)·(∂b/∂t) once
    assert rule.count(" + ") == 2 * 2  # in the symbols and in the numbers
    assert rule.startswith("∂b/∂a = ∂b/∂") and "(1 - t²)" in rule
    expected = 2 * 0.5 + 1 - math.tanh(0.5) ** 2  # d/da (a² + tanh a)
    assert stepper.shown_adjoints["a"] == pytest.approx(expected, rel=1e-12)
    assert rule.endswith(f"= {format_number(expected)}")


def test_back_reset_and_play_move_the_position(worked_example):
    *_, L = worked_example
    stepper = BackwardStepper(L)
    assert stepper.back_button.disabled
    stepper.step_button.click()
    stepper.step_button.click()
    stepper.back_button.click()
    assert stepper.position == 1 and list(stepper.shown_adjoints) == ["L"]
    stepper.play.value = 4  # what a tick of the Play widget does in the browser
    # newest first: w was made after y and x, s after w
    assert list(stepper.shown_adjoints) == ["L", "z", "s", "w"]
    stepper.speed.value = 300
    assert stepper.play.interval == 300
    stepper.play.playing = True
    stepper.reset_button.click()
    assert stepper.position == 0 and stepper.shown_adjoints == {} and not stepper.play.playing
    stepper.go_to(99)
    assert stepper.position == len(stepper.order)


def test_picture_starts_blank_and_fills_in(worked_example):
    *_, L = worked_example
    stepper = BackwardStepper(L)
    blank = stepper.svg
    assert "<svg" in blank and "<?xml" not in blank
    assert svg_text(blank).count("grad ?") == 6 and "#d62728" not in blank
    stepper.step()
    one = svg_text(stepper.svg)
    assert one.count("grad ?") == 5 and "grad 1" in one and "#d62728" in stepper.svg  # highlight
    stepper.go_to(3)
    three = svg_text(stepper.svg)
    assert three.count("grad ?") == 3 and "grad 160" in three and "grad 40" in three
    assert "data 400" in three and "data 5" in three  # forward values are always shown


def test_learners_grads_are_not_touched(worked_example):
    x, y, w, s, z, L = worked_example
    stepper = BackwardStepper(L)
    stepper.go_to(len(stepper.order))
    assert [n.grad for n in (x, y, w, s, z, L)] == [0.0] * 6  # nothing ran backward() for them
    L.backward()
    before = [n.grad for n in (x, y, w, s, z, L)]
    stepper = BackwardStepper(L)
    stepper.go_to(len(stepper.order))
    ForwardStepper(L, wrt=x).go_to(6)
    assert [n.grad for n in (x, y, w, s, z, L)] == before == [160.0, 160.0, 200.0, 160.0, 40.0, 1.0]


def test_mlp_adjoints_equal_the_engines_backward():
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    xs = [mg.Value(v) for v in (1.0, -2.0, 0.5)]
    loss = (model(xs) - 1.0) ** 2
    stepper = BackwardStepper(loss, module=model)
    expected = engine_adjoints(loss, stepper.order)
    stepper.go_to(len(stepper.order))
    assert list(stepper.shown_adjoints.values()) == list(expected)
    assert all(p.grad == 0.0 for p in model.parameters())  # still untouched
    loss.backward()  # and the same numbers as the learner's own backward()
    shown = dict(zip([id(n) for n in stepper.order], stepper.plan.values))
    assert [shown[id(p)] for p in model.parameters()] == [p.grad for p in model.parameters()]
    assert "layers.0.neurons.0 (Neuron)" in svg_text(stepper.svg)


def test_tensor_graph_with_broadcasting():
    W = mg.Tensor(np.ones((2, 3)), requires_grad=True, label="W")
    b = mg.Tensor([1.0, 2.0, 3.0], requires_grad=True, label="b")
    out = ((W + b) * 2.0).sum()
    out.label = "out"
    stepper = BackwardStepper(out)
    expected = engine_adjoints(out, stepper.order)
    stepper.go_to(len(stepper.order))
    for value, want in zip(stepper.plan.values, expected):
        np.testing.assert_array_equal(value, want)
    np.testing.assert_array_equal(stepper.shown_adjoints["b"], [4.0, 4.0, 4.0])
    b_rule = stepper.plan.rules[[stepper.name_of(n) for n in stepper.order].index("b")]
    assert "sum_to_shape(+.backward(∂out/∂" in b_rule and b_rule.endswith("= [4, 4, 4]")


def test_forward_stepper_pushes_tangents_like_the_engine(worked_example):
    x, y, w, s, z, L = worked_example
    stepper = ForwardStepper(L, wrt=x)
    assert stepper.order == mg.topological_order([L])
    stepper.go_to(len(stepper.order))
    for node, tangent in zip(stepper.order, stepper.plan.values):
        (d,) = mg.grad(node, x, allow_unused=True) if node.requires_grad else (None,)
        assert tangent == (0.0 if d is None else d)  # d node / d x from reverse mode
    assert stepper.shown_tangents["L"] == 160.0  # ∂L/∂x
    _, jvp_out = mg.jvp(lambda a, b, c: ((a + b) * c) ** 2, (x, y, w), (1.0, 0.0, 0.0))
    assert stepper.shown_tangents["L"] == jvp_out
    rules = dict(zip([stepper.name_of(n) for n in stepper.order], stepper.plan.rules))
    assert rules["z"] == "∂z/∂x = w · ∂s/∂x + s · ∂w/∂x = 4 · 1 + 5 · 0 = 4"
    assert rules["x"].startswith("∂x/∂x = 1") and rules["w"].startswith("∂w/∂x = 0")
    assert "∂/∂x 4" in svg_text(stepper.svg)


def test_without_a_renderer_the_stepper_shows_dot_text(monkeypatch, worked_example):
    monkeypatch.setattr("micrograd_nb.viz.render.find_renderer", lambda: None)
    *_, L = worked_example
    stepper = BackwardStepper(L)
    stepper.step()
    assert "pip install graphviz-pure" in stepper.svg and "{L|data 400|grad 1}" in html.unescape(
        stepper.svg
    )
    assert stepper.shown_adjoints == {"L": 1.0}


def test_errors_explain_what_to_pass(worked_example):
    with pytest.raises(TypeError, match="Value or Tensor"):
        BackwardStepper(3.0)
    const = mg.Tensor([1.0]) * 2.0
    with pytest.raises(ValueError, match="does not require grad"):
        BackwardStepper(const)
    x, *_, L = worked_example
    with pytest.raises(ValueError, match="not an input of this graph"):
        ForwardStepper(L, wrt=mg.Value(1.0))
