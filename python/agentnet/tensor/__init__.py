"""``agentnet.tensor``: Theano-like symbolic tensors, imported as ``T``.

Every op works on symbolic expressions (building graph nodes) and on numpy arrays (evaluating at once and
returning numpy): ``T.exp(np.float32([0, 1]))`` is an array. Names and broadcasting follow numpy and Theano.
"""
import ctypes

import numpy as np

from .. import _core
from .._checks import INT32_MAX, as_axis, as_dims, as_int
from .._core import Variable, check, constant, input_var, lib, node
from .._function import function as _function

__all__ = [
    "scalar", "vector", "matrix", "tensor3", "tensor4", "iscalar", "ivector", "imatrix", "itensor3", "itensor4",
    "bscalar", "bvector", "bmatrix", "grad", "dot", "batched_dot", "maximum", "minimum", "pow", "neg", "abs_", "abs",
    "sign", "exp", "log", "log1p", "sqrt", "square", "tanh", "sigmoid", "softplus", "relu", "elu", "clip", "switch",
    "where", "eq", "neq", "lt", "le", "gt", "ge", "and_", "or_", "xor", "invert", "sum", "mean", "max", "min", "prod",
    "argmax", "argmin", "var", "std", "reshape", "flatten", "dimshuffle", "transpose", "concatenate", "stack",
    "repeat", "tile", "take", "one_hot", "cumsum", "arange", "zeros_like", "ones_like", "zeros", "ones", "fill",
    "alloc", "cast", "shape", "softmax", "log_softmax", "logsumexp", "stop_gradient", "consider_constant",
    "disconnected_grad", "grad_clip", "floor", "ceil", "round", "sin", "cos", "mod", "floordiv",
]


# MARK: inputs

def _make_input(ndim, dtype):
    def make(name=None, dtype=dtype, shape=None):
        return input_var(name, dtype, ndim, shape)
    return make


scalar, vector, matrix, tensor3, tensor4 = (_make_input(n, "float32") for n in range(5))
iscalar, ivector, imatrix, itensor3, itensor4 = (_make_input(n, "int32") for n in range(5))
bscalar, bvector, bmatrix = (_make_input(n, "bool") for n in range(3))
fscalar, fvector, fmatrix, ftensor3, ftensor4 = scalar, vector, matrix, tensor3, tensor4
lscalar, lvector, lmatrix = iscalar, ivector, imatrix
dscalar, dvector, dmatrix = scalar, vector, matrix


def tensor(dtype="float32", ndim=None, name=None, shape=None, broadcastable=None):
    """A symbolic input of any rank: ``T.tensor("float32", ndim=5)`` or with a static ``shape`` (None = unknown)."""
    if ndim is None:
        ndim = len(shape) if shape is not None else len(broadcastable or ())
    return input_var(name, dtype, ndim, shape)


# MARK: eager / symbolic dispatch

def _is_symbolic(x):
    return isinstance(x, Variable)


def _lift(x):
    return x if isinstance(x, Variable) else constant(x)


def _eval(var):
    return _function([], var, check_finite=False)()


def _apply(kind, *args, **attrs):
    """Builds ``kind(args)``; evaluates immediately when no argument is symbolic."""
    symbolic = any(_is_symbolic(a) for a in args)
    out = node(kind, [_lift(a) for a in args], **attrs)
    return out if symbolic else _eval(out)


def _axis(axis, name="axis"):
    return as_axis(axis, name)


# MARK: elementwise

def _binary(kind):
    def op(a, b):
        return _apply(kind, a, b)
    op.__name__ = kind
    op.__doc__ = f"Elementwise ``{kind}(a, b)`` with numpy broadcasting."
    return op


add, sub, mul, true_div, pow, maximum, minimum, mod, floordiv = (
    _binary(k) for k in ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "mod", "floordiv"))
eq, neq, lt, le, gt, ge = (_binary(k) for k in ("eq", "neq", "lt", "le", "gt", "ge"))
and_, or_, xor = (_binary(k) for k in ("and", "or", "xor"))
div = true_div


def _unary(kind):
    def op(x):
        return _apply(kind, x)
    op.__name__ = kind
    op.__doc__ = f"Elementwise ``{kind}(x)``."
    return op


(neg, abs, sign, exp, log, log1p, sqrt, square, tanh, sigmoid, softplus, relu, elu, invert, floor, ceil, round,
 sin, cos) = (_unary(k) for k in ("neg", "abs", "sign", "exp", "log", "log1p", "sqrt", "square", "tanh", "sigmoid",
                                   "softplus", "relu", "elu", "invert", "floor", "ceil", "round", "sin", "cos"))
abs_ = abs
not_ = invert


def where(condition, a, b):
    """``a`` where ``condition`` else ``b``, broadcast together (Theano's ``switch``)."""
    return _apply("where", condition, a, b)


switch = where


def clip(x, lower, upper):
    """Limits values to ``[lower, upper]``; the gradient flows where ``lower <= x <= upper``."""
    return _apply("clip", x, lower, upper)


