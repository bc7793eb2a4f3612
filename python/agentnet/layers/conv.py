"""Convolution layers (Lasagne's ``layers.conv``): :class:`Conv1DLayer` and :class:`Conv2DLayer` on
``(batch, channels, spatial...)`` inputs, computed by the engine layers of the same names
(``Sources/AgentNet/Layers/ConvLayers.swift``), which check the arguments and derive the shapes.

A ``convolution`` other than the default is a user's function: the layer is then a callback layer that calls it as
Lasagne does and adds the bias and nonlinearity to its result."""
import numbers

from .. import init
from .. import nonlinearities
from .. import tensor as T
from ..tensor import nnet
from .base import Layer, _nonlinearity_name
from ._zoo import CONSTANT, EngineBacked
from .dense import DenseLayer

__all__ = ["BaseConvLayer", "Conv1DLayer", "Conv2DLayer", "conv_output_length"]

conv_output_length = nnet.conv_output_length


def as_tuple(x, N, t=None, name=None):
    """``x`` as a tuple of ``N`` elements (Lasagne's ``utils.as_tuple``); a single value is repeated. ``name``
    (the argument) prefixes error messages."""
    where = f"{name}: " if name else ""
    try:
        X = tuple(x)
    except TypeError:
        X = (x,) * N
    if (t is not None) and not all(isinstance(v, t) and not isinstance(v, bool) for v in X):
        raise TypeError(f"{where}expected a single value or an iterable of {t.__name__}, got {x!r} instead")
    if len(X) != N:
        raise ValueError(f"{where}expected a single value or an iterable with length {N}, got {x!r} instead")
    return X


