"""Embedding layer (Lasagne's ``layers.embedding``)."""
import numbers

from .. import init
from .. import tensor as T
from .base import Layer

__all__ = ["EmbeddingLayer"]


class EmbeddingLayer(Layer):
    """Looks up rows of a learned matrix ``W`` by integer index: ``output = W[input]``.

    Parameters
    ----------
    incoming : Layer or tuple
        Integer indices in ``[0, input_size)``, any shape.
    input_size : int
        Number of distinct indices (rows of ``W``).
    output_size : int
        Embedding size (columns of ``W``).
    W : Initializer, numpy array or SharedVariable
        The ``(input_size, output_size)`` embedding matrix; default :class:`agentnet.init.Normal`.

    Shapes
    ------
    output : ``input_shape + (output_size,)``
    """

    def __init__(self, incoming, input_size, output_size, W=init.Normal(), **kwargs):
        super().__init__(incoming, **kwargs)
        for what, v in (("input_size", input_size), ("output_size", output_size)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral):
                raise TypeError(f"EmbeddingLayer: {what} must be a positive int, got {v!r}")
            if v <= 0:
                raise ValueError(f"EmbeddingLayer: {what} must be positive, got {v}")
        self.input_size = int(input_size)
        self.output_size = int(output_size)
        self.W = self.add_param(W, (self.input_size, self.output_size), name="W")

    def get_output_shape_for(self, input_shape):
        return tuple(input_shape) + (self.output_size,)

    def get_output_for(self, input, **kwargs):
        if input.dtype not in ("int32", "int64", "uint8", "int8", "int16"):
            raise TypeError(f"EmbeddingLayer: the input must be integer indices, got dtype {input.dtype}")
        return T.take(self.W, input, axis=0, negative_indices=False)

    def _repr_args(self):
        return [f"input_size={self.input_size}", f"output_size={self.output_size}"]