def cast(x, dtype):
    """Converts to ``dtype`` (float32, int32 or bool; float64/int64 are narrowed to 32 bits)."""
    return _apply("cast", x, dtype=str(np.dtype(dtype)) if dtype != "floatX" else "float32")


# MARK: reductions

def _reduce(kind):
    def op(x, axis=None, keepdims=False):
        return _apply(kind, x, axis=_axis(axis), keepdims=bool(keepdims))
    op.__name__ = kind
    op.__doc__ = (f"``{kind}`` over ``axis`` (an int, a tuple of ints, or None for all axes), keeping reduced axes "
                  "as length 1 when ``keepdims``.")
    return op


sum, mean, max, min, prod, var, std = (_reduce(k) for k in ("sum", "mean", "max", "min", "prod", "var", "std"))


def argmax(x, axis=None, keepdims=False):
    """Index of the largest value along ``axis`` (flattened when None), int32."""
    return _apply("argmax", x, axis=_axis(axis), keepdims=bool(keepdims))


def argmin(x, axis=None, keepdims=False):
    """Index of the smallest value along ``axis`` (flattened when None), int32."""
    return _apply("argmin", x, axis=_axis(axis), keepdims=bool(keepdims))


# MARK: products, softmax

def dot(a, b):
    """Matrix product: ``[..., K] x [K, N] -> [..., N]``; vectors as in numpy."""
    return _apply("dot", a, b)


matmul = dot


def batched_dot(a, b):
    """``[B, M, K] x [B, K, N] -> [B, M, N]``."""
    return _apply("batched_dot", a, b)


def softmax(x, axis=-1):
    return _apply("softmax", x, axis=as_int(axis, "axis", -INT32_MAX, INT32_MAX))


def log_softmax(x, axis=-1):
    return _apply("log_softmax", x, axis=as_int(axis, "axis", -INT32_MAX, INT32_MAX))


def logsumexp(x, axis=None, keepdims=False):
    return _apply("logsumexp", x, axis=_axis(axis), keepdims=bool(keepdims))


# MARK: shapes

def _shape_arg(shape):
    """A target shape as a Variable or a list of ints; tuples may mix ints and symbolic scalars."""
    if isinstance(shape, Variable):
        return shape
    if isinstance(shape, (list, tuple)) and any(isinstance(d, Variable) for d in shape):
        as_dims([-1 if isinstance(d, Variable) else d for d in shape], "shape", allow_unknown=True)
        return stack([cast(d, "int32") if isinstance(d, Variable) else int(d) for d in shape])
    return as_dims(shape, "shape", allow_unknown=True)


def reshape(x, newshape, ndim=None):
    """Reshapes ``x``; ``newshape`` may contain one -1 and symbolic dimensions (``(x.shape[0], -1)``)."""
    s = _shape_arg(newshape)
    if isinstance(s, Variable):
        return _apply("reshape", x, s)
    return _apply("reshape", x, shape=s)


def flatten(x, ndim=1, outdim=None):
    """Keeps the first ``ndim - 1`` axes and merges the rest (Theano's ``flatten``)."""
    return _apply("flatten", x, ndim=as_int(outdim if outdim is not None else ndim, "ndim", 1, 8))


def dimshuffle(x, *pattern):
    """Permutes axes and inserts broadcastable ones: ``dimshuffle(x, 0, 'x', 1)``."""
    if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
        pattern = pattern[0]
    if len(pattern) > 8:
        raise ValueError(f"dimshuffle: pattern {tuple(pattern)} has {len(pattern)} entries; AgentNet supports at most 8 dimensions")
    return _apply("dimshuffle", x, pattern=[p if isinstance(p, str) and p == "x" else as_int(p, "dimshuffle pattern entry", 0, 7)
                                            for p in pattern])


def transpose(x, axes=None):
    return _apply("transpose", x, axes=_axis(axes))


def shape(x):
    """The shape of ``x`` as an int32 vector (symbolic for expressions)."""
    return _apply("shape", x)


def concatenate(tensors, axis=0):
    tensors = list(tensors)
    symbolic = any(_is_symbolic(t) for t in tensors)
    out = node("concatenate", [_lift(t) for t in tensors], axis=as_int(axis, "axis", -INT32_MAX, INT32_MAX))
    return out if symbolic else _eval(out)


def stack(tensors, axis=0):
    tensors = list(tensors)
    symbolic = any(_is_symbolic(t) for t in tensors)
    out = node("stack", [_lift(t) for t in tensors], axis=as_int(axis, "axis", -INT32_MAX, INT32_MAX))
    return out if symbolic else _eval(out)


def repeat(x, repeats, axis=None):
    """numpy's ``repeat`` with a scalar count (flattens first when ``axis`` is None)."""
    repeats = as_int(repeats, "repeats", 0, INT32_MAX)
    if axis is None:
        x, axis = flatten(x), 0
    return _apply("repeat", x, repeats=repeats, axis=as_int(axis, "axis", -INT32_MAX, INT32_MAX))


