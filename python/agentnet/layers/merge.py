"""Layers merging several inputs (Lasagne's ``layers.merge``): concatenation and elementwise sums/merges.

The layers are computed by the engine (``Sources/AgentNet/Layers/MergeLayers.swift``), which also crops their inputs
(``cropping``) and checks the shapes at construction. :func:`autocrop` and :func:`autocrop_array_shapes` stay
available as Lasagne's public helpers; an :class:`ElemwiseMergeLayer` with a function the engine does not know
applies it in Python to inputs cropped by :func:`autocrop`.
"""
import numbers
from functools import reduce

from .. import tensor as T
from .base import MergeLayer
from ._zoo import EngineBacked

__all__ = ["autocrop", "autocrop_array_shapes", "ConcatLayer", "concat", "ElemwiseMergeLayer", "ElemwiseSumLayer"]

#: Merge functions the engine applies itself, by the Python function that stands for each.
_ENGINE_MERGE = {T.add: "add", T.sub: "sub", T.mul: "mul", T.maximum: "maximum", T.minimum: "minimum"}


def _engine_merge(f):
    try:
        return _ENGINE_MERGE.get(f)
    except TypeError:  # unhashable callables
        return None


def _check_cropping(cropping):
    if cropping is None:
        return None
    try:
        cropping = list(cropping)
    except TypeError:
        raise TypeError(f"cropping must be None or a list of None/'lower'/'upper'/'center', got {cropping!r}") from None
    return cropping


def autocrop_array_shapes(input_shapes, cropping):
    """Shapes after :func:`autocrop`: each cropped axis takes the smallest size among the inputs (Lasagne)."""
    if cropping is None:
        return input_shapes
    ndim = len(input_shapes[0])
    if not all(len(sh) == ndim for sh in input_shapes):
        raise ValueError("Not all inputs are of the same dimensionality. Got {0} inputs of dimensionalities "
                         "{1}.".format(len(input_shapes), [len(sh) for sh in input_shapes]))
    result = []
    cropping = list(cropping) + [None] * (ndim - len(cropping))
    for sh, cr in zip(zip(*input_shapes), cropping):
        if cr is None:
            result.append(sh)
        elif cr in ("lower", "center", "upper"):
            min_sh = None if any(x is None for x in sh) else min(sh)
            result.append([min_sh] * len(sh))
        else:
            raise ValueError(f"Unknown crop mode '{cr}'")
    return [tuple(sh) for sh in zip(*result)]


def autocrop(inputs, cropping):
    """Crops ``inputs`` to a common size along the axes where ``cropping`` is 'lower', 'upper' or 'center'.

    Sizes of cropped axes must be known statically (from the inputs' static shapes); symbolic slice bounds are
    not supported by the engine.
    """
    if cropping is None:
        return inputs
    ndim = inputs[0].ndim
    if not all(x.ndim == ndim for x in inputs):
        raise ValueError("Not all inputs are of the same dimensionality. Got {0} inputs of dimensionalities "
                         "{1}.".format(len(inputs), [x.ndim for x in inputs]))
    shapes = [x.static_shape if hasattr(x, "static_shape") else x.shape for x in inputs]
    cropping = list(cropping) + [None] * (ndim - len(cropping))
    slices_by_input = [[] for _ in inputs]
    for dim, cr in enumerate(cropping):
        if cr is None:
            for s in slices_by_input:
                s.append(slice(None))
            continue
        sizes = [sh[dim] for sh in shapes]
        if any(sz is None for sz in sizes):
            raise ValueError(f"autocrop: axis {dim} must have a known size in every input to be cropped")
        new_size = min(sizes)
        for sz, s in zip(sizes, slices_by_input):
            if cr == "lower":
                s.append(slice(0, new_size))
            elif cr == "upper":
                s.append(slice(sz - new_size, sz))
            elif cr == "center":
                offset = (sz - new_size) // 2
                s.append(slice(offset, offset + new_size))
            else:
                raise ValueError(f"Unknown crop mode '{cr}'")
    return [x[tuple(s)] for x, s in zip(inputs, slices_by_input)]


class ConcatLayer(EngineBacked, MergeLayer):
    """Concatenates its inputs along ``axis``.

    Parameters
    ----------
    incomings : list of Layer or tuple
        Inputs of equal rank whose sizes agree except along ``axis`` (unknown sizes are compatible with any).
    axis : int
        Concatenation axis; default 1.
    cropping : None or list
        Per-axis crop modes (None, 'lower', 'upper', 'center') applied before concatenating (see
        :func:`autocrop`); default None.
    """

    def __init__(self, incomings, axis=1, cropping=None, **kwargs):
        super().__init__(incomings, **kwargs)
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"ConcatLayer: axis must be an int, got {axis!r}")
        self.axis = int(axis)
        self.cropping = _check_cropping(cropping)
        self._create_engine(axis=self.axis, cropping=self.cropping)

    def _repr_args(self):
        return [f"axis={self.axis}"] + ([f"cropping={self.cropping!r}"] if self.cropping is not None else [])


concat = ConcatLayer


class ElemwiseMergeLayer(EngineBacked, MergeLayer):
    """Merges inputs of equal shape with a binary elementwise function, applied left to right.

    Parameters
    ----------
    incomings : list of Layer or tuple
    merge_function : callable
        ``f(a, b) -> c``, e.g. ``T.maximum`` or ``T.mul``.
    cropping : None or list
        See :class:`ConcatLayer`.
    """

    _engine_kind = "ElemwiseMergeLayer"

    def __init__(self, incomings, merge_function, cropping=None, **kwargs):
        super().__init__(incomings, **kwargs)
        if not callable(merge_function):
            raise TypeError(f"{type(self).__name__}: merge_function must be callable, got {merge_function!r}")
        self.merge_function = merge_function
        self.cropping = _check_cropping(cropping)
        if type(self) is ElemwiseMergeLayer:
            self._create_engine(merge_function=_engine_merge(merge_function) or "add", cropping=self.cropping)

    def _computed_by_engine(self):
        return _engine_merge(self.merge_function) is not None

    def get_output_for(self, inputs, **kwargs):
        if not self._computed_by_engine():  # a user's function, applied as Lasagne does
            return reduce(self.merge_function, autocrop(inputs, self.cropping))
        return super().get_output_for(inputs, **kwargs)


class ElemwiseSumLayer(ElemwiseMergeLayer):
    """Elementwise weighted sum ``sum_i coeffs[i] * inputs[i]``.

    Parameters
    ----------
    incomings : list of Layer or tuple
    coeffs : number or list of numbers
        One coefficient for all inputs or one per input; default 1.
    cropping : None or list
        See :class:`ConcatLayer`.
    """

    _engine_kind = "ElemwiseSumLayer"

    def __init__(self, incomings, coeffs=1, cropping=None, **kwargs):
        super().__init__(incomings, merge_function=T.add, cropping=cropping, **kwargs)
        if isinstance(coeffs, (list, tuple)):
            coeffs = list(coeffs)
        for c in (coeffs if isinstance(coeffs, list) else [coeffs]):
            if isinstance(c, bool) or not isinstance(c, numbers.Real):
                raise TypeError(f"ElemwiseSumLayer: coeffs must be numbers, got {c!r}")
        self._create_engine(coeffs=[float(c) for c in coeffs] if isinstance(coeffs, list) else float(coeffs),
                            cropping=self.cropping)
        self.coeffs = coeffs if isinstance(coeffs, list) else [coeffs] * len(self.input_shapes)
