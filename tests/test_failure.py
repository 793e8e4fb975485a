"""Errors that carry their graph: the record on the exception, `mg.draw(err)`, the kernel hook."""

from __future__ import annotations

import re

import numpy as np
import pytest

import micrograd_nb as mg
from micrograd_nb.autograd.failure import failure_of
from micrograd_nb.viz.dot import FAILED_FILL


class WrongShapeBackward(mg.Function):
    """y = 2x whose backward returns only the first element of the gradient (a learner's bug)."""

    @staticmethod
    def forward(ctx, x):
        return x * 2

    @staticmethod
    def backward(ctx, grad):
        return grad[:1] * 2


def _red_node_label(source: str) -> str:
    """The label of the node drawn with the failure fill."""
    for line in source.splitlines():
        if FAILED_FILL in line:
            label = re.search(r'label="((?:[^"\\]|\\.)*)"', line).group(1)
            return label.replace("\\n", " ")  # DOT line breaks as spaces
    raise AssertionError("no red node in the drawing")


def test_forward_error_keeps_its_type_and_message_and_carries_the_inputs():
    x = mg.Tensor(np.ones((3, 4)), requires_grad=True, label="x")
    h = (x * 2).tanh()
    w = mg.Tensor(np.ones((5, 2)), label="w")
    with pytest.raises(ValueError, match="inner dimensions 4 and 5 differ") as info:
        h @ w
    record = failure_of(info.value)
    assert record.phase == "forward"
    assert record.op == "@"
    assert record.inputs[0] is h and record.inputs[1] is w
    assert record.message == str(info.value)
    assert record.describe_inputs() == ["input 0: (3, 4) float64", "input 1: (5, 2) float64"]


def test_draw_of_a_forward_error_shows_the_graph_behind_the_inputs_and_a_red_node():
    x = mg.Tensor(np.ones((3, 4)), requires_grad=True, label="x")
    h = (x * 2).tanh()
    try:
        h @ mg.Tensor(np.ones((5, 2)), label="w")
    except ValueError as err:
        source = mg.draw(err).source
    assert "x|" in source and "w|" in source  # the inputs' ancestors are drawn
    assert "tanh" in source and "*" in source
    label = _red_node_label(source)
    assert label.startswith("@ failed")
    assert "input 0: (3, 4) float64 input 1: (5, 2) float64" in label
    assert "inner dimensions 4 and 5 differ" in label
    # both inputs feed the red node
    assert len(re.findall(r"-> failed", source)) == 2


def test_value_errors_carry_the_scalar_graph():
    a = mg.Value(2.0, label="a")
    b = mg.Value(3.0, label="b")
    with pytest.raises(ValueError, match="log") as info:
        (a - b).log()
    record = failure_of(info.value)
    assert record.op == "log"
    assert record.describe_inputs() == ["input 0: Value -1"]
    source = mg.draw(info.value).source
    assert "a|" in source and "b|" in source
    assert "log failed" in _red_node_label(source)


def test_backward_error_marks_the_rule_that_failed_and_the_adjoints_computed_so_far():
    a = mg.Tensor(np.ones(3), requires_grad=True, label="a")
    t = a.tanh()
    y = WrongShapeBackward.apply(t)
    L = (y * 3).sum()
    with pytest.raises(ValueError, match=r"returned a gradient of shape \(1,\)") as info:
        L.backward()
    record = failure_of(info.value)
    assert record.phase == "backward"
    assert record.op == "wrongshapebackward"
    assert record.output is y and record.root is L
    np.testing.assert_array_equal(record.grad_output, [3.0, 3.0, 3.0])
    assert id(t) not in record.grads  # backward stopped before reaching tanh
    assert a.grad is None  # and nothing was accumulated
    source = mg.draw(info.value).source
    label = _red_node_label(source)
    assert label.startswith("wrongshapebackward: backward rule failed")
    assert "incoming grad (3,) float64" in label
    assert "grad [3, 3, 3]" in source  # the adjoint of y, found before the failure
    assert "backward stopped at wrongshapebackward" in source


