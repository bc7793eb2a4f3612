"""Operators, indexing and methods of :class:`agentnet.Variable` (``x + y``, ``x[:, 1:3]``, ``x.sum(axis=1)``),
attached when ``agentnet.tensor`` is imported."""
import builtins

import numpy as np

from .._core import Variable
from . import (_apply, abs, add, and_, argmax, argmin, cast, clip, dimshuffle, dot, eq, flatten, floordiv, ge, gt,
               invert, le, lt, max, mean, min, mod, mul, neg, neq, or_, pow, prod, reshape, shape, std, sub, sum,
               transpose, true_div, var, xor)


def _clamp_index(v):
    """An index or slice bound clamped to +-2**52: past any dimension, it selects what the original selects (or is
    as out of range), and stays exact in the engine's JSON numbers."""
    return builtins.max(-2**52, builtins.min(2**52, int(v)))


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
            items.append([None if part is None else _clamp_index(part) for part in (k.start, k.stop, k.step)])
            out_axis += 1
        elif isinstance(k, (int, np.integer)):
            items.append(_clamp_index(k))
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


def install():
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