def tile(x, reps):
    reps = as_dims(reps, "reps")
    return _apply("tile", x, reps=reps)


def take(x, indices, axis=None, negative_indices=True):
    """Elements of ``x`` at integer ``indices`` along ``axis`` (flattened when None).

    Negative indices count from the end, as in numpy; with ``negative_indices=False`` they raise IndexError when
    the function runs (embedding lookups, where -1 is a bug rather than the last row).
    """
    if axis is None:
        x, axis = flatten(x), 0
    x = _lift(x) if _is_symbolic(indices) else x
    ndim = x.ndim if isinstance(x, Variable) else np.ndim(x)
    axis = as_int(axis, "axis", -INT32_MAX, INT32_MAX)
    if not -ndim <= axis < (ndim if ndim > 0 else 1):
        raise np.exceptions.AxisError(axis, ndim)
    axis = axis + (ndim if axis < 0 else 0)
    attrs = {} if negative_indices else {"negative_indices": False}
    return _apply("advanced_index", x, indices, is_array=[False] * axis + [True], **attrs)


def one_hot(indices, depth, dtype="float32"):
    """``[..., depth]`` one-hot encoding of integer ``indices`` (Lasagne's ``to_one_hot``)."""
    out = _apply("one_hot", indices, depth=as_int(depth, "depth", 0, INT32_MAX))
    return out if np.dtype(dtype) == np.float32 else cast(out, dtype)


to_one_hot = one_hot


def cumsum(x, axis=None):
    return _apply("cumsum", x, axis=_axis(axis))


def arange(start, stop=None, step=1, dtype=None):
    """numpy's ``arange``; bounds may be symbolic scalars known from shapes (``T.arange(x.shape[0])``)."""
    if stop is None:
        start, stop = 0, start
    kw = {} if dtype is None else {"dtype": str(np.dtype(dtype))}
    return _apply("arange", start, stop, step, **kw)


def alloc(value, *shape):
    """A tensor of ``shape`` filled with ``value``."""
    if len(shape) == 1 and isinstance(shape[0], (list, tuple, Variable)):
        shape = shape[0]
    s = _shape_arg(shape)
    return _apply("alloc", value, s if isinstance(s, Variable) else np.array(s, dtype=np.int32).reshape(-1))


def zeros(shape, dtype="float32"):
    return alloc(np.zeros((), dtype=_core.DTYPES[_core.dtype_code(dtype)]), shape)


def ones(shape, dtype="float32"):
    return alloc(np.ones((), dtype=_core.DTYPES[_core.dtype_code(dtype)]), shape)


def zeros_like(x, dtype=None):
    out = _apply("zeros_like", x)
    return out if dtype is None else cast(out, dtype)


def ones_like(x, dtype=None):
    out = _apply("ones_like", x)
    return out if dtype is None else cast(out, dtype)


def fill(model, value):
    """A tensor shaped like ``model`` filled with ``value``."""
    return alloc(value, shape(model))


def broadcast_to(x, shape_):
    s = _shape_arg(shape_)
    return _apply("broadcast_to", x, s if isinstance(s, Variable) else np.array(s, dtype=np.int32).reshape(-1))


# MARK: gradients

def stop_gradient(x):
    """The identity, with zero gradient (Theano's ``consider_constant``, the seed's ``disconnected_grad``)."""
    return _apply("stop_gradient", x)


consider_constant = disconnected_grad = stop_gradient


def grad_clip(x, lower, upper):
    """The identity, whose gradient is clipped to ``[lower, upper]``."""
    return _apply("grad_clip", x, lower=float(lower), upper=float(upper))


def grad(cost, wrt, consider_constant=(), disconnected_inputs="raise"):
    """Gradient of a scalar ``cost`` with respect to ``wrt`` (a variable or a list), by reverse mode.

    ``consider_constant`` lists expressions treated as constants; ``disconnected_inputs='ignore'`` gives zeros for
    variables the cost does not depend on instead of an error.
    """
    if not isinstance(cost, Variable):
        raise TypeError("grad: cost must be a symbolic expression")
    single = not isinstance(wrt, (list, tuple))
    wrt_list = [wrt] if single else list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"grad: cannot differentiate with respect to {w!r}: not a symbolic variable")
    if disconnected_inputs not in ("raise", "ignore", "warn"):
        raise ValueError("disconnected_inputs must be 'raise', 'warn' or 'ignore'")
    consider = list(consider_constant)
    out = (ctypes.c_int64 * max(len(wrt_list), 1))()
    check(lib.agn_grad(cost.handle, _core.handles(wrt_list), len(wrt_list), _core.handles(consider), len(consider),
                       int(disconnected_inputs != "raise"), out))
    grads = [Variable(out[i]) for i in range(len(wrt_list))]
    return grads[0] if single else grads


# MARK: Variable methods and operators (numpy-style indexing and operators live in _methods.py)

from . import _methods  # noqa: E402

_methods.install()

from . import random  # noqa: E402  (RandomStreams)
