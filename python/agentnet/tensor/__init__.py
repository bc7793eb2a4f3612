"""``agentnet.tensor``: Theano-like symbolic tensors, imported as ``T``.

Every op works on symbolic expressions (building graph nodes) and on numpy arrays (evaluating at once and
returning numpy): ``T.exp(np.float32([0, 1]))`` is an array. Names and broadcasting follow numpy and Theano.
"""
import ctypes
import numbers

import numpy as np

from .. import _core
from .._core import SharedVariable, Variable, check, constant, input_var, lib, node
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


def _axis(axis):
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return [int(a) for a in axis]
    return int(axis)


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
    return _apply("softmax", x, axis=int(axis))


def log_softmax(x, axis=-1):
    return _apply("log_softmax", x, axis=int(axis))


def logsumexp(x, axis=None, keepdims=False):
    return _apply("logsumexp", x, axis=_axis(axis), keepdims=bool(keepdims))


# MARK: shapes

def _shape_arg(shape):
    """A target shape as a Variable or a list of ints; tuples may mix ints and symbolic scalars."""
    if isinstance(shape, Variable):
        return shape
    if isinstance(shape, (int, np.integer)):
        return [int(shape)]
    shape = list(shape)
    if any(isinstance(d, Variable) for d in shape):
        return stack([cast(d, "int32") if isinstance(d, Variable) else int(d) for d in shape])
    dims = [int(d) for d in shape]
    if any(d >= 2**31 or d < -1 for d in dims):
        raise ValueError(f"shape {tuple(dims)} is too large or has negative dimensions")
    return dims


def reshape(x, newshape, ndim=None):
    """Reshapes ``x``; ``newshape`` may contain one -1 and symbolic dimensions (``(x.shape[0], -1)``)."""
    s = _shape_arg(newshape)
    if isinstance(s, Variable):
        return _apply("reshape", x, s)
    return _apply("reshape", x, shape=s)


def flatten(x, ndim=1, outdim=None):
    """Keeps the first ``ndim - 1`` axes and merges the rest (Theano's ``flatten``)."""
    return _apply("flatten", x, ndim=int(outdim if outdim is not None else ndim))


def dimshuffle(x, *pattern):
    """Permutes axes and inserts broadcastable ones: ``dimshuffle(x, 0, 'x', 1)``."""
    if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
        pattern = pattern[0]
    return _apply("dimshuffle", x, pattern=[p if p == "x" else int(p) for p in pattern])


def transpose(x, axes=None):
    return _apply("transpose", x, axes=_axis(axes))


def shape(x):
    """The shape of ``x`` as an int32 vector (symbolic for expressions)."""
    return _apply("shape", x)


def concatenate(tensors, axis=0):
    tensors = list(tensors)
    symbolic = any(_is_symbolic(t) for t in tensors)
    out = node("concatenate", [_lift(t) for t in tensors], axis=int(axis))
    return out if symbolic else _eval(out)


def stack(tensors, axis=0):
    tensors = list(tensors)
    symbolic = any(_is_symbolic(t) for t in tensors)
    out = node("stack", [_lift(t) for t in tensors], axis=int(axis))
    return out if symbolic else _eval(out)


def repeat(x, repeats, axis=None):
    """numpy's ``repeat`` with a scalar count (flattens first when ``axis`` is None)."""
    if axis is None:
        x, axis = flatten(x), 0
    return _apply("repeat", x, repeats=int(repeats), axis=int(axis))


def tile(x, reps):
    reps = [int(reps)] if isinstance(reps, (int, np.integer)) else [int(r) for r in reps]
    return _apply("tile", x, reps=reps)


def take(x, indices, axis=None):
    """Elements of ``x`` at integer ``indices`` along ``axis`` (flattened when None)."""
    if axis is None:
        x, axis = flatten(x), 0
    x = _lift(x) if _is_symbolic(indices) else x
    ndim = x.ndim if isinstance(x, Variable) else np.ndim(x)
    axis = int(axis) + (ndim if int(axis) < 0 else 0)
    return _apply("advanced_index", x, indices, is_array=[False] * axis + [True])


def one_hot(indices, depth, dtype="float32"):
    """``[..., depth]`` one-hot encoding of integer ``indices`` (Lasagne's ``to_one_hot``)."""
    out = _apply("one_hot", indices, depth=int(depth))
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


# MARK: Variable methods and operators

