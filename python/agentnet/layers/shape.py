"""Shape-changing layers (Lasagne's ``layers.shape``): reshape, flatten, dimshuffle, slice and pad.

All of them are composed from :mod:`agentnet.tensor` ops and have no parameters.
"""
import numbers

import numpy as np

from .. import tensor as T
from .base import Layer

__all__ = ["ReshapeLayer", "reshape", "FlattenLayer", "flatten", "DimshuffleLayer", "dimshuffle", "SliceLayer",
           "PadLayer", "pad"]


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


class ReshapeLayer(Layer):
    """Reshapes its input to ``shape``.

    Parameters
    ----------
    incoming : Layer or tuple
    shape : tuple
        Target shape. Each element is a positive int, ``-1`` (at most once; inferred from the total size) or a
        one-element list ``[i]`` meaning "size of input axis ``i``" (e.g. ``([0], -1)`` keeps the batch axis and
        flattens the rest).

    Raises
    ------
    ValueError
        For malformed specifications, a reference to a missing input axis, or a total size mismatch.
    """

    def __init__(self, incoming, shape, **kwargs):
        super().__init__(incoming, **kwargs)
        try:
            shape = tuple(shape)
        except TypeError:
            raise ValueError(f"`shape` must be a tuple of int and/or [int], got {shape!r}") from None
        for s in shape:
            if _is_int(s):
                if s == 0 or s < -1:
                    raise ValueError("`shape` integers must be positive or -1")
            elif isinstance(s, list):
                if len(s) != 1 or not _is_int(s[0]) or s[0] < 0:
                    raise ValueError("`shape` input references must be single-element lists of int >= 0")
            else:
                raise ValueError(f"`shape` must be a tuple of int and/or [int], got element {s!r}")
        if sum(1 for s in shape if _is_int(s) and s == -1) > 1:
            raise ValueError("`shape` cannot contain multiple -1")
        self.shape = shape
        self.get_output_shape_for(self.input_shape)  # validates against the input shape

    def get_output_shape_for(self, input_shape, **kwargs):
        output_shape = list(self.shape)
        masked_input_shape = list(input_shape)
        masked_output_shape = list(output_shape)
        for dim, o in enumerate(output_shape):
            if isinstance(o, list):
                if o[0] >= len(input_shape):
                    raise ValueError(f"specification contains [{o[0]}], but input shape has {len(input_shape)} "
                                     "dimensions only")
                output_shape[dim] = input_shape[o[0]]
                masked_output_shape[dim] = input_shape[o[0]]
                if input_shape[o[0]] is None and masked_input_shape[o[0]] is None:
                    # a None axis copied to the output cancels out of the size comparison
                    masked_input_shape[o[0]] = 1
                    masked_output_shape[dim] = 1
        input_size = None if any(x is None for x in masked_input_shape) else int(np.prod(masked_input_shape))
        output_size = None if any(x is None for x in masked_output_shape) else int(np.prod(masked_output_shape))
        if -1 in output_shape:
            dim = output_shape.index(-1)
            if input_size is None or output_size is None:
                output_shape[dim] = None
                output_size = None
            else:
                output_size *= -1
                output_shape[dim] = input_size // output_size
                output_size *= output_shape[dim]
        if input_size is not None and output_size is not None and input_size != output_size:
            raise ValueError(f"{tuple(input_shape)!r} cannot be reshaped to specification {self.shape!r}. The total "
                             "size mismatches.")
        return tuple(output_shape)

    def get_output_for(self, input, **kwargs):
        output_shape = list(self.shape)
        for dim, o in enumerate(output_shape):
            if isinstance(o, list):
                output_shape[dim] = input.shape[o[0]]
        return T.reshape(input, tuple(output_shape))

    def _repr_args(self):
        return [f"shape={self.shape!r}"]


reshape = ReshapeLayer


