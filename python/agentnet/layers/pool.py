"""Pooling layers (Lasagne's ``layers.pool``): :class:`Pool2DLayer`, :class:`MaxPool2DLayer`, their 1-D
versions and :class:`GlobalPoolLayer`."""
import numbers

from .. import tensor as T
from ..tensor import nnet
from .base import Layer
from .conv import as_tuple

__all__ = ["Pool1DLayer", "MaxPool1DLayer", "Pool2DLayer", "MaxPool2DLayer", "GlobalPoolLayer",
           "pool_output_length"]

pool_output_length = nnet.pool_output_length

_MODES = ("max", "sum", "average_inc_pad", "average_exc_pad")


class _PoolLayer(Layer):
    n = 2

    def __init__(self, incoming, pool_size, stride=None, pad=0, ignore_border=True, mode="max", **kwargs):
        super().__init__(incoming, **kwargs)
        n = self.n
        if len(self.input_shape) != n + 2:
            raise ValueError(f"Tried to create a {n}D pooling layer with input shape {self.input_shape!r}. Expected "
                             f"{n + 2} input dimensions (batchsize, channels, {n} spatial dimensions).")
        self.pool_size = tuple(int(v) for v in as_tuple(pool_size, n, numbers.Integral))
        self.stride = self.pool_size if stride is None else tuple(int(v) for v in as_tuple(stride, n, numbers.Integral))
        self.pad = tuple(int(v) for v in as_tuple(pad, n, numbers.Integral))
        if any(v <= 0 for v in self.pool_size + self.stride):
            raise ValueError(f"{type(self).__name__}: pool_size and stride must be positive, got {self.pool_size} and "
                             f"{self.stride}")
        if any(p < 0 or p >= k for p, k in zip(self.pad, self.pool_size)):
            raise ValueError(f"{type(self).__name__}: padding {self.pad} must be non-negative and smaller than the "
                             f"pool size {self.pool_size}")
        self.ignore_border = bool(ignore_border)
        if not self.ignore_border and any(self.pad):
            raise NotImplementedError("padding works only with ignore_border=True")
        if mode not in _MODES:
            raise ValueError(f"{type(self).__name__}: mode must be one of {', '.join(repr(m) for m in _MODES)}, got "
                             f"{mode!r}")
        self.mode = mode

    def get_output_shape_for(self, input_shape):
        shape = list(input_shape)
        for i in range(self.n):
            shape[2 + i] = pool_output_length(input_shape[2 + i], self.pool_size[i], self.stride[i], self.pad[i],
                                              self.ignore_border)
        return tuple(shape)

    def _repr_args(self):
        args = [f"pool_size={self.pool_size}"]
        if self.stride != self.pool_size:
            args.append(f"stride={self.stride}")
        if any(self.pad):
            args.append(f"pad={self.pad}")
        if not self.ignore_border:
            args.append("ignore_border=False")
        if self.mode != "max" and type(self) in (Pool1DLayer, Pool2DLayer):
            args.append(f"mode={self.mode!r}")
        return args


class Pool2DLayer(_PoolLayer):
    """2-D pooling on ``(batch, channels, rows, cols)``.

    Parameters
    ----------
    incoming : Layer or tuple
    pool_size : int or (int, int)
    stride : int, (int, int) or None
        Defaults to ``pool_size`` (non-overlapping windows).
    pad : int or (int, int)
        Zero padding on each side, smaller than ``pool_size``; requires ``ignore_border``.
    ignore_border : bool
        True (default): only windows inside the (padded) input. False: a last partial window covers the rest.
    mode : 'max', 'average_inc_pad', 'average_exc_pad' (or 'sum')
        'average_inc_pad' counts padding in the divisor, 'average_exc_pad' does not.
    """

    n = 2

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0), ignore_border=True, mode="max", **kwargs):
        super().__init__(incoming, pool_size, stride, pad, ignore_border, mode, **kwargs)

    def get_output_for(self, input, **kwargs):
        return nnet.pool_2d(input, ws=self.pool_size, stride=self.stride, ignore_border=self.ignore_border,
                            pad=self.pad, mode=self.mode)


class MaxPool2DLayer(Pool2DLayer):
    """2-D max pooling (see :class:`Pool2DLayer`)."""

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0), ignore_border=True, **kwargs):
        super().__init__(incoming, pool_size, stride, pad, ignore_border, mode="max", **kwargs)


class Pool1DLayer(_PoolLayer):
    """1-D pooling on ``(batch, channels, length)`` (see :class:`Pool2DLayer` for the parameters)."""

    n = 1

    def __init__(self, incoming, pool_size, stride=None, pad=0, ignore_border=True, mode="max", **kwargs):
        super().__init__(incoming, pool_size, stride, pad, ignore_border, mode, **kwargs)

    def get_output_for(self, input, **kwargs):
        return nnet.pool_1d(input, ws=self.pool_size[0], stride=self.stride[0], ignore_border=self.ignore_border,
                            pad=self.pad[0], mode=self.mode)


class MaxPool1DLayer(Pool1DLayer):
    """1-D max pooling (see :class:`Pool1DLayer`)."""

    def __init__(self, incoming, pool_size, stride=None, pad=0, ignore_border=True, **kwargs):
        super().__init__(incoming, pool_size, stride, pad, ignore_border, mode="max", **kwargs)


class GlobalPoolLayer(Layer):
    """Pools each channel over all its positions: ``(batch, channels, ...) -> (batch, channels)``.

    Parameters
    ----------
    incoming : Layer or tuple
        At least 3 dimensions.
    pool_function : callable
        Called as ``pool_function(x, axis=2)`` on the input flattened to ``(batch, channels, positions)``;
        default :func:`agentnet.tensor.mean` (``T.max``, ``T.sum``... also work).
    """

    def __init__(self, incoming, pool_function=T.mean, **kwargs):
        super().__init__(incoming, **kwargs)
        if len(self.input_shape) < 3:
            raise ValueError(f"GlobalPoolLayer needs an input with at least 3 dimensions, got {self.input_shape!r}")
        if not callable(pool_function):
            raise TypeError(f"GlobalPoolLayer: pool_function must be callable, got {pool_function!r}")
        self.pool_function = pool_function

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape[:2])

    def get_output_for(self, input, **kwargs):
        return self.pool_function(T.flatten(input, 3), axis=2)

    def _repr_args(self):
        return [f"pool_function={getattr(self.pool_function, '__name__', repr(self.pool_function))}"]