def test_an_error_raised_inside_a_backward_rule_is_recorded_too():
    class Raises(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return x + 1

        @staticmethod
        def backward(ctx, grad):
            raise ZeroDivisionError("my rule divides by zero")

    v = mg.Value(1.0)
    with pytest.raises(ZeroDivisionError) as info:
        (Raises.apply(v) * 2).backward()
    record = failure_of(info.value)
    assert (record.phase, record.op, record.error_type) == (
        "backward",
        "raises",
        "ZeroDivisionError",
    )


def test_a_failure_inside_a_differentiable_backward_names_the_rule():
    x = mg.Tensor(np.ones(3), requires_grad=True)
    L = (WrongShapeBackward.apply(x) ** 2).sum()
    with pytest.raises(ValueError) as info:
        mg.grad(L, x, create_graph=True)
    record = failure_of(info.value)
    assert (record.phase, record.op) == ("backward", "wrongshapebackward")


def test_a_module_error_names_the_layer_and_its_parameters_and_is_drawn_inside_its_box():
    mg.manual_seed(0)
    model = mg.nn.MLP([4, 8, 3, 2])
    h = model.layers[0](mg.Tensor(np.ones((5, 4))))
    with pytest.raises(ValueError, match="expected 3") as info:
        model.layers[4](h)  # a skipped layer: 8 features reach a layer that expects 3
    record = failure_of(info.value)
    assert record.op == "Linear"
    assert record.inputs[0] is h
    assert record.input_names == ("input 0", "weight", "bias")
    source = mg.draw(info.value, module=model).source
    box = source.index('label="layers.4 (Linear)"')
    red = source.index("failed [")
    assert box < red < source.index("\n  }\n", box)  # the red node sits in layer 4's cluster
    assert "layers.0 (Linear)" in source  # and the layer that produced its input is drawn


def test_the_innermost_operation_wins_over_the_module_around_it():
    class Bad(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.weight = mg.nn.Parameter(np.ones((5, 2)))

        def forward(self, x):
            return x @ self.weight

    with pytest.raises(ValueError) as info:
        Bad()(mg.Tensor(np.ones((3, 4))))
    assert failure_of(info.value).op == "@"


def test_errors_from_outside_an_operation_carry_no_graph():
    assert failure_of(ValueError("plain")) is None
    with pytest.raises(TypeError, match="carries no graph"):
        mg.draw(ValueError("plain"))


def test_successful_operations_leave_nothing_behind():
    x = mg.Tensor(np.ones(3), requires_grad=True)
    (x * 2).sum().backward()
    np.testing.assert_array_equal(x.grad, [2.0, 2.0, 2.0])


def test_a_jupyter_kernel_shows_the_graph_under_the_traceback():
    jupyter_client = pytest.importorskip("jupyter_client")
    manager, client = jupyter_client.manager.start_new_kernel(kernel_name="python3")
    try:

        def run(code: str) -> list[dict]:
            msg_id = client.execute(code)
            messages = []
            while True:
                msg = client.get_iopub_msg(timeout=60)
                if msg["parent_header"].get("msg_id") != msg_id:
                    continue
                if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                    return messages
                messages.append(msg)

        run("import micrograd_nb as mg")
        messages = run("mg.Tensor([[1.0, 2.0]]) @ mg.Tensor([[1.0, 2.0]])")
        kinds = [m["msg_type"] for m in messages]
        assert "error" in kinds and "display_data" in kinds
        assert kinds.index("error") < kinds.index("display_data")  # traceback first
        error = messages[kinds.index("error")]["content"]
        assert error["ename"] == "ValueError" and "inner dimensions" in error["evalue"]
        picture = messages[kinds.index("display_data")]["content"]["data"]
        assert "@ failed" in picture.get("image/svg+xml", picture.get("text/plain", ""))

        plain = [m["msg_type"] for m in run("1 / 0")]
        assert "error" in plain and "display_data" not in plain

        run("mg.viz.install_error_display(False)")
        off = [m["msg_type"] for m in run("mg.Value(-1.0).log()")]
        assert "error" in off and "display_data" not in off
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.mark.parametrize("needs_grad", [True, False])
def test_a_broadcast_error_carries_the_graph_with_the_explained_message(needs_grad):
    a = mg.Tensor(np.ones((3, 4)), requires_grad=needs_grad, label="a")
    b = mg.Tensor(np.ones((5,)), label="b")
    h = a.tanh()
    with pytest.raises(ValueError, match=r"shapes \(3, 4\) and \(5,\) cannot be broadcast") as info:
        h + b
    record = failure_of(info.value)
    assert record.op == "+" and record.phase == "forward"
    assert record.inputs[0] is h and record.inputs[1] is b
    assert "cannot be broadcast" in record.message


def test_errors_inside_a_mode_carry_the_graph_too():
    a = mg.Value(-1.0, label="a")
    with mg.no_grad(), pytest.raises(ValueError) as info:
        a.log()
    assert failure_of(info.value).op == "log"


def test_any_error_of_a_tensor_operators_forward_carries_the_graph():
    t = mg.Tensor([1.0, 2.0], requires_grad=True, label="t")
    h = t * 2.0
    with pytest.raises(ValueError, match="base -2.0 must be > 0") as info:
        (-2.0) ** h
    record = failure_of(info.value)
    assert record.op == "**" and record.phase == "forward"
    assert record.inputs[1] is h
    strings = mg.Tensor(np.array(["a", "b"]))
    with pytest.raises(TypeError) as info:
        strings * h
    assert failure_of(info.value).inputs == (strings, h)