class FlattenLayer(Layer):
    """Keeps the first ``outdim - 1`` axes and flattens the remaining ones into one.

    Parameters
    ----------
    incoming : Layer or tuple
    outdim : int
        Number of output dimensions (>= 1); default 2 (``(batch, ...) -> (batch, features)``).
    """

    def __init__(self, incoming, outdim=2, **kwargs):
        super().__init__(incoming, **kwargs)
        if not _is_int(outdim):
            raise TypeError(f"FlattenLayer: outdim must be an int, got {outdim!r}")
        if outdim < 1:
            raise ValueError("Dim must be >0, was %i" % outdim)
        if outdim > len(self.input_shape):
            raise ValueError(f"FlattenLayer: outdim={outdim} exceeds the input's {len(self.input_shape)} dimensions")
        self.outdim = int(outdim)

    def get_output_shape_for(self, input_shape):
        to_flatten = input_shape[self.outdim - 1:]
        if any(s is None for s in to_flatten):
            flattened = None
        else:
            flattened = int(np.prod(to_flatten))
        return tuple(input_shape[:self.outdim - 1]) + (flattened,)

    def get_output_for(self, input, **kwargs):
        return T.flatten(input, self.outdim)

    def _repr_args(self):
        return [f"outdim={self.outdim}"]


flatten = FlattenLayer


class DimshuffleLayer(Layer):
    """Permutes axes, inserts broadcastable axes (``'x'``) and drops axes of size 1.

    Parameters
    ----------
    incoming : Layer or tuple
    pattern : tuple
        Each element is an input axis index (used at most once) or ``'x'`` for a new axis of size 1. Input axes
        left out must have size 1 (or unknown size).
    """

    def __init__(self, incoming, pattern, **kwargs):
        super().__init__(incoming, **kwargs)
        used_dims = set()
        pattern = tuple(pattern)
        for p in pattern:
            if _is_int(p):
                if p < 0:
                    raise ValueError(f"Invalid dimension index {p}: must be >= 0")
                if p in used_dims:
                    raise ValueError(f"pattern contains dimension {p} more than once")
                used_dims.add(p)
            elif p == "x":
                pass
            else:
                raise ValueError("pattern should only contain dimension indices or 'x', not {0}".format(p))
        self.pattern = pattern
        self.get_output_shape_for(self.input_shape)  # validates against the input shape

    def get_output_shape_for(self, input_shape):
        output_shape = []
        dims_used = [False] * len(input_shape)
        for p in self.pattern:
            if _is_int(p):
                if p >= len(input_shape):
                    raise ValueError(f"pattern contains {p}, but input shape has {len(input_shape)} dimensions only")
                o = input_shape[p]
                dims_used[p] = True
            else:
                o = 1
            output_shape.append(o)
        for i, (dim_size, used) in enumerate(zip(input_shape, dims_used)):
            if not used and dim_size != 1 and dim_size is not None:
                raise ValueError(f"pattern attempted to collapse dimension {i} of size {dim_size}; dimensions with "
                                 "size != 1/None are not broadcastable and cannot be collapsed")
        return tuple(output_shape)

    def get_output_for(self, input, **kwargs):
        return T.dimshuffle(input, self.pattern)

    def _repr_args(self):
        return [f"pattern={self.pattern!r}"]


dimshuffle = DimshuffleLayer


class SliceLayer(Layer):
    """Slices the input along one axis: ``input[..., indices, ...]``.

    Parameters
    ----------
    incoming : Layer or tuple
    indices : int or slice
        An int selects one entry and removes the axis; a slice (with int bounds) keeps it.
    axis : int
        The axis to slice (negative counts from the end); default -1.
    """

    def __init__(self, incoming, indices, axis=-1, **kwargs):
        super().__init__(incoming, **kwargs)
        if not (_is_int(indices) or isinstance(indices, slice)):
            raise TypeError(f"SliceLayer: indices must be an int or a slice, got {type(indices).__name__}")
        if isinstance(indices, slice):
            for part in (indices.start, indices.stop, indices.step):
                if part is not None and not _is_int(part):
                    raise TypeError("SliceLayer: slice bounds must be ints or None")
            if indices.step == 0:
                raise ValueError("SliceLayer: slice step cannot be zero")
        if not _is_int(axis):
            raise TypeError(f"SliceLayer: axis must be an int, got {axis!r}")
        ndim = len(self.input_shape)
        if not -ndim <= axis < ndim:
            raise ValueError(f"SliceLayer: axis {axis} is out of range for a {ndim}-dimensional input")
        size = self.input_shape[axis]
        if _is_int(indices) and size is not None and not -size <= indices < size:
            raise ValueError(f"SliceLayer: index {indices} is out of range for axis {axis} of size {size}")
        self.slice = indices
        self.axis = int(axis)

    def get_output_shape_for(self, input_shape):
        output_shape = list(input_shape)
        if isinstance(self.slice, int):
            del output_shape[self.axis]
        elif input_shape[self.axis] is not None:
            output_shape[self.axis] = len(range(*self.slice.indices(input_shape[self.axis])))
        else:
            output_shape[self.axis] = None
        return tuple(output_shape)

    def get_output_for(self, input, **kwargs):
        axis = self.axis
        if axis < 0:
            axis += input.ndim
        return input[(slice(None),) * axis + (self.slice,)]

    def _repr_args(self):
        return [f"indices={self.slice!r}", f"axis={self.axis}"]


