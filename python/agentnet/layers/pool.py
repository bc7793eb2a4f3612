"""Pooling layers (Lasagne's ``layers.pool``): :class:`Pool2DLayer`, :class:`MaxPool2DLayer`, their 1-D
versions and :class:`GlobalPoolLayer`, computed by the engine layers of the same names
(``Sources/AgentNet/Layers/PoolLayers.swift``), which check the arguments and derive the shapes."""
import numbers

from .. import tensor as T
from ..tensor import nnet
from .base import Layer
from ._zoo import EngineBacked
from .conv import as_tuple

__all__ = ["Pool1DLayer", "MaxPool1DLayer", "Pool2DLayer", "MaxPool2DLayer", "GlobalPoolLayer",
           "pool_output_length"]

pool_output_length = nnet.pool_output_length


class _PoolLayer(EngineBacked, Layer):
    n = 2

    def __init__(self, incoming, pool_size, stride=None, pad=0, ignore_border=True, mode="max", **kwargs):
        super().__init__(incoming, **kwargs)
        n = self.n
        self.pool_size = tuple(int(v) for v in as_tuple(pool_size, n, numbers.Integral))
        self.stride = self.pool_size if stride is None else tuple(int(v) for v in as_tuple(stride, n, numbers.Integral))
        self.pad = tuple(int(v) for v in as_tuple(pad, n, numbers.Integral))
        self.ignore_border = bool(ignore_border)
        if not self.ignore_border and any(self.pad):
            raise NotImplementedError("padding works only with ignore_border=True")
        self.mode = mode
        self._create_engine(pool_size=list(self.pool_size), stride=list(self.stride), pad=list(self.pad),
                            ignore_border=self.ignore_border, mode=mode)

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



class MaxPool2DLayer(Pool2DLayer):
    """2-D max pooling (see :class:`Pool2DLayer`)."""

    def __init__(self, incoming, pool_size, stride=None, pad=(0, 0), ignore_border=True, **kwargs):
        super().__init__(incoming, pool_size, stride, pad, ignore_border, mode="max", **kwargs)


class Pool1DLayer(_PoolLayer):
    """1-D pooling on ``(batch, channels, length)`` (see :class:`Pool2DLayer` for the parameters)."""

    n = 1

    def __init__(self, incoming, pool_size, stride=None, pad=0, ignore_border=True, mode="max", **kwargs):
        super().__init__(incoming, pool_size, stride, pad, ignore_border, mode, **kwargs)



class MaxPool1DLayer(Pool1DLayer):
    """1-D max pooling (see :class:`Pool1DLayer`)."""

    def __init__(self, incoming, pool_size, stride=None, pad=0, ignore_border=True, **kwargs):
        super().__init__(incoming, pool_size, stride, pad, ignore_border, mode="max", **kwargs)


#: Pool functions the engine applies itself, by the Python function that stands for each.
_ENGINE_POOL = {T.mean: "mean", T.max: "max", T.min: "min", T.sum: "sum", T.prod: "prod"}


def _engine_pool(f):
    try:
        return _ENGINE_POOL.get(f)
    except TypeError:  # unhashable callables
        return None


class GlobalPoolLayer(EngineBacked, Layer):
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
        if not callable(pool_function):
            raise TypeError(f"GlobalPoolLayer: pool_function must be callable, got {pool_function!r}")
        self.pool_function = pool_function
        self._create_engine(pool_function=_engine_pool(pool_function) or "mean")

    def _computed_by_engine(self):
        return _engine_pool(self.pool_function) is not None

    def get_output_for(self, input, **kwargs):
        if not self._computed_by_engine():  # a user's function, applied as Lasagne does
            return self.pool_function(T.flatten(input, 3), axis=2)
        return super().get_output_for(input, **kwargs)

    def _repr_args(self):
        return [f"pool_function={getattr(self.pool_function, '__name__', repr(self.pool_function))}"]
