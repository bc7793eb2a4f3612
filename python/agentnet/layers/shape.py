"""Shape-changing layers (Lasagne's ``layers.shape``): reshape, flatten, dimshuffle, slice and pad.

None has parameters; each is computed by the engine layer of the same name (``Sources/AgentNet/Layers/
ShapeLayers.swift``), which checks the arguments against the input shape at construction.
"""
import numbers

from .base import Layer
from ._zoo import EngineBacked, is_int as _is_int, jsonable

__all__ = ["ReshapeLayer", "reshape", "FlattenLayer", "flatten", "DimshuffleLayer", "dimshuffle", "SliceLayer",
           "PadLayer", "pad"]


class ReshapeLayer(EngineBacked, Layer):
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
        if any(isinstance(d, tuple) for d in shape):
            raise ValueError(f"`shape` must be a tuple of int and/or [int], got {shape!r}")
        self.shape = shape
        self._create_engine(shape=[jsonable(d) for d in shape])

    def _repr_args(self):
        return [f"shape={self.shape!r}"]


reshape = ReshapeLayer


class FlattenLayer(EngineBacked, Layer):
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
        self.outdim = int(outdim)
        self._create_engine(outdim=self.outdim)

    def _repr_args(self):
        return [f"outdim={self.outdim}"]


flatten = FlattenLayer


class DimshuffleLayer(EngineBacked, Layer):
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
        self.pattern = tuple(pattern)
        self._create_engine(pattern=[p if p == "x" else jsonable(p) for p in self.pattern])

    def _repr_args(self):
        return [f"pattern={self.pattern!r}"]


dimshuffle = DimshuffleLayer


class SliceLayer(EngineBacked, Layer):
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
            spec = [jsonable(indices.start), jsonable(indices.stop), jsonable(indices.step)]
        else:
            spec = int(indices)
        if not _is_int(axis):
            raise TypeError(f"SliceLayer: axis must be an int, got {axis!r}")
        self.slice = indices
        self.axis = int(axis)
        self._create_engine(indices=spec, axis=self.axis)

    def _repr_args(self):
        return [f"indices={self.slice!r}", f"axis={self.axis}"]


def _pad_width_spec(width):
    """Lasagne's ``width`` (int, or per-axis ints / ``(before, after)`` pairs) as the engine's JSON; the engine
    checks the values against the input."""
    if _is_int(width):
        return int(width)
    try:
        width = list(width)
    except TypeError:
        raise TypeError(f"pad width must be an int or an iterable of ints / pairs, got {width!r}") from None
    spec = []
    for w in width:
        if _is_int(w):
            spec.append(int(w))
            continue
        try:
            w = tuple(w)
        except TypeError:
            raise TypeError(f"pad width entries must be ints or (before, after) pairs, got {w!r}") from None
        if len(w) != 2 or not all(_is_int(v) for v in w):
            raise TypeError(f"pad width entries must be ints or (before, after) pairs, got {w!r}")
        spec.append([int(w[0]), int(w[1])])
    return spec


class PadLayer(EngineBacked, Layer):
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
        if not _is_int(batch_ndim):
            raise TypeError(f"PadLayer: batch_ndim must be an int, got {batch_ndim!r}")
        if not isinstance(val, numbers.Real):
            raise TypeError(f"PadLayer: val must be a number, got {val!r}")
        self.width = width
        self.val = val
        self.batch_ndim = int(batch_ndim)
        self._create_engine(width=_pad_width_spec(width), val=float(val), batch_ndim=self.batch_ndim)

    def _repr_args(self):
        return [f"width={self.width!r}", f"val={self.val!r}", f"batch_ndim={self.batch_ndim}"]


pad = PadLayer
