"""`Tensor`: a NumPy array that records operations for autograd, on the shared core."""

from __future__ import annotations

import numbers

import numpy as np

from .autograd import Context, Node, failure
from .autograd.mode import modes
from .operators import Operators
from .primitives import activations as act
from .primitives import elementwise as ew
from .primitives import linalg, ops, reduce, shape
from .primitives.cast import cast
from .primitives.clone import Clone
from .spelling import ValuesIndices, ddof_of, torch_names


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


class Tensor(Operators, Node):
    """An n-dimensional array with a gradient.

    `.data` is the ndarray, `.grad` an ndarray of the same shape and dtype (or None).
    Operations broadcast like NumPy; float32 stays float32 through forward and backward.

    >>> W = Tensor([[3.0]], requires_grad=True); x = Tensor([2.0])
    >>> L = ((W @ x) ** 2).sum(); L.backward(); W.grad
    array([[24.]])
    """

    __slots__ = ("_data", "_version")

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

    def __setitem__(self, index, value) -> None:
        if self._ctx is not None:
            raise RuntimeError(
                "setitem: cannot assign into a tensor computed by an operation (it is part of a "
                "graph); build a new tensor instead, e.g. with mg.where or mg.concatenate"
            )
        self._data[index] = value.data if isinstance(value, Node) else value
        self._version += 1

    # ---- front-end hooks used by the core -----------------------------------------------------
    @classmethod
    def _from_op(cls, data, ctx, requires_grad):
        node = object.__new__(cls)
        node._data = data if type(data) is np.ndarray else np.asarray(data)
        node._version = 0
        node.grad = None
        node.requires_grad = requires_grad
        node.label = ""
        node._ctx = ctx
        node._tangent = None
        node._pending = None
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
        grad = np.asarray(grad.data if isinstance(grad, Node) else grad)
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
        if type(grad) is not np.ndarray:
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
        return int(np.prod(self.shape))

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
        return self

    def numel(self) -> int:
        """the number of elements (PyTorch's name for .size)"""
        return self.size

    nelement = numel

    def clone(self):
        """a copy of the data that stays in the graph; x̄ = ȳ"""
        return Clone.apply(self)

    def float(self):
        """as float32 (PyTorch's float is 32 bits); the gradient is cast back"""
        return cast(self, np.float32)

    def double(self):
        """as float64; the gradient is cast back"""
        return cast(self, np.float64)

    def contiguous(self):
        """self: NumPy arrays need no contiguity for view/reshape here (see `view`)"""
        return self

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
        return linalg.MatMul.apply(self, other)

    def __rmatmul__(self, other):
        return linalg.MatMul.apply(other, self)

    # Comparisons give constant boolean tensors (no gradient flows through a comparison).
    def __lt__(self, other):
        return Tensor(self._data < _raw(other))

    def __le__(self, other):
        return Tensor(self._data <= _raw(other))

    def __gt__(self, other):
        return Tensor(self._data > _raw(other))

    def __ge__(self, other):
        return Tensor(self._data >= _raw(other))

    # ---- elementwise functions (exp, log, tanh, relu, ... are in Operators) ------------------
    def log10(self):
        """log(x) / ln 10; d/dx = 1 / (x ln 10)"""
        return self.log() / np.log(10.0)

    def log2(self):
        """log(x) / ln 2; d/dx = 1 / (x ln 2)"""
        return self.log() / np.log(2.0)

    def gelu(self):
        """½x(1 + tanh(√(2/π)(x + 0.044715x³))), the tanh approximation of gelu"""
        return act.GELU.apply(self)

    def elu(self, alpha: float = 1.0):
        """x if x > 0 else alpha * (e**x - 1)"""
        return act.ELU.apply(self, alpha=alpha)

    def softplus(self):
        """log(1 + e**x), without overflow"""
        return act.Softplus.apply(self)

    def maximum(self, other):
        """elementwise max(self, other) (ties split the gradient ½ / ½)"""
        return self._binary(ew.Maximum, self, other)

    def minimum(self, other):
        """elementwise min(self, other) (ties split the gradient ½ / ½)"""
        return self._binary(ew.Minimum, self, other)

    def clip(self, min=None, max=None):  # noqa: A002 - NumPy's argument names
        """values limited to [min, max]; gradient 1 inside (boundaries included), 0 outside"""
        return ew.Clip.apply(self, min=min, max=max)

    clamp = clip  # PyTorch's name

    # ---- reductions ---------------------------------------------------------------------------
    @torch_names(dim="axis", keepdim="keepdims")
    def sum(self, axis=None, keepdims: bool = False):
        """Σ over axis (PyTorch: dim=, keepdim=)"""
        return reduce.Sum.apply(self, axis=axis, keepdims=keepdims)

    @torch_names(dim="axis", keepdim="keepdims")
    def mean(self, axis=None, keepdims: bool = False):
        """Σ / n over axis (PyTorch: dim=, keepdim=)"""
        return reduce.Mean.apply(self, axis=axis, keepdims=keepdims)

    @torch_names(keepdim="keepdims")
    def max(self, axis=None, keepdims: bool = False, dim: int | None = None):
        """max over axis (gradient split evenly among ties); with dim=, PyTorch's (values, indices)"""
        if dim is not None:
            return self._with_indices("max", axis, dim, keepdims)
        return reduce.Max.apply(self, axis=axis, keepdims=keepdims)

    @torch_names(keepdim="keepdims")
    def min(self, axis=None, keepdims: bool = False, dim: int | None = None):
        """min over axis (gradient split evenly among ties); with dim=, PyTorch's (values, indices)"""
        if dim is not None:
            return self._with_indices("min", axis, dim, keepdims)
        return reduce.Min.apply(self, axis=axis, keepdims=keepdims)

    def _with_indices(self, op: str, axis, dim, keepdims: bool) -> ValuesIndices:
        """PyTorch's `x.max(dim=d)`: the differentiable values and their int64 positions."""
        if axis is not None:
            raise TypeError(
                f"{op}: got both dim= (PyTorch's name) and axis= (NumPy's name); pass only one"
            )
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{op}(dim=...) takes one axis (an int), got {dim!r}")
        values = getattr(self, op)(axis=dim, keepdims=keepdims)
        return ValuesIndices(values, getattr(self, "arg" + op)(axis=dim, keepdims=keepdims))

    @torch_names(dim="axis", keepdim="keepdims")
    def argmax(self, axis=None, keepdims: bool = False):
        """position of the max over axis (flattened when None), an int64 constant Tensor"""
        return Tensor(np.argmax(self._data, axis=axis, keepdims=keepdims))

    @torch_names(dim="axis", keepdim="keepdims")
    def argmin(self, axis=None, keepdims: bool = False):
        """position of the min over axis (flattened when None), an int64 constant Tensor"""
        return Tensor(np.argmin(self._data, axis=axis, keepdims=keepdims))

    @torch_names(dim="axis", keepdim="keepdims")
    def var(self, axis=None, keepdims: bool = False, ddof=None, unbiased=None, correction=None):
        """Σ (x - mean)² / (n - ddof) over axis; ddof=0 unless given (PyTorch: unbiased=, correction=)"""
        ddof = ddof_of("var", ddof, unbiased, correction)
        return reduce.Var.apply(self, axis=axis, keepdims=keepdims, ddof=ddof)

    @torch_names(dim="axis", keepdim="keepdims")
    def std(self, axis=None, keepdims: bool = False, ddof=None, unbiased=None, correction=None):
        """√var over axis, gradient 0 where all elements are equal (ddof / unbiased / correction as var)"""
        ddof = ddof_of("std", ddof, unbiased, correction)
        return reduce.Std.apply(self, axis=axis, keepdims=keepdims, ddof=ddof)

    # ---- shape --------------------------------------------------------------------------------
    def reshape(self, *new_shape):
        """the same elements in a new shape (-1 infers one axis)"""
        if len(new_shape) == 1 and isinstance(new_shape[0], (tuple, list)):
            new_shape = tuple(new_shape[0])
        return shape.Reshape.apply(self, shape=new_shape)

    def view(self, *new_shape):
        """reshape (-1 infers one axis).

        PyTorch's view never copies, so it refuses a non-contiguous tensor (e.g. after .T) and
        asks for reshape; here view is reshape, which copies only when it must.
        """
        return self.reshape(*new_shape)

    def transpose(self, *axes):
        """permute axes (reverse them when none are given); two ints swap those two axes.

        x.transpose((1, 0, 2)) is NumPy's permutation; x.transpose(0, 1) is PyTorch's
        transpose(dim0, dim1), the same as x.swapaxes(0, 1).
        """
        if len(axes) == 2 and all(isinstance(a, (int, np.integer)) for a in axes):
            return self.swapaxes(*axes)
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return shape.Transpose.apply(self, axes=axes or None)

    @property
    def T(self):
        """axes reversed"""
        return shape.Transpose.apply(self, axes=None)

    def broadcast_to(self, new_shape):
        """stretched to new_shape like NumPy broadcasting"""
        return shape.BroadcastTo.apply(self, shape=tuple(new_shape))

    def permute(self, *dims):
        """axes in the order dims (PyTorch's name for NumPy's transpose(axes))"""
        return self.transpose(*dims)

    def swapaxes(self, axis0: int, axis1: int):
        """two axes exchanged (PyTorch's transpose(dim0, dim1))"""
        return shape.SwapAxes.apply(self, axis1=axis0, axis2=axis1)

    @torch_names(dim="axis")
    def squeeze(self, axis=None):
        """size-1 axes removed (all of them, or the given ones)"""
        return shape.Squeeze.apply(self, axis=axis)

    @torch_names(dim="axis")
    def unsqueeze(self, axis: int):
        """a new size-1 axis at position axis (NumPy: expand_dims)"""
        return shape.Unsqueeze.apply(self, axis=axis)

    expand_dims = unsqueeze

    def flatten(self, start_dim: int = 0, end_dim: int = -1):
        """axes start_dim..end_dim merged into one (all of them by default: a 1-D tensor)"""
        dims = self.shape
        if not dims:
            return self.reshape(1)
        start, end = start_dim % len(dims), end_dim % len(dims)
        merged = int(np.prod(dims[start : end + 1]))
        return self.reshape(dims[:start] + (merged,) + dims[end + 1 :])

    def split(self, indices_or_sections, axis: int = 0) -> list:
        """pieces along axis, as numpy.split: an int n gives n equal parts, a list gives cut points.

        Each piece is a slice `x[..., a:b]` of the graph, so its gradient lands in the right place.
        """
        if self.ndim == 0:
            raise ValueError("split: cannot split a 0-d tensor")
        if not -self.ndim <= axis < self.ndim:
            raise ValueError(f"split: axis {axis} is out of range for shape {self.shape}")
        axis %= self.ndim
        length = self.shape[axis]
        if isinstance(indices_or_sections, (int, np.integer)):
            sections = int(indices_or_sections)
            if sections <= 0 or length % sections:
                raise ValueError(
                    f"split: axis {axis} of shape {self.shape} (length {length}) cannot be split "
                    f"into {sections} equal parts; pass cut positions instead, e.g. [2, 5]"
                )
            step = length // sections
            cuts = [step * i for i in range(1, sections)]
        else:
            cuts = [int(i) for i in indices_or_sections]
        bounds = [0, *cuts, length]
        lead = (slice(None),) * axis
        return [self[lead + (slice(start, stop),)] for start, stop in zip(bounds[:-1], bounds[1:])]

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
    @staticmethod
    def _binary(fn, a, b) -> Tensor:
        """fn(a, b), broadcast like NumPy; a failure to broadcast is explained in shape terms."""
        if type(a) is not Tensor:
            a = _operand(a, fn)
        if type(b) is not Tensor:
            b = _operand(b, fn)
        if type(a) is not Tensor or type(b) is not Tensor or not modes.lean:
            return _explain_broadcast(fn, fn.apply, a, b)
        ctx = Context(fn, (a, b))
        out = _explain_broadcast(fn, fn.forward, ctx, a._data, b._data)
        return _output(ctx, out, a.requires_grad or b.requires_grad)

    def _unary(self, fn, options: dict | None = None) -> Tensor:
        """fn(self); `options` are forward's keyword arguments."""
        if options or type(self) is not Tensor or not modes.lean:
            return fn.apply(self, **options) if options else fn.apply(self)
        ctx = Context(fn, (self,))
        try:
            out = fn.forward(ctx, self._data)
        except Exception as err:  # free until raised: the error carries its graph (mg.draw(err))
            failure.record_forward(err, ctx)
            raise
        return _output(ctx, out, self.requires_grad)


