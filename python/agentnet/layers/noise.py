"""Noise layers (Lasagne's ``layers.noise``): dropout and additive Gaussian noise.

Both are active in training graphs and the identity when ``get_output(..., deterministic=True)``. They are computed
by the engine (``Sources/AgentNet/Layers/NoiseLayers.swift``). Each layer owns a seed drawn from
:func:`agentnet.init.get_rng` when the layer is created (as in Lasagne), so ``init.set_rng(np.random.RandomState(s))``
before building a network makes its noise reproducible; every call of a compiled function draws fresh noise.
"""
import numbers

from .. import init
from .._core import Variable
from .base import Layer
from ._zoo import EngineBacked

__all__ = ["DropoutLayer", "dropout", "GaussianNoiseLayer"]


def _new_seed():
    return int(init.get_rng().randint(1, 2147462579))


def _rate(value, what, who):
    """The engine's JSON for a rate: the number, or "input" when it is symbolic (then a second input)."""
    if isinstance(value, Variable):
        return "input"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who}: {what} must be a number, got {value!r}")
    return float(value)


class DropoutLayer(EngineBacked, Layer):
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
        if isinstance(shared_axes, numbers.Integral) and not isinstance(shared_axes, bool):
            shared_axes = (shared_axes,)
        try:
            shared_axes = tuple(int(a) for a in shared_axes)
        except (TypeError, ValueError):
            raise TypeError(f"DropoutLayer: shared_axes must be a tuple of ints, got {shared_axes!r}") from None
        self.p = p
        self.rescale = bool(rescale)
        self.shared_axes = shared_axes
        self._create_engine(p=_rate(p, "p", "DropoutLayer"), rescale=self.rescale, shared_axes=list(shared_axes),
                            seed=_new_seed())

    def _computed_by_engine(self):
        return not isinstance(self.p, Variable)  # a symbolic p is a second input: computed through the callback

    def _engine_input_shapes(self):
        return [self.input_shape] + ([()] if isinstance(self.p, Variable) else [])

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape)

    def get_output_for(self, input, deterministic=False, **kwargs):
        if deterministic or (not isinstance(self.p, Variable) and self.p == 0):
            return input  # the engine layer is the identity then; keep the very same expression object
        return super().get_output_for(input, deterministic=deterministic, **kwargs)

    def _engine_inputs(self, input):
        return [input] + ([self.p] if isinstance(self.p, Variable) else [])

    def _repr_args(self):
        return [f"p={self.p!r}"] + ([] if self.rescale else ["rescale=False"]) + (
            [f"shared_axes={self.shared_axes!r}"] if self.shared_axes else [])


dropout = DropoutLayer


class GaussianNoiseLayer(EngineBacked, Layer):
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
        self.sigma = sigma
        self._create_engine(sigma=_rate(sigma, "sigma", "GaussianNoiseLayer"), seed=_new_seed())

    def _computed_by_engine(self):
        return not isinstance(self.sigma, Variable)

    def _engine_input_shapes(self):
        return [self.input_shape] + ([()] if isinstance(self.sigma, Variable) else [])

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape)

    def get_output_for(self, input, deterministic=False, **kwargs):
        if deterministic or (not isinstance(self.sigma, Variable) and self.sigma == 0):
            return input  # the engine layer is the identity then; keep the very same expression object
        return super().get_output_for(input, deterministic=deterministic, **kwargs)

    def _engine_inputs(self, input):
        return [input] + ([self.sigma] if isinstance(self.sigma, Variable) else [])

    def _repr_args(self):
        return [f"sigma={self.sigma!r}"]
