"""`Tensor`: a NumPy array that records operations for autograd, on the shared core."""

from __future__ import annotations

import numbers

import numpy as np

from .autograd import Context, Node, failure
from .autograd.graph import next_sequence_number, note_in_place_change
from .autograd.mode import modes
from .operators import Operators
from .primitives import elementwise as ew
from .primitives import linalg, ops, shape
from .tensor_methods import Conversions, ElementwiseMethods, Reductions, ShapeMethods


def _as_array(data, dtype) -> np.ndarray:
    """A fresh ndarray owned by the tensor (so outside code cannot change it behind our back)."""
    if isinstance(data, Node):
        raise TypeError("Tensor(...) takes array data; use .detach() to copy a Tensor")
    try:
        return np.array(data, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"Tensor: cannot make an array of {type(data).__name__}: {err}") from None


def _check_differentiable_dtype(array: np.ndarray) -> None:
    if not np.issubdtype(array.dtype, np.floating):
        raise TypeError(
            f"requires_grad=True needs a floating-point Tensor, got dtype {array.dtype}. "
            "Integer and boolean tensors are constants; pass floats (1.0) or dtype=np.float32."
        )


class Tensor(Operators, ElementwiseMethods, Conversions, Reductions, ShapeMethods, Node):
    """An n-dimensional array with a gradient.

    `.data` is the ndarray, `.grad` an ndarray of the same shape and dtype (or None).
    Operations broadcast like NumPy; float32 stays float32 through forward and backward.

    >>> W = Tensor([[3.0]], requires_grad=True); x = Tensor([2.0])
    >>> L = ((W @ x) ** 2).sum(); L.backward(); W.grad
    array([[24.]])
    """

    # `__dict__`: a learner may attach attributes of their own, as to a PyTorch tensor (the
    # method mixins declare no slots, so this is the one place that says so)
    __slots__ = ("_data", "_version", "label", "_tangent", "__dict__")

    # Make NumPy defer to Tensor's operators in `ndarray + Tensor`.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False, dtype=None, label: str = ""):
        array = _as_array(data, dtype)
        if requires_grad:
            _check_differentiable_dtype(array)
        self._data = array
        self._version = 0
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._ctx = None
        self._tangent = None
        self._pending = None
        self._seq = next_sequence_number()

    # ---- data, with an in-place version counter ---------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """The underlying ndarray.

        `t.data += 1`, `t.data = new` and `t[i] = v` count as in-place changes (a version
        counter) and are caught at backward if the graph saved `t`; writing through the
        array itself (`t.data[i] = v`, `t.numpy()[i] = v`) bypasses the counter.
        """
        return self._data

    @data.setter
    def data(self, value) -> None:
        # Also runs after `t.data -= x` (Python assigns the result back), which bumps the version.
        self._data = np.asarray(value)
        self._version += 1
        note_in_place_change()

    def __setitem__(self, index, value) -> None:
        if self._ctx is not None:
            raise RuntimeError(
                "setitem: cannot assign into a tensor computed by an operation (it is part of a "
                "graph); build a new tensor instead, e.g. with mg.where or mg.concatenate"
            )
        self._data[index] = value.data if isinstance(value, Node) else value
        self._version += 1
        note_in_place_change()

    # ---- front-end hooks used by the core -----------------------------------------------------
    @classmethod
    def _from_op(cls, data, ctx, requires_grad):
        node = object.__new__(cls)
        node._data = data if isinstance(data, np.ndarray) else np.asarray(data)  # HalfArray too
        node._version = 0
        node.grad = None
        node.requires_grad = requires_grad
        node.label = ""
        node._ctx = ctx
        node._tangent = None
        node._pending = None
        node._seq = next_sequence_number()
        return node

    @classmethod
    def _constant(cls, value, op_name: str):
        node = object.__new__(cls)
        if isinstance(value, (bool, int, float)):
            # Python numbers stay Python numbers so that float32 * 2.0 stays float32 (NEP 50).
            node._data = value
        else:
            try:
                node._data = np.asarray(value)
            except Exception:  # noqa: BLE001 - any failure means "not array-like"
                node._data = None
            if node._data is None or node._data.dtype == object:
                raise TypeError(
                    f"{op_name}: cannot combine a Tensor with {type(value).__name__} {value!r}"
                )
        node._version = 0
        node.grad = None
        node.requires_grad = False
        node.label = ""
        node._ctx = None
        node._tangent = None
        node._pending = None
        node._seq = next_sequence_number()
        return node

    def _seed_grad(self):
        if self.size != 1:
            raise RuntimeError(
                f"backward: the output has shape {self.shape}, not a single number. "
                "Reduce it first (e.g. loss = y.sum() or y.mean()) or pass backward(grad) "
                "with an array of the same shape"
            )
        return np.ones_like(self._data)

    def _check_grad_output(self, grad):
        grad = grad.data if isinstance(grad, Node) else grad
        if not isinstance(grad, np.ndarray):  # a HalfArray stays one (fast float16 arithmetic)
            grad = np.asarray(grad)
        if grad.shape != self.shape:
            try:
                grad = np.broadcast_to(grad, self.shape)
            except ValueError:
                raise ValueError(
                    f"backward: grad of shape {grad.shape} does not match output shape {self.shape}"
                ) from None
        return grad.astype(self.dtype, copy=False) if self.dtype != grad.dtype else grad

    def _zero_like_data(self):
        return np.zeros_like(self._data)

    def _fit_grad(self, grad):
        """Sum a gradient over broadcast axes (the one place that happens) and match dtype."""
        if isinstance(grad, Node):
            return grad if grad.shape == self.shape else ops.sum_to_shape(grad, self.shape)
        if not isinstance(grad, np.ndarray):
            grad = np.asarray(grad)
        if grad.shape != self._data.shape:
            grad = ops.sum_to_shape(grad, self._data.shape)
        if grad.dtype != self._data.dtype:
            grad = grad.astype(self._data.dtype)
        elif not grad.flags.writeable:
            grad = grad.copy()  # e.g. a broadcast view from sum's backward
        return grad

    # ---- NumPy-like attributes ----------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        data = self._data
        return data.shape if type(data) is np.ndarray else np.shape(data)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def dtype(self):
        data = self._data
        return data.dtype if type(data) is np.ndarray else np.result_type(data)

    @property
    def size(self) -> int:
        data = self._data
        return data.size if type(data) is np.ndarray else int(np.prod(self.shape))

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of a 0-d Tensor")
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self._data, dtype=dtype)

    def numpy(self) -> np.ndarray:
        """The data as an ndarray (shared, not copied)."""
        return self._data

    def item(self) -> float:
        """The single element as a Python number."""
        if self.size != 1:
            raise ValueError(f"item: tensor has {self.size} elements, not 1 (shape {self.shape})")
        return self._data.item() if isinstance(self._data, np.ndarray) else self._data

    def __float__(self) -> float:
        return float(self.item())

    def retain_grad(self) -> None:
        """Kept for PyTorch compatibility: every node keeps its `.grad` after backward here."""

    def zero_(self):
        """Set the data to zeros in place."""
        self._data[...] = 0
        self._version += 1
        note_in_place_change()
        return self

    def numel(self) -> int:
        """the number of elements (PyTorch's name for .size)"""
        return self.size

    nelement = numel

    def copy(self):
        """A new leaf Tensor with a copy of the data (requires_grad as this one)."""
        return Tensor(self._data.copy(), requires_grad=self.requires_grad)

    def __repr__(self) -> str:
        flags = ", requires_grad=True" if self.requires_grad else ""
        label = f", label={self.label!r}" if self.label else ""
        if self.size <= 8:
            body = np.array2string(np.asarray(self._data), precision=4, separator=", ")
            return f"Tensor({body}, dtype={self.dtype}{flags}{label})"
        return f"Tensor(shape={self.shape}, dtype={self.dtype}{flags}{label})"

    # ---- arithmetic (NumPy broadcasting; the rest is in Operators) ---------------------------
    def __pow__(self, exponent):
        if isinstance(exponent, numbers.Real) and not isinstance(exponent, Node):
            return self._unary(ew.PowConst, {"exponent": exponent})
        return self._binary(ew.Pow, self, exponent)

    def __matmul__(self, other):
        return self._binary(linalg.MatMul, self, other)

    def __rmatmul__(self, other):
        return self._binary(linalg.MatMul, other, self)

    # Comparisons give constant boolean tensors (no gradient flows through a comparison).
    def __lt__(self, other):
        return Tensor(self._data < _raw(other))

    def __le__(self, other):
        return Tensor(self._data <= _raw(other))

    def __gt__(self, other):
        return Tensor(self._data > _raw(other))

    def __ge__(self, other):
        return Tensor(self._data >= _raw(other))

    def __getitem__(self, index):
        return shape.GetItem.apply(self, index=_raw_index(index))

    def __getattr__(self, name: str):
        # Only reached for missing attributes: explain PyTorch's (values, indices) pair.
        if name in ("values", "indices"):
            raise AttributeError(
                f"Tensor has no .{name}: x.max(1) with NumPy's axis returns the maxima; "
                f"write x.max(dim=1).{name} for PyTorch's (values, indices) pair"
            )
        raise AttributeError(f"'Tensor' object has no attribute {name!r}")

    # ---- the lean path: Tensor's own node constructors --------------------------------------
    # With no mode on (see autograd.mode), an operator records its node right here: one
    # Context, forward on the arrays, the output node. Any mode takes `Function.apply`.
    @staticmethod
    def _binary(fn, a, b) -> Tensor:
        """fn(a, b), broadcast like NumPy; a failure to broadcast is explained in shape terms."""
        a_node = a if type(a) is Tensor else _operand(a, fn)
        b_node = b if type(b) is Tensor else _operand(b, fn)
        if a_node is None or b_node is None or not modes.lean:
            return _explain_broadcast(fn, fn.apply, a, b)
        ctx = _new(Context)  # the fields Context.__init__ sets, without its call
        ctx.fn = fn
        ctx.inputs = (a_node, b_node)
        ctx.saved_tensors = ctx._saved = ctx._versions = ()
        x = a_node._data
        y = b_node._data
        try:
            out = fn.forward(ctx, x, y)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            explained = _explained(err, fn, x, y)
            failure.record_forward(explained or err, ctx)
            if explained is not None:
                raise explained from None
            raise
        requires_grad = a_node.requires_grad or b_node.requires_grad
        saved = ctx._saved
        if saved and requires_grad:
            if len(saved) == 2 and saved[0] is x and saved[1] is y:  # x * y, x / y save both
                version_a, version_b = a_node._version, b_node._version
                ctx._versions = (
                    ((0, version_a), (1, version_b)) if version_a or version_b else _TWO_AT_ZERO
                )
            else:
                ctx.note_saved_versions()
        node = Tensor._from_op(out, ctx if requires_grad else None, requires_grad)
        if saved and node._data is not out:
            ctx.keep_output(node._data, out)
        return node

    def _unary(self, fn, options: dict | None = None) -> Tensor:
        """fn(self); `options` are forward's keyword arguments."""
        if options or not modes.lean:
            return fn.apply(self, **options) if options else fn.apply(self)
        ctx = _new(Context)
        ctx.fn = fn
        ctx.inputs = (self,)
        ctx.saved_tensors = ctx._saved = ctx._versions = ()
        x = self._data
        try:
            out = fn.forward(ctx, x)
        except Exception as err:
            failure.record_forward(err, ctx)
            raise
        requires_grad = self.requires_grad
        saved = ctx._saved
        if saved and requires_grad:
            for value in saved:  # tanh, exp save their output; log, abs their input
                if value is x:
                    version = self._version
                    ctx._versions = ((0, version),) if version else _ONE_AT_ZERO
                    break
        node = Tensor._from_op(out, ctx if requires_grad else None, requires_grad)
        if saved and node._data is not out:
            ctx.keep_output(node._data, out)  # saved references to `out` point at the node's
        return node


_new = object.__new__
# the saved inputs' versions of most ops: shared, as tuples cost an allocation each
_ONE_AT_ZERO = ((0, 0),)
_TWO_AT_ZERO = ((0, 0), (1, 0))


def _operand(x, fn) -> Tensor | None:
    """x as a lean-path operand: a Python number as a constant node, a Tensor (a Parameter)
    itself; None for anything else, which `Function.apply` converts or explains."""
    if type(x) is float or type(x) is int:
        return Tensor._constant(x, fn.name)
    return x if isinstance(x, Tensor) else None


def _raw(x):
    return x.data if isinstance(x, Node) else x


def _raw_index(index):
    """An index with any Tensors in it replaced by their arrays."""
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


def _explained(err: Exception, fn, a, b) -> ValueError | None:
    """NumPy's broadcasting error said in terms of the op and the shapes (None for others)."""
    if not isinstance(err, ValueError) or "could not be broadcast" not in str(err):
        return None
    return ValueError(
        f"{fn.name}: shapes {np.shape(_raw(a))} and {np.shape(_raw(b))} cannot be broadcast "
        "together (aligned from the right, each pair of axes must be equal or one of them 1)"
    )


def _explain_broadcast(fn, apply, a, b):
    """apply(a, b), turning NumPy's broadcasting error into one that names the op and shapes."""
    try:
        return apply(a, b)
    except ValueError as err:
        explained = _explained(err, fn, a, b)
        if explained is None:
            raise
        failure.carry(err, explained)
        raise explained from None


Tensor._front = Tensor
