"""Argument checks shared by the Python API: integers, axes, shapes and numbers, each rejected with the exception
numpy would raise (TypeError for the wrong kind of value, ValueError for a value out of range) and a message that
names the argument. Values that reach the engine's int32/int64 slots are checked here, so ctypes never sees them.
"""
import numbers
import operator

import numpy as np

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1
MAX_RANK = 8


def as_int(value, name, minimum=None, maximum=INT64_MAX, allow_bool=True):
    """``value`` as a Python int: integers (and numpy integers) only, in ``[minimum, maximum]``.

    Floats such as 1.5 are a TypeError, as in numpy (``'float' object cannot be interpreted as an integer``),
    rather than being truncated. ``allow_bool=False`` also refuses True/False (for counts and sizes, where a bool
    is a mistake rather than 1 or 0).
    """
    if (isinstance(value, (float, np.floating)) or isinstance(value, (str, bytes)) or value is None
            or (not allow_bool and isinstance(value, (bool, np.bool_)))):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    try:
        v = operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}") from None
    if minimum is not None and v < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {v}")
    if maximum is not None and v > maximum:
        raise ValueError(f"{name} must be at most {maximum}, got {v}")
    return v


def as_axis(axis, name="axis"):
    """None, an int, or a list of ints (a tuple of axes)."""
    if axis is None:
        return None
    if isinstance(axis, (list, tuple)):
        return [as_int(a, name, -INT32_MAX, INT32_MAX) for a in axis]
    return as_int(axis, name, -INT32_MAX, INT32_MAX)


def as_dims(shape, name="shape", allow_unknown=False):
    """A concrete shape (or with ``allow_unknown``, -1 for an unknown dim) as a list of ints, rank <= 8."""
    if isinstance(shape, (numbers.Integral, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = list(shape)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of integers, got {type(shape).__name__} {shape!r}") from None
    if len(dims) > MAX_RANK:
        raise ValueError(f"{name} {tuple(dims)} has {len(dims)} dimensions; AgentNet supports at most {MAX_RANK}")
    low = -1 if allow_unknown else 0
    out = []
    for d in dims:
        v = as_int(d, f"{name} entry", None, None)
        if v > INT32_MAX:
            raise ValueError(f"{name} {tuple(dims)} is too large: dimension {v} exceeds {INT32_MAX}")
        if v < low:
            raise ValueError(f"negative dimensions are not allowed: {name} {tuple(dims)}")
        out.append(v)
    return out


def as_number(value, name):
    """A real number (int, float, numpy scalar) as a float; strings and None are a TypeError."""
    if isinstance(value, (str, bytes)) or value is None or isinstance(value, complex):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}") from None