def _getitem(x, key):
    if not isinstance(key, tuple):
        key = (key,)
    if any(k is Ellipsis for k in key):
        i = [j for j, k in enumerate(key) if k is Ellipsis]
        if len(i) > 1:
            raise IndexError("an index can only have a single ellipsis")
        used = len([k for k in key if k is not None and k is not Ellipsis])
        key = key[:i[0]] + (slice(None),) * (x.ndim - used) + key[i[0] + 1:]
    items, arrays, newaxes, out_axis = [], [], [], 0
    for k in key:
        if k is None:
            newaxes.append(out_axis)
            out_axis += 1
        elif isinstance(k, slice):
            for part in (k.start, k.stop, k.step):
                if part is not None and not isinstance(part, (int, np.integer)):
                    raise TypeError("slice bounds must be Python ints (symbolic slice bounds are not supported)")
            items.append([k.start if k.start is None else int(k.start), None if k.stop is None else int(k.stop),
                          None if k.step is None else int(k.step)])
            out_axis += 1
        elif isinstance(k, (int, np.integer)):
            items.append(int(k))
        else:
            idx = k if isinstance(k, Variable) else np.asarray(k)
            dt = idx.dtype if isinstance(idx, Variable) else str(idx.dtype)
            if dt == "bool":
                raise IndexError("boolean mask indexing is not supported (its result has a data-dependent shape); use T.where")
            if not isinstance(idx, Variable) and idx.dtype.kind not in "iu":
                raise IndexError(f"arrays used as indices must be of integer type, got {idx.dtype}")
            items.append([None, None, None])
            arrays.append((out_axis, idx))
            out_axis += 1
    if len(items) > x.ndim:
        raise IndexError(f"too many indices for a tensor of rank {x.ndim}")
    out = x
    if any(it != [None, None, None] for it in items):
        out = _apply("getitem", out, items=items)
    if arrays:
        if newaxes:
            raise IndexError("mixing None (newaxis) with integer-array indexing is not supported")
        flags = [False] * (arrays[-1][0] + 1)
        for a, _ in arrays:
            flags[a] = True
        out = _apply("advanced_index", out, *[a for _, a in arrays], is_array=flags)
    if newaxes:
        ndim = out.ndim if isinstance(out, Variable) else np.ndim(out)
        pattern, src = [], 0
        for i in range(ndim + len(newaxes)):
            if i in newaxes:
                pattern.append("x")
            else:
                pattern.append(src)
                src += 1
        out = dimshuffle(out, pattern)
    return out


def _rbinary(kind):
    return lambda self, other: _apply(kind, other, self)


def _install():
    V = Variable
    V.__add__ = add; V.__radd__ = _rbinary("add")
    V.__sub__ = sub; V.__rsub__ = _rbinary("sub")
    V.__mul__ = mul; V.__rmul__ = _rbinary("mul")
    V.__truediv__ = true_div; V.__rtruediv__ = _rbinary("div")
    V.__floordiv__ = floordiv; V.__rfloordiv__ = _rbinary("floordiv")
    V.__mod__ = mod; V.__rmod__ = _rbinary("mod")
    V.__pow__ = pow; V.__rpow__ = _rbinary("pow")
    V.__matmul__ = dot; V.__rmatmul__ = lambda self, other: dot(other, self)
    V.__neg__ = neg
    V.__abs__ = abs
    V.__invert__ = invert
    V.__and__ = and_; V.__rand__ = _rbinary("and")
    V.__or__ = or_; V.__ror__ = _rbinary("or")
    V.__xor__ = xor
    V.__lt__ = lt; V.__le__ = le; V.__gt__ = gt; V.__ge__ = ge
    V.__getitem__ = _getitem
    V.__hash__ = object.__hash__
    V.sum, V.mean, V.max, V.min, V.prod, V.var, V.std = sum, mean, max, min, prod, var, std
    V.argmax, V.argmin = argmax, argmin
    V.reshape = lambda self, *s, ndim=None: reshape(self, s[0] if len(s) == 1 else s)
    V.flatten = flatten
    V.dimshuffle = dimshuffle
    V.transpose = lambda self, *axes: transpose(self, axes if axes else None)
    V.T = property(lambda self: transpose(self))
    V.astype = cast
    V.dot = dot
    V.clip = clip
    V.shape = property(shape)
    V.eq = eq
    V.neq = neq


_install()

from . import random  # noqa: E402  (RandomStreams)
