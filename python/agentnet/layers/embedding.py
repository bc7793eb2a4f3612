"""Embedding layer (Lasagne's ``layers.embedding``), computed by the engine (``Sources/AgentNet/Layers/
EmbeddingLayer.swift``)."""
import numbers

from .. import init
from .base import Layer
from ._zoo import CONSTANT, EngineBacked

__all__ = ["EmbeddingLayer"]


class EmbeddingLayer(EngineBacked, Layer):
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
        self.input_size = int(input_size)
        self.output_size = int(output_size)
        sizes = dict(input_size=self.input_size, output_size=self.output_size)
        shape = self._engine_param_shapes(W=CONSTANT, **sizes)["W"]
        self.W = self.add_param(W, shape, name="W")
        self._create_engine(**sizes)

    _engine_params = ("W",)

    def _repr_args(self):
        return [f"input_size={self.input_size}", f"output_size={self.output_size}"]
