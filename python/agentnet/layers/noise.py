"""Noise layers (Lasagne's ``layers.noise``): dropout and additive Gaussian noise.

Both are active in training graphs and the identity when ``get_output(..., deterministic=True)``. Each layer
owns a :class:`agentnet.tensor.random.RandomStreams` seeded from :func:`agentnet.init.get_rng` when the layer is
created (as in Lasagne), so ``init.set_rng(np.random.RandomState(s))`` before building a network makes its noise
reproducible; every call of a compiled function draws fresh noise.
"""
import numbers

from .. import init
from .. import tensor as T
from .._core import Variable
from ..tensor.random import RandomStreams
from .base import Layer

__all__ = ["DropoutLayer", "dropout", "GaussianNoiseLayer"]


def _new_srng():
    return RandomStreams(init.get_rng().randint(1, 2147462579))


class DropoutLayer(Layer):
    """Sets each input value to zero with probability ``p`` (scaling the rest by ``1 / (1 - p)`` if ``rescale``).

    Parameters
    ----------
    incoming : Layer or tuple
    p : float
        Drop probability in ``[0, 1)``; default 0.5. ``p == 0`` makes the layer the identity.
    rescale : bool
        Divide the kept values by the retain probability ``1 - p`` so the expected output equals the input;
        default True.
    shared_axes : tuple of int
        Axes along which one mask value is shared (e.g. ``(2, 3)`` drops whole feature maps); default ``()``.
        Negative values count from the end.

    Notes
    -----
    ``get_output_for(input, deterministic=True)`` returns the input unchanged.
    """

    def __init__(self, incoming, p=0.5, rescale=True, shared_axes=(), **kwargs):
        super().__init__(incoming, **kwargs)
        if not isinstance(p, Variable):
            if isinstance(p, bool) or not isinstance(p, numbers.Real):
                raise TypeError(f"DropoutLayer: p must be a number, got {p!r}")
            if not 0 <= p < 1:
                raise ValueError(f"DropoutLayer: p must be in [0, 1), got {p}")
        ndim = len(self.input_shape)
        if isinstance(shared_axes, numbers.Integral) and not isinstance(shared_axes, bool):
            shared_axes = (shared_axes,)
        try:
            shared_axes = tuple(int(a) for a in shared_axes)
        except (TypeError, ValueError):
            raise TypeError(f"DropoutLayer: shared_axes must be a tuple of ints, got {shared_axes!r}") from None
        for a in shared_axes:
            if not -ndim <= a < ndim:
                raise ValueError(f"DropoutLayer: shared axis {a} is out of range for a {ndim}-dimensional input")
        self._srng = _new_srng()
        self.p = p
        self.rescale = bool(rescale)
        self.shared_axes = shared_axes

    def get_output_for(self, input, deterministic=False, **kwargs):
        if deterministic or (not isinstance(self.p, Variable) and self.p == 0):
            return input
        retain_prob = 1 - self.p
        if self.rescale:
            input = input / retain_prob
        shared_axes = tuple(a if a >= 0 else a + input.ndim for a in self.shared_axes)
        mask_shape = tuple(1 if a in shared_axes else input.shape[a] for a in range(input.ndim))
        mask = self._srng.binomial(mask_shape, p=retain_prob, dtype=input.dtype)
        return input * mask

    def _repr_args(self):
        return [f"p={self.p!r}"] + ([] if self.rescale else ["rescale=False"]) + (
            [f"shared_axes={self.shared_axes!r}"] if self.shared_axes else [])


dropout = DropoutLayer


class GaussianNoiseLayer(Layer):
    """Adds zero-mean Gaussian noise of standard deviation ``sigma``.

    Parameters
    ----------
    incoming : Layer or tuple
    sigma : float
        Standard deviation (>= 0); default 0.1.

    Notes
    -----
    ``get_output_for(input, deterministic=True)`` returns the input unchanged.
    """

    def __init__(self, incoming, sigma=0.1, **kwargs):
        super().__init__(incoming, **kwargs)
        if not isinstance(sigma, Variable):
            if isinstance(sigma, bool) or not isinstance(sigma, numbers.Real):
                raise TypeError(f"GaussianNoiseLayer: sigma must be a number, got {sigma!r}")
            if sigma < 0:
                raise ValueError(f"GaussianNoiseLayer: sigma must be non-negative, got {sigma}")
        self._srng = _new_srng()
        self.sigma = sigma

    def get_output_for(self, input, deterministic=False, **kwargs):
        if deterministic or (not isinstance(self.sigma, Variable) and self.sigma == 0):
            return input
        shape = tuple(input.shape[a] for a in range(input.ndim))
        return input + self._srng.normal(shape, avg=0.0, std=1.0) * self.sigma

    def _repr_args(self):
        return [f"sigma={self.sigma!r}"]