def _pad_widths(width, ndim):
    """Normalises Lasagne's ``width`` (int, or per-axis ints / ``(before, after)`` pairs) to ``ndim`` pairs."""
    if _is_int(width):
        widths = [(int(width), int(width))] * ndim
    else:
        try:
            width = list(width)
        except TypeError:
            raise TypeError(f"pad width must be an int or an iterable of ints / pairs, got {width!r}") from None
        if len(width) > ndim:
            raise ValueError(f"pad width has {len(width)} entries but only {ndim} axes can be padded")
        widths = []
        for w in width:
            if _is_int(w):
                widths.append((int(w), int(w)))
            else:
                try:
                    w = tuple(w)
                except TypeError:
                    raise TypeError(f"pad width entries must be ints or (before, after) pairs, got {w!r}") from None
                if len(w) != 2 or not all(_is_int(v) for v in w):
                    raise TypeError(f"pad width entries must be ints or (before, after) pairs, got {w!r}")
                widths.append((int(w[0]), int(w[1])))
    for b, a in widths:
        if b < 0 or a < 0:
            raise ValueError(f"pad widths must be non-negative, got {width!r}")
    return widths


def _pad(x, widths, val, batch_ndim):
    """Pads the trailing axes of ``x`` (after ``batch_ndim``) with ``val`` by concatenating constant blocks."""
    out = x
    for k, (before, after) in enumerate(widths):
        axis = k + batch_ndim
        if before == 0 and after == 0:
            continue
        parts = []
        for w in (before, after):
            if w:
                block_shape = tuple(w if i == axis else out.shape[i] for i in range(x.ndim))
                parts.append(T.alloc(T.cast(np.float32(val), x.dtype) if x.dtype != "float32" else np.float32(val),
                                     block_shape))
            else:
                parts.append(None)
        pieces = ([parts[0]] if parts[0] is not None else []) + [out] + ([parts[1]] if parts[1] is not None else [])
        out = T.concatenate(pieces, axis=axis)
    return out


class PadLayer(Layer):
    """Pads the trailing axes (those after the first ``batch_ndim``) with the constant ``val``.

    Parameters
    ----------
    incoming : Layer or tuple
    width : int or iterable
        Padding of each padded axis: an int (same on both sides of every padded axis) or one entry per padded
        axis (leading axes first), each an int or a ``(before, after)`` pair.
    val : float
        Padding value; default 0.
    batch_ndim : int
        Number of leading axes left unpadded; default 2 (batch and channels).
    """

    def __init__(self, incoming, width, val=0, batch_ndim=2, **kwargs):
        super().__init__(incoming, **kwargs)
        if not _is_int(batch_ndim) or batch_ndim < 0:
            raise ValueError(f"PadLayer: batch_ndim must be a non-negative int, got {batch_ndim!r}")
        if batch_ndim > len(self.input_shape):
            raise ValueError(f"PadLayer: batch_ndim={batch_ndim} exceeds the input's {len(self.input_shape)} "
                             "dimensions")
        if not isinstance(val, numbers.Real):
            raise TypeError(f"PadLayer: val must be a number, got {val!r}")
        self._widths = _pad_widths(width, len(self.input_shape) - batch_ndim)
        self.width = width
        self.val = val
        self.batch_ndim = int(batch_ndim)

    def get_output_shape_for(self, input_shape):
        output_shape = list(input_shape)
        for k, (before, after) in enumerate(self._widths):
            if output_shape[k + self.batch_ndim] is None:
                continue
            output_shape[k + self.batch_ndim] += before + after
        return tuple(output_shape)

    def get_output_for(self, input, **kwargs):
        return _pad(input, self._widths, self.val, self.batch_ndim)

    def _repr_args(self):
        return [f"width={self.width!r}", f"val={self.val!r}", f"batch_ndim={self.batch_ndim}"]


pad = PadLayer
