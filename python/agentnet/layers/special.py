"""Small special-purpose layers (Lasagne's ``layers.special``): expression, bias and scale layers.

``BiasLayer`` and ``ScaleLayer`` are computed by the engine (``Sources/AgentNet/Layers/BiasScaleLayers.swift``).
"""
import numbers

import numpy as np

from .. import init
from .base import Layer
from ._zoo import CONSTANT, EngineBacked

__all__ = ["ExpressionLayer", "BiasLayer", "ScaleLayer"]


class ExpressionLayer(Layer):
    """Applies an arbitrary function ``function(input)``.

    Parameters
    ----------
    incoming : Layer or tuple
    function : callable
        Maps the input expression to the output expression.
    output_shape : None, 'auto', tuple or callable
        None: same as the input shape. ``'auto'``: found by applying ``function`` to a zero numpy array of the input
        shape (unknown dimensions taken as 1, so they come out as concrete sizes, as in Lasagne). A tuple: that
        shape. A callable: called with the input shape.
    """

    def __init__(self, incoming, function, output_shape=None, **kwargs):
        super().__init__(incoming, **kwargs)
        if not callable(function):
            raise TypeError(f"ExpressionLayer: function must be callable, got {function!r}")
        if output_shape is None:
            self._output_shape = None
        elif output_shape == "auto":
            self._output_shape = "auto"
        elif callable(output_shape):
            self._output_shape = output_shape
        elif isinstance(output_shape, (tuple, list)):
            output_shape = tuple(output_shape)
            if any(d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral) or d <= 0)
                   for d in output_shape):
                raise ValueError(f"ExpressionLayer: output_shape must contain positive ints or None, got "
                                 f"{output_shape!r}")
            self._output_shape = output_shape
        else:
            raise TypeError(f"ExpressionLayer: output_shape must be None, 'auto', a tuple or a callable, got "
                            f"{output_shape!r}")
        self.function = function

    def get_output_shape_for(self, input_shape):
        if self._output_shape is None:
            return input_shape
        if isinstance(self._output_shape, str):  # 'auto'
            shape = tuple(1 if d is None else d for d in input_shape)
            return tuple(int(d) for d in np.shape(self.function(np.zeros(shape, dtype=np.float32))))
        if callable(self._output_shape):
            return tuple(self._output_shape(input_shape))
        return self._output_shape

    def get_output_for(self, input, **kwargs):
        return self.function(input)


def _shared_axes(shared_axes, who):
    """``shared_axes`` as the engine's JSON ('auto' or a list of ints); the engine checks the range."""
    if shared_axes == "auto":
        return "auto"
    if isinstance(shared_axes, numbers.Integral) and not isinstance(shared_axes, bool):
        shared_axes = (shared_axes,)
    try:
        return [int(a) for a in shared_axes]
    except (TypeError, ValueError):
        raise TypeError(f"{who}: shared_axes must be 'auto', an int or a tuple of ints, got {shared_axes!r}") from None


class BiasLayer(EngineBacked, Layer):
    """Adds a learned bias: ``input + b``, with ``b`` broadcast over ``shared_axes``.

    Parameters
    ----------
    incoming : Layer or tuple
    b : Initializer, numpy array, SharedVariable or None
        Biases (tagged not regularizable) of the shape of the input axes not in ``shared_axes``; None for no bias
        (the layer is then the identity). Default ``Constant(0)``.
    shared_axes : 'auto', int or tuple of int
        Axes over which one bias is shared; ``'auto'`` means all axes but the second (one bias per channel/unit).
    """

    def __init__(self, incoming, b=init.Constant(0), shared_axes="auto", **kwargs):
        super().__init__(incoming, **kwargs)
        axes = _shared_axes(shared_axes, "BiasLayer")
        if b is None:
            self.b = None
        else:
            shape = self._engine_param_shapes(shared_axes=axes, b=CONSTANT)["b"]
            self.b = self.add_param(b, shape, "b", regularizable=False)
        self._create_engine(shared_axes=axes)
        self.shared_axes = _axes_of(self.input_shape, axes)

    _engine_params = ("b",)


class ScaleLayer(EngineBacked, Layer):
    """Multiplies by learned scales: ``input * scales``, with ``scales`` broadcast over ``shared_axes``.

    Parameters
    ----------
    incoming : Layer or tuple
    scales : Initializer, numpy array or SharedVariable
        Scales (tagged not regularizable) of the shape of the input axes not in ``shared_axes``. Default
        ``Constant(1)``.
    shared_axes : 'auto', int or tuple of int
        As for :class:`BiasLayer`.
    """

    def __init__(self, incoming, scales=init.Constant(1), shared_axes="auto", **kwargs):
        super().__init__(incoming, **kwargs)
        axes = _shared_axes(shared_axes, "ScaleLayer")
        shape = self._engine_param_shapes(shared_axes=axes, scales=CONSTANT)["scales"]
        if scales is None:
            raise TypeError("ScaleLayer: scales cannot be None")
        self.scales = self.add_param(scales, shape, "scales", regularizable=False)
        self._create_engine(shared_axes=axes)
        self.shared_axes = tuple(_axes_of(self.input_shape, axes))

    _engine_params = ("scales",)


def _axes_of(input_shape, axes):
    """Lasagne's ``shared_axes`` attribute: 'auto' means all axes but the second."""
    return (0,) + tuple(range(2, len(input_shape))) if axes == "auto" else tuple(axes)
