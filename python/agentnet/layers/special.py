"""Small special-purpose layers (Lasagne's ``layers.special``): expression, bias and scale layers."""
import numbers

import numpy as np

from .. import init
from .. import tensor as T
from .base import Layer

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


def _shared_axes(shared_axes, ndim, who):
    if shared_axes == "auto":
        # default: share over the batch axis and all spatial axes (everything but axis 1)
        return (0,) + tuple(range(2, ndim))
    if isinstance(shared_axes, numbers.Integral) and not isinstance(shared_axes, bool):
        shared_axes = (shared_axes,)
    try:
        shared_axes = tuple(int(a) for a in shared_axes)
    except (TypeError, ValueError):
        raise TypeError(f"{who}: shared_axes must be 'auto', an int or a tuple of ints, got {shared_axes!r}") from None
    for a in shared_axes:
        if not 0 <= a < ndim:
            raise ValueError(f"{who}: shared axis {a} is out of range for a {ndim}-dimensional input")
    return shared_axes


def _broadcast_pattern(param_ndim, shared_axes, ndim):
    axes = iter(range(param_ndim))
    return ["x" if input_axis in shared_axes else next(axes) for input_axis in range(ndim)]


class BiasLayer(Layer):
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
        self.shared_axes = _shared_axes(shared_axes, len(self.input_shape), "BiasLayer")
        if b is None:
            self.b = None
        else:
            shape = [size for axis, size in enumerate(self.input_shape) if axis not in self.shared_axes]
            if any(size is None for size in shape):
                raise ValueError("BiasLayer needs specified input sizes for all axes that biases are not shared "
                                 f"over (input shape {self.input_shape!r}, shared_axes {self.shared_axes!r})")
            self.b = self.add_param(b, tuple(shape), "b", regularizable=False)

    def get_output_for(self, input, **kwargs):
        if self.b is None:
            return input
        pattern = _broadcast_pattern(self.b.ndim, self.shared_axes, input.ndim)
        return input + T.dimshuffle(self.b, pattern)


class ScaleLayer(Layer):
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
        self.shared_axes = _shared_axes(shared_axes, len(self.input_shape), "ScaleLayer")
        shape = [size for axis, size in enumerate(self.input_shape) if axis not in self.shared_axes]
        if any(size is None for size in shape):
            raise ValueError("ScaleLayer needs specified input sizes for all axes that scales are not shared over "
                             f"(input shape {self.input_shape!r}, shared_axes {self.shared_axes!r})")
        if scales is None:
            raise TypeError("ScaleLayer: scales cannot be None")
        self.scales = self.add_param(scales, tuple(shape), "scales", regularizable=False)

    def get_output_for(self, input, **kwargs):
        pattern = _broadcast_pattern(self.scales.ndim, self.shared_axes, input.ndim)
        return input * T.dimshuffle(self.scales, pattern)
