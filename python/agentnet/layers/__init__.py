"""``agentnet.layers``: Lasagne-style layers built on ``agentnet.tensor``.

A network is a graph of :class:`Layer` objects starting at :class:`InputLayer`; :func:`get_output` builds its
symbolic output and :func:`get_all_params` collects its parameters (shared variables)::

    from agentnet import layers as L
    l_in = L.InputLayer((None, 4))
    l_hid = L.DenseLayer(l_in, 64)
    l_out = L.DenseLayer(l_hid, 2, nonlinearity=None)
    out = L.get_output(l_out)
"""
from .base import Layer, MergeLayer, create_param
from .input import InputLayer
from .dense import DenseLayer, NonlinearityLayer
from .helper import (count_params, get_all_layers, get_all_param_values, get_all_params, get_output,
                     get_output_shape, set_all_param_values)

__all__ = ["Layer", "MergeLayer", "create_param", "InputLayer", "DenseLayer", "NonlinearityLayer",
           "get_output", "get_output_shape", "get_all_layers", "get_all_params", "count_params",
           "get_all_param_values", "set_all_param_values"]
from .conv import BaseConvLayer, Conv1DLayer, Conv2DLayer
from .pool import GlobalPoolLayer, MaxPool1DLayer, MaxPool2DLayer, Pool1DLayer, Pool2DLayer
from .shape import DimshuffleLayer, FlattenLayer, PadLayer, ReshapeLayer, SliceLayer
from .merge import ConcatLayer, ElemwiseMergeLayer, ElemwiseSumLayer, autocrop, autocrop_array_shapes
from .special import BiasLayer, ExpressionLayer, ScaleLayer
from .noise import DropoutLayer, GaussianNoiseLayer
from .embedding import EmbeddingLayer
from .normalization import BatchNormLayer, batch_norm, get_batch_norm_updates

__all__ += ["BaseConvLayer", "Conv1DLayer", "Conv2DLayer", "GlobalPoolLayer", "MaxPool1DLayer", "MaxPool2DLayer",
            "Pool1DLayer", "Pool2DLayer", "DimshuffleLayer", "FlattenLayer", "PadLayer", "ReshapeLayer", "SliceLayer",
            "ConcatLayer", "ElemwiseMergeLayer", "ElemwiseSumLayer", "autocrop", "autocrop_array_shapes",
            "BiasLayer", "ExpressionLayer", "ScaleLayer", "DropoutLayer", "GaussianNoiseLayer", "EmbeddingLayer",
            "BatchNormLayer", "batch_norm", "get_batch_norm_updates"]
