"""Fully connected and elementwise-nonlinearity layers."""
import numbers

import numpy as np

from .. import init
from .. import nonlinearities
from .. import tensor as T
from .._core import SharedVariable
from .base import Layer, _nonlinearity_name
from .native import EngineLayer, nonlinearity_name, shared_ref

__all__ = ["DenseLayer", "NonlinearityLayer"]


class DenseLayer(Layer):
    """A fully connected layer: ``nonlinearity(dot(input, W) + b)``.

    Parameters
    ----------
    incoming : Layer or tuple
        Input layer or shape. Axes after the first ``num_leading_axes`` are flattened into the ``K`` inputs of
        each unit and must have known sizes.
    num_units : int
        Number of units ``N`` (positive).
    W : Initializer, numpy array, callable or SharedVariable
        Weights of shape ``(K, N)``; default :class:`agentnet.init.GlorotUniform`.
    b : Initializer, numpy array, callable, SharedVariable or None
        Biases of shape ``(N,)`` (tagged not regularizable); None for no bias. Default ``Constant(0.)``.
    nonlinearity : callable or None
        Applied to the activation; None means linear. Default :func:`agentnet.nonlinearities.rectify`.
    num_leading_axes : int
        Number of leading axes kept in the output (1: ``(batch, ...) -> (batch, N)``; 2: ``(batch, time, ...) ->
        (batch, time, N)``). Negative values count from the end: -1 applies the layer to the last axis only.

    Shapes
    ------
    input : ``lead + trailing`` with ``len(lead) == num_leading_axes``
    output : ``lead + (num_units,)``
    """

    def __init__(self, incoming, num_units, W=init.GlorotUniform(), b=init.Constant(0.),
                 nonlinearity=nonlinearities.rectify, num_leading_axes=1, **kwargs):
        super().__init__(incoming, **kwargs)
        if isinstance(num_units, bool) or not isinstance(num_units, numbers.Integral):
            raise TypeError(f"DenseLayer: num_units must be a positive int, got {num_units!r}")
        if num_units <= 0:
            raise ValueError(f"DenseLayer: num_units must be positive, got {num_units}")
        if nonlinearity is not None and not callable(nonlinearity):
            raise TypeError(f"DenseLayer: nonlinearity must be callable or None, got {nonlinearity!r}")
        self.nonlinearity = nonlinearities.identity if nonlinearity is None else nonlinearity
        self.num_units = int(num_units)
        num_leading_axes = int(num_leading_axes)
        ndim = len(self.input_shape)
        if num_leading_axes >= ndim:
            raise ValueError(f"Got num_leading_axes={num_leading_axes} for a {ndim}-dimensional input, leaving no "
                             "trailing axes for the dot product.")
        if num_leading_axes < -ndim:
            raise ValueError(f"Got num_leading_axes={num_leading_axes} for a {ndim}-dimensional input, requesting "
                             "more trailing axes than there are input dimensions.")
        self.num_leading_axes = num_leading_axes
        trailing = self.input_shape[num_leading_axes:]
        if any(s is None for s in trailing):
            raise ValueError(f"A DenseLayer requires a fixed input shape (except for the leading axes). Got "
                             f"{self.input_shape!r} for num_leading_axes={num_leading_axes}.")
        num_inputs = int(np.prod(trailing))
        self.num_inputs = num_inputs
        self.W = self.add_param(W, (num_inputs, self.num_units), name="W")
        if b is None:
            self.b = None
        else:
            self.b = self.add_param(b, (self.num_units,), name="b", regularizable=False)
        # The engine computes the layer when its parameters are shared variables (the usual case); tied weights
        # given as expressions are composed in Python instead.
        self._engine = None
        if isinstance(self.W, SharedVariable) and (self.b is None or isinstance(self.b, SharedVariable)):
            self._engine = EngineLayer("DenseLayer", [self.input_shape], num_units=self.num_units,
                                       num_leading_axes=num_leading_axes, W=shared_ref(self.W), b=shared_ref(self.b),
                                       nonlinearity=nonlinearity_name(self.nonlinearity) or "linear", name=self.name)

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape[:self.num_leading_axes]) + (self.num_units,)

    def get_output_for(self, input, **kwargs):
        if self._engine is not None:
            out = self._engine.output([input], kwargs.get("deterministic", False))
            return out if nonlinearity_name(self.nonlinearity) else self.nonlinearity(out)
        ndim = input.ndim if hasattr(input, "ndim") else np.ndim(input)
        num_leading_axes = self.num_leading_axes
        if num_leading_axes < 0:
            num_leading_axes += ndim
        if ndim > num_leading_axes + 1:
            input = T.flatten(input, num_leading_axes + 1)
        activation = T.dot(input, self.W)
        if self.b is not None:
            activation = activation + self.b
        return self.nonlinearity(activation)

    def _repr_args(self):
        args = [f"num_units={self.num_units}", f"nonlinearity={_nonlinearity_name(self.nonlinearity)}"]
        if self.num_leading_axes != 1:
            args.append(f"num_leading_axes={self.num_leading_axes}")
        if self.b is None:
            args.append("b=None")
        return args


class NonlinearityLayer(Layer):
    """Applies ``nonlinearity`` elementwise (or row-wise for softmax); the shape is unchanged.

    Parameters
    ----------
    incoming : Layer or tuple
    nonlinearity : callable or None
        Default :func:`agentnet.nonlinearities.rectify`; None means linear.
    """

    def __init__(self, incoming, nonlinearity=nonlinearities.rectify, **kwargs):
        super().__init__(incoming, **kwargs)
        if nonlinearity is not None and not callable(nonlinearity):
            raise TypeError(f"NonlinearityLayer: nonlinearity must be callable or None, got {nonlinearity!r}")
        self.nonlinearity = nonlinearities.identity if nonlinearity is None else nonlinearity

    def get_output_for(self, input, **kwargs):
        return self.nonlinearity(input)

    def _repr_args(self):
        return [f"nonlinearity={_nonlinearity_name(self.nonlinearity)}"]
