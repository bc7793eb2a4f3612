"""Fully connected and elementwise-nonlinearity layers."""
import numbers

import numpy as np

from .. import init
from .. import nonlinearities
from .base import Layer, _nonlinearity_name
from .native import EngineLayer, shared_ref

__all__ = ["DenseLayer", "NonlinearityLayer"]


def _engine_output_for(self, input, deterministic=False, **kwargs):
    """The symbolic output for ``input``, built by this layer's engine counterpart (Lasagne's ``get_output_for``)."""
    self._handle
    return self.__dict__["_engine_layer"].output([input], deterministic)


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
        self.set_nonlinearity(nonlinearity)
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
        self._handle  # the engine layer checks the parameters now, not at the first get_output

    def _make_engine_layer(self):
        layer = EngineLayer("DenseLayer", [self.input_shape], num_units=self.num_units,
                            num_leading_axes=self.num_leading_axes, W=shared_ref(self.W), b=shared_ref(self.b),
                            nonlinearity="linear", name=self.name, host_key=self._key)
        layer.set_nonlinearity(self.nonlinearity)
        return layer

    @property
    def nonlinearity(self):
        return self.__dict__["_nonlinearity"]

    @nonlinearity.setter
    def nonlinearity(self, f):
        """Replaces the nonlinearity in the engine layer too (``batch_norm`` moves it after the normalization)."""
        self.set_nonlinearity(f)

    def set_nonlinearity(self, f):
        """Replaces the nonlinearity (None means linear)."""
        if f is not None and not callable(f):
            raise TypeError(f"{type(self).__name__}: nonlinearity must be callable or None, got {f!r}")
        f = nonlinearities.identity if f is None else f
        engine = self.__dict__.get("_engine_layer")
        if engine is not None and self._computed_by_engine():
            engine.set_nonlinearity(f)
        self.__dict__["_nonlinearity"] = f

    @property
    def b(self):
        return self.__dict__.get("_b")

    @b.setter
    def b(self, value):
        """Setting ``b = None`` drops the bias, in the engine layer too (``batch_norm``); other values are fixed at
        construction."""
        engine = self.__dict__.get("_engine_layer")
        if engine is not None:
            if value is not None:
                raise AttributeError(f"{type(self).__name__}.b can only be set to None (dropping the bias) after "
                                     "construction")
            if self.__dict__.get("_b") is not None:
                if self.__dict__["_b"] in self.params:
                    del self.params[self.__dict__["_b"]]
                if self._computed_by_engine():
                    engine.remove_bias()
        self.__dict__["_b"] = value

    def _computed_by_engine(self):
        return True

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape[:self.num_leading_axes]) + (self.num_units,)

    get_output_for = _engine_output_for

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
        self.nonlinearity = nonlinearity
        self._handle

    def _make_engine_layer(self):
        layer = EngineLayer("NonlinearityLayer", [self.input_shape], nonlinearity="linear", name=self.name,
                            host_key=self._key)
        layer.set_nonlinearity(self.nonlinearity)
        return layer

    nonlinearity = DenseLayer.nonlinearity
    set_nonlinearity = DenseLayer.set_nonlinearity
    _computed_by_engine = DenseLayer._computed_by_engine
    get_output_for = _engine_output_for

    def _repr_args(self):
        return [f"nonlinearity={_nonlinearity_name(self.nonlinearity)}"]
