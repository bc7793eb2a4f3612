"""Layers merging several inputs (Lasagne's ``layers.merge``): concatenation and elementwise sums/merges."""
import numbers
from functools import reduce

from .. import tensor as T
from .base import MergeLayer

__all__ = ["autocrop", "autocrop_array_shapes", "ConcatLayer", "concat", "ElemwiseMergeLayer", "ElemwiseSumLayer"]

_CROP_MODES = (None, "lower", "upper", "center")


def _check_cropping(cropping):
    if cropping is None:
        return None
    try:
        cropping = list(cropping)
    except TypeError:
        raise TypeError(f"cropping must be None or a list of None/'lower'/'upper'/'center', got {cropping!r}") from None
    for c in cropping:
        if c not in _CROP_MODES:
            raise ValueError(f"Unknown crop mode {c!r}; use None, 'lower', 'upper' or 'center'")
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


class ConcatLayer(MergeLayer):
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
        if not self.input_shapes:
            raise ValueError("ConcatLayer needs at least one input")
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"ConcatLayer: axis must be an int, got {axis!r}")
        ndim = len(self.input_shapes[0])
        if not -ndim <= axis < ndim:
            raise ValueError(f"ConcatLayer: axis {axis} is out of range for {ndim}-dimensional inputs")
        self.axis = int(axis)
        self.cropping = _check_cropping(cropping)
        if self.cropping is not None and len(self.cropping) > ndim:
            raise ValueError(f"ConcatLayer: cropping has {len(self.cropping)} entries for {ndim}-dimensional inputs")
        self.get_output_shape_for(self.input_shapes)  # validates the shapes

    def get_output_shape_for(self, input_shapes):
        input_shapes = autocrop_array_shapes(input_shapes, self.cropping)
        output_shape = [next((s for s in sizes if s is not None), None) for sizes in zip(*input_shapes)]

        def match(shape1, shape2):
            axis = self.axis if self.axis >= 0 else len(shape1) + self.axis
            return (len(shape1) == len(shape2) and
                    all(i == axis or s1 is None or s2 is None or s1 == s2
                        for i, (s1, s2) in enumerate(zip(shape1, shape2))))

        if not all(match(shape, output_shape) for shape in input_shapes):
            raise ValueError("Mismatch: input shapes must be the same except in the concatenation axis (got "
                             f"{input_shapes!r})")
        sizes = [input_shape[self.axis] for input_shape in input_shapes]
        concat_size = None if any(s is None for s in sizes) else sum(sizes)
        output_shape[self.axis] = concat_size
        return tuple(output_shape)

    def get_output_for(self, inputs, **kwargs):
        inputs = autocrop(inputs, self.cropping)
        return T.concatenate(inputs, axis=self.axis)

    def _repr_args(self):
        return [f"axis={self.axis}"] + ([f"cropping={self.cropping!r}"] if self.cropping is not None else [])


concat = ConcatLayer


class ElemwiseMergeLayer(MergeLayer):
    """Merges inputs of equal shape with a binary elementwise function, applied left to right.

    Parameters
    ----------
    incomings : list of Layer or tuple
    merge_function : callable
        ``f(a, b) -> c``, e.g. ``T.maximum`` or ``T.mul``.
    cropping : None or list
        See :class:`ConcatLayer`.
    """

    def __init__(self, incomings, merge_function, cropping=None, **kwargs):
        super().__init__(incomings, **kwargs)
        if not self.input_shapes:
            raise ValueError(f"{type(self).__name__} needs at least one input")
        if not callable(merge_function):
            raise TypeError(f"{type(self).__name__}: merge_function must be callable, got {merge_function!r}")
        self.merge_function = merge_function
        self.cropping = _check_cropping(cropping)
        self.get_output_shape_for(self.input_shapes)  # validates the shapes

    def get_output_shape_for(self, input_shapes):
        input_shapes = autocrop_array_shapes(input_shapes, self.cropping)
        if any(len(shape) != len(input_shapes[0]) for shape in input_shapes):
            raise ValueError("Mismatch: not all input shapes have the same dimensionality (got "
                             f"{input_shapes!r})")
        output_shape = tuple(next((s for s in sizes if s is not None), None) for sizes in zip(*input_shapes))

        def match(shape1, shape2):
            return all(s1 is None or s2 is None or s1 == s2 for s1, s2 in zip(shape1, shape2))

        if not all(match(shape, output_shape) for shape in input_shapes):
            raise ValueError(f"Mismatch: input shapes must be the same (got {input_shapes!r})")
        return output_shape

    def get_output_for(self, inputs, **kwargs):
        inputs = autocrop(inputs, self.cropping)
        return reduce(self.merge_function, inputs)


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

    def __init__(self, incomings, coeffs=1, cropping=None, **kwargs):
        super().__init__(incomings, merge_function=T.add, cropping=cropping, **kwargs)
        if isinstance(coeffs, (list, tuple)):
            if len(coeffs) != len(self.input_shapes):
                raise ValueError(f"Mismatch: got {len(coeffs)} coeffs for {len(self.input_shapes)} incomings")
            coeffs = list(coeffs)
        else:
            coeffs = [coeffs] * len(self.input_shapes)
        for c in coeffs:
            if isinstance(c, bool) or not isinstance(c, numbers.Real):
                raise TypeError(f"ElemwiseSumLayer: coeffs must be numbers, got {c!r}")
        self.coeffs = coeffs

    def get_output_for(self, inputs, **kwargs):
        inputs = [input * coeff if coeff != 1 else input for coeff, input in zip(self.coeffs, inputs)]
        return super().get_output_for(inputs, **kwargs)