class BaseConvLayer(EngineBacked, Layer):
    """An ``n``-D convolution: ``nonlinearity(conv(input, W) + b)``.

    Parameters
    ----------
    incoming : Layer or tuple
        Input of shape ``(batch, channels) + n spatial dims``; the channel count must be known.
    num_filters : int
        Number of filters (output channels).
    filter_size : int or tuple of int
    stride : int or tuple of int
    pad : int, tuple of int, 'valid', 'full' or 'same'
        'valid' (0), 'full' (``filter_size - 1``), 'same' (``filter_size // 2``, odd filter sizes only: the output
        keeps the input's size when ``stride`` is 1) or explicit zero padding on each side.
    untie_biases : bool
        False: one bias per filter, shape ``(num_filters,)``. True: one per output position, shape
        ``(num_filters,) + output spatial shape`` (requires known input sizes).
    W : Initializer, array, callable or SharedVariable
        Filters of shape ``(num_filters, channels) + filter_size``; default GlorotUniform.
    b : Initializer, array, callable, SharedVariable or None
        Biases (not regularizable); None for none.
    nonlinearity : callable or None
        Default rectify; None is linear.
    flip_filters : bool
        True (default, as Lasagne and Theano): a true convolution, the filters are flipped. False: cross-correlation
        (what most other frameworks call convolution; use it for weights trained there).
    filter_dilation : int or tuple of int
        Spacing between filter taps (1: dense filters).
    n : int or None
        Number of spatial dimensions; inferred from the input shape when None.
    """

    def __init__(self, incoming, num_filters, filter_size, stride=1, pad=0, untie_biases=False,
                 W=init.GlorotUniform(), b=init.Constant(0.), nonlinearity=nonlinearities.rectify, flip_filters=True,
                 n=None, filter_dilation=1, **kwargs):
        super().__init__(incoming, **kwargs)
        if nonlinearity is not None and not callable(nonlinearity):
            raise TypeError(f"{type(self).__name__}: nonlinearity must be callable or None, got {nonlinearity!r}")
        self.set_nonlinearity(nonlinearity)
        if n is None:
            n = len(self.input_shape) - 2
        elif n != len(self.input_shape) - 2:
            raise ValueError(f"Tried to create a {n}D convolution layer with input shape {self.input_shape!r}. "
                             f"Expected {n + 2} input dimensions (batchsize, channels, {n} spatial dimensions).")
        self.n = n
        if isinstance(num_filters, bool) or not isinstance(num_filters, numbers.Integral):
            raise ValueError(f"{type(self).__name__}: num_filters must be a positive int, got {num_filters!r}")
        self.num_filters = int(num_filters)
        self.filter_size = tuple(int(v) for v in as_tuple(filter_size, max(n, 1), numbers.Integral, "filter_size"))
        self.stride = tuple(int(v) for v in as_tuple(stride, max(n, 1), numbers.Integral, "stride"))
        self.filter_dilation = tuple(int(v) for v in as_tuple(filter_dilation, max(n, 1), numbers.Integral, "filter_dilation"))
        if any(v <= 0 for v in self.filter_size + self.stride + self.filter_dilation):
            raise ValueError(f"{type(self).__name__}: filter_size, stride and filter_dilation must be positive, got "
                             f"{self.filter_size}, {self.stride} and {self.filter_dilation}")
        self.flip_filters = bool(flip_filters)
        self.untie_biases = bool(untie_biases)
        if pad == "same" and any(s % 2 == 0 for s in self.filter_size):
            raise NotImplementedError("`same` padding requires odd filter size.")
        if pad == "valid":
            self.pad = as_tuple(0, n)
        elif isinstance(pad, str):
            self.pad = pad
        else:
            self.pad = tuple(int(v) for v in as_tuple(pad, max(n, 1), numbers.Integral, "pad"))
            if any(p < 0 for p in self.pad):
                raise ValueError(f"{type(self).__name__}: padding must be non-negative, got {pad!r}")
        self._engine_kind = f"Conv{n}DLayer"
        conv_attrs = dict(num_filters=self.num_filters, filter_size=list(self.filter_size),
                                stride=list(self.stride), filter_dilation=list(self.filter_dilation),
                                pad=self.pad if isinstance(self.pad, str) else list(self.pad),
                                flip_filters=self.flip_filters, untie_biases=self.untie_biases)
        shapes = self._engine_param_shapes(W=CONSTANT, b=None if b is None else CONSTANT, **conv_attrs)
        self.W = self.add_param(W, shapes["W"], name="W")
        self.b = None if b is None else self.add_param(b, shapes["b"], name="b", regularizable=False)
        self._engine_config = dict(conv_attrs, nonlinearity="linear")

    _engine_params = ("W", "b")

    def _computed_by_engine(self):
        return getattr(self, "convolution", None) in (None, _DEFAULT_CONVOLUTION.get(self.n))

    def _make_engine_layer(self):
        layer = super()._make_engine_layer()
        if self._computed_by_engine():
            layer.set_nonlinearity(self.nonlinearity)
        return layer

    nonlinearity = DenseLayer.nonlinearity
    set_nonlinearity = DenseLayer.set_nonlinearity
    b = DenseLayer.b

    def get_W_shape(self):
        """Shape of the filters: ``(num_filters, input channels) + filter_size``."""
        return (self.num_filters, self.input_shape[1]) + self.filter_size

    @property
    def _numeric_pad(self):
        """Padding as integers per spatial axis (Lasagne's 'full' and 'same' resolved)."""
        dilated = tuple((k - 1) * d + 1 for k, d in zip(self.filter_size, self.filter_dilation))
        if self.pad == "full":
            return tuple(k - 1 for k in dilated)
        if self.pad == "same":
            return tuple(k // 2 for k in dilated)
        return self.pad

    def get_output_for(self, input, **kwargs):
        if self._computed_by_engine():
            return super().get_output_for(input, **kwargs)
        # a user's convolution function: Lasagne's composition around it
        conved = self.convolve(input, **kwargs)
        if self.b is None:
            activation = conved
        elif self.untie_biases:
            activation = conved + T.dimshuffle(self.b, "x", *range(self.n + 1))
        else:
            activation = conved + T.dimshuffle(self.b, "x", 0, *("x",) * self.n)
        return self.nonlinearity(activation)

    def convolve(self, input, **kwargs):
        """The convolution alone (without bias and nonlinearity)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement convolve")

    def _repr_args(self):
        args = [f"num_filters={self.num_filters}", f"filter_size={self.filter_size}"]
        if any(s != 1 for s in self.stride):
            args.append(f"stride={self.stride}")
        if self.pad != (0,) * self.n:
            args.append(f"pad={self.pad!r}")
        if any(d != 1 for d in self.filter_dilation):
            args.append(f"filter_dilation={self.filter_dilation}")
        args.append(f"nonlinearity={_nonlinearity_name(self.nonlinearity)}")
        if not self.flip_filters:
            args.append("flip_filters=False")
        if self.untie_biases:
            args.append("untie_biases=True")
        if self.b is None:
            args.append("b=None")
        return args


_DEFAULT_CONVOLUTION = {1: nnet.conv1d, 2: nnet.conv2d}


class Conv2DLayer(BaseConvLayer):
    """2-D convolution on ``(batch, channels, rows, cols)`` (see :class:`BaseConvLayer` for the parameters).

    ``convolution`` (default :func:`agentnet.tensor.nnet.conv2d`) is called as Lasagne does:
    ``convolution(input, W, input_shape, W_shape, subsample=, border_mode=, filter_flip=, filter_dilation=)``.
    """

    def __init__(self, incoming, num_filters, filter_size, stride=(1, 1), pad=0, untie_biases=False,
                 W=init.GlorotUniform(), b=init.Constant(0.), nonlinearity=nonlinearities.rectify, flip_filters=True,
                 convolution=nnet.conv2d, filter_dilation=(1, 1), **kwargs):
        super().__init__(incoming, num_filters, filter_size, stride, pad, untie_biases, W, b, nonlinearity,
                         flip_filters, n=2, filter_dilation=filter_dilation, **kwargs)
        self.convolution = convolution
        self._handle  # the engine checks the arguments now, not at the first get_output

    def convolve(self, input, **kwargs):
        return self.convolution(input, self.W, self.input_shape, self.get_W_shape(), subsample=self.stride,
                                border_mode=self._numeric_pad, filter_flip=self.flip_filters,
                                filter_dilation=self.filter_dilation)


class Conv1DLayer(BaseConvLayer):
    """1-D convolution on ``(batch, channels, length)`` (see :class:`BaseConvLayer` for the parameters)."""

    def __init__(self, incoming, num_filters, filter_size, stride=1, pad=0, untie_biases=False,
                 W=init.GlorotUniform(), b=init.Constant(0.), nonlinearity=nonlinearities.rectify, flip_filters=True,
                 convolution=nnet.conv1d, filter_dilation=1, **kwargs):
        super().__init__(incoming, num_filters, filter_size, stride, pad, untie_biases, W, b, nonlinearity,
                         flip_filters, n=1, filter_dilation=filter_dilation, **kwargs)
        self.convolution = convolution
        self._handle  # the engine checks the arguments now, not at the first get_output

    def convolve(self, input, **kwargs):
        return self.convolution(input, self.W, self.input_shape, self.get_W_shape(), subsample=self.stride,
                                border_mode=self._numeric_pad, filter_flip=self.flip_filters,
                                filter_dilation=self.filter_dilation)
