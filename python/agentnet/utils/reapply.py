"""A part of a network applied again somewhere else, with the same parameters (the seed's
``agentnet.utils.reapply``)::

    l_in1 = InputLayer([None, 10])
    l_d1 = DenseLayer(l_in1, 20)
    l_d2 = DenseLayer(l_in1, 30)
    l_d3 = DenseLayer(ConcatLayer([l_d1, l_d2]), 20)
    l_in2 = InputLayer([None, 10])
    new_l_d3 = reapply(l_d3, {l_in1: l_in2})       # the whole network on another input
    l_in3 = InputLayer([None, 30])
    new_l_d3 = reapply(l_d3, {l_d2: l_in3})        # only l_d2 replaced

The engine's ``ReapplyLayer`` (``Sources/AgentNet/Utils/Reapply.swift``) computes it; nothing is copied, so
training either application trains both.
"""
from collections import OrderedDict

from ..layers.base import Layer
from ..layers.native import EngineLayer
from .. import _host
from .format import check_list, check_ordered_dict
from .layers import DictLayer, get_layer_dtype

__all__ = ["ReapplyLayer", "reapply"]


class ReapplyLayer(DictLayer):
    """Applies a part of a network to other inputs: a multi-output layer with one output per reapplied layer.

    Parameters
    ----------
    layers : dict {key: Layer} or list of Layer
        The layers to re-evaluate; a list gives keys ``0, 1, ...``. Each must have one output.
    replacements : dict {Layer: Layer}
        ``{old_layer: new_layer}``: the old layers' outputs are replaced by the new layers' (the incoming layers).
    output_shapes : dict or None
        Output shapes by key; by default the old layers' (the replacements are assumed to fit).
    output_dtypes : dict or None
        Output dtypes by key; by default the old layers'.
    name : str or None

    Notes
    -----
    Its parameters are those of the re-evaluated part (above the replaced layers), the very same objects as the
    original network's.
    """

    def __init__(self, layers, replacements, output_shapes=None, output_dtypes=None, **kwargs):
        if not isinstance(layers, dict):
            layers = OrderedDict(enumerate(check_list(layers)))
        self.layers = check_ordered_dict(layers)
        for k, l in self.layers.items():
            if not isinstance(l, Layer):
                raise TypeError(f"reapply: layers must be layers, got {type(l).__name__} for key {k!r}")
        if not isinstance(replacements, dict):
            raise TypeError(f"reapply: replacements must be a dictionary {{old_layer: new_layer}}, got "
                            f"{type(replacements).__name__}")
        if not replacements:
            raise ValueError("reapply: replacements are empty; give {old_layer: new_layer}")
        for old, new in replacements.items():
            if not isinstance(old, Layer) or not isinstance(new, Layer):
                raise TypeError(f"reapply: replacements must map layers to layers, got {type(old).__name__} -> "
                                f"{type(new).__name__}")
        output_shapes = output_shapes or OrderedDict((k, l.output_shape) for k, l in self.layers.items())
        output_dtypes = output_dtypes or OrderedDict((k, get_layer_dtype(l)) for k, l in self.layers.items())
        self.input_keys = list(replacements.keys())
        super().__init__(list(replacements.values()), output_shapes, output_dtypes, **kwargs)
        engine = self._make_engine_layer()
        facts = engine.describe()
        self.params = OrderedDict(self._param_from(key, index) for key, index in facts["param_sources"])
        self._attach_engine(engine)

    @staticmethod
    def _param_from(key, index):
        layer = _host.lookup(key)
        param = list(layer.params)[index]
        return param, set(layer.params[param])

    def _make_engine_layer(self):
        return EngineLayer("ReapplyLayer", [], name=self.name, host_key=self._key,
                           layers=[l._handle for l in self.layers.values()],
                           replacements=[[old._handle, new._handle]
                                         for old, new in zip(self.input_keys, self.input_layers)])

    def get_output_for(self, inputs, deterministic=False, **kwargs):
        self._handle
        outs = self.__dict__["_engine_layer"].outputs(list(inputs), deterministic, **kwargs)
        return OrderedDict(zip(self.keys(), outs))


def reapply(layer_or_layers, replacements, **kwargs):
    """``layer_or_layers`` applied again with ``replacements``, with the same parameters.

    Parameters
    ----------
    layer_or_layers : Layer, dict {key: Layer} or list of Layer
        What to re-evaluate.
    replacements : dict {Layer: Layer}
        ``{old_layer: replacement_layer}``.
    **kwargs
        Passed to :class:`ReapplyLayer` (``name``, ``output_shapes``, ``output_dtypes``).

    Returns
    -------
    Layer, dict or list of Layer
        A single layer for a single layer, a dict with the same keys for a dict, a list for a list (or tuple).
    """
    if not isinstance(replacements, dict):
        raise TypeError("reapply: replacements must be a dictionary {old_layer: new_layer}")
    if not (isinstance(layer_or_layers, Layer) or hasattr(layer_or_layers, "__getitem__")):
        raise TypeError("reapply: layers must be a single layer, a dict or a list of layers, got "
                        f"{type(layer_or_layers).__name__}")
    reapplied = ReapplyLayer(layer_or_layers, replacements, **kwargs)
    if isinstance(layer_or_layers, Layer):
        return reapplied[0]
    if isinstance(layer_or_layers, dict):
        return {k: reapplied[k] for k in layer_or_layers.keys()}
    return [reapplied[i] for i in range(len(layer_or_layers))]
