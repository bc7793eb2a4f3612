"""How the agent modules take their arguments: layers named in messages, and values (layers, expressions, arrays)
wrapped as layers of a given shape."""
import numpy as np

from .. import tensor as T
from .._core import SharedVariable, Variable, constant
from ..layers.base import Layer
from ..layers.input import InputLayer


def label(layer):
    """``DenseLayer 'q'``, or the type alone for an unnamed layer: how messages name a layer."""
    name = getattr(layer, "name", None)
    return f"{type(layer).__name__} {name!r}" if name else type(layer).__name__


def is_zeros(given):
    """Whether initial values were left to the default: None or ``'zeros'``."""
    return given is None or (isinstance(given, str) and given == "zeros")


def as_layer(value, layer, what, sequence_length=None):
    """``value`` as a layer fitting ``layer``'s shape (a layer or a shape): a layer, or an expression/array wrapped
    in an InputLayer (the seed's ``_check_layer``); with ``sequence_length``, ``[batch, tick] + shape[1:]``."""
    if isinstance(value, Layer):
        return value
    shape = tuple(layer.output_shape) if isinstance(layer, Layer) else tuple(layer)
    if sequence_length is not None:
        shape = shape[:1] + (sequence_length,) + shape[1:]
    x = value if isinstance(value, Variable) else constant(np.asarray(value))
    if x.ndim != len(shape):
        raise ValueError(f"{what}: expected {len(shape)} dimensions {shape}, got an expression of {x.ndim}")
    if isinstance(x, SharedVariable):  # an InputLayer takes an expression, not the shared value itself
        x = T.cast(x, x.dtype)
    return InputLayer(shape, input_var=x, name=what)