def _output(ctx: Context, out, requires_grad: bool) -> Tensor:
    """The output node of a lean-path op (its context kept only when a gradient can flow)."""
    node = Tensor._from_op(out, ctx if requires_grad else None, requires_grad)
    if node._data is not out and ctx._saved:
        ctx.keep_output(node._data, out)
    return node


def _operand(x, fn):
    """A plain Python number as a constant node (anything else is left to `Function.apply`)."""
    if type(x) is float or type(x) is int:
        return Tensor._constant(x, fn.name)
    return x


def _raw(x):
    return x.data if isinstance(x, Node) else x


def _raw_index(index):
    """An index with any Tensors in it replaced by their arrays."""
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


def _explain_broadcast(fn, call, *args):
    """call(*args), turning NumPy's broadcasting error into one that names the op and shapes."""
    try:
        return call(*args)
    except ValueError as err:
        if "could not be broadcast" not in str(err):
            raise
        a, b = args[-2:]
        explained = ValueError(
            f"{fn.name}: shapes {np.shape(_raw(a))} and {np.shape(_raw(b))} cannot be broadcast "
            "together (aligned from the right, each pair of axes must be equal or one of them 1)"
        )
        if isinstance(args[0], Context):  # the lean path called forward itself: record it here
            failure.record_forward(explained, args[0])
        else:
            failure.carry(err, explained)
        raise explained from None


Tensor._front = Tensor
