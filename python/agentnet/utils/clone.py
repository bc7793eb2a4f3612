"""``clone_network`` and ``reapply`` (the seed's ``agentnet.utils.clone``).

A clone is ``copy.deepcopy`` of the layer graph with a memo, as in the seed: every copied layer gets its own engine
layer and every copied parameter a new shared value holding the original's current value, so the clone starts equal
to the original and then moves independently. The memo decides what is shared instead of copied.
"""
import copy
import warnings
from collections import OrderedDict

from .._core import SharedVariable
from ..layers.base import Layer
from ..layers.helper import get_all_layers, get_all_params, get_output
from ..layers.input import InputLayer
from .layers import DictLayer

__all__ = ["clone_network", "reapply", "ReapplyLayer"]

#: Memo key under which the name prefix reaches the layers' and shared variables' ``__deepcopy__``.
NAME_PREFIX_KEY = "agentnet.clone.name_prefix"


def _flatten(network, what):
    """``(layers, rebuild)``: the layers of a layer, list, tuple or dict, and a function giving the same container."""
    if isinstance(network, Layer):
        return [network], lambda out: out[0]
    if isinstance(network, dict):
        keys = list(network.keys())
        values = list(network.values())
        kind = type(network)
        return values, lambda out: kind(zip(keys, out)) if kind is not dict else dict(zip(keys, out))
    if isinstance(network, (list, tuple)):
        kind = type(network)
        return list(network), lambda out: kind(out)
    raise TypeError(f"{what}: expected a layer, or a list, tuple or dict of layers, got {type(network).__name__}")


def _check_layers(layers, what):
    for l in layers:
        if not isinstance(l, Layer):
            raise TypeError(f"{what}: expected layers, got {type(l).__name__} {l!r}")


def clone_network(original_network, bottom_layers=None, share_params=False, share_inputs=True, name_prefix=None):
    """A copy of a network: the same architecture with its own layers and (by default) its own parameters.

    Parameters
    ----------
    original_network : Layer, list, tuple or dict of Layer
        The output layers of the network to copy.
    bottom_layers : None, Layer, list, tuple or dict
        Layers reused as they are (with everything below them): a layer, list or tuple of layers; or a dict
        ``{original layer: replacement layer}`` to put the replacement where the original was.
    share_params : bool
        If True, the clone uses the original's parameters (the seed warns this may be unreliable; prefer
        :func:`reapply`). Otherwise parameters are copied, so the clone starts with the original's current values.
    share_inputs : bool
        If True (default), every InputLayer of the original is reused.
    name_prefix : str or None
        Prepended to the names of the copied layers and parameters (``"target_net."`` gives ``"target_net.dense.W"``).

    Returns
    -------
    The clone, in the container type of ``original_network`` (a layer, list, tuple or dict).
    """
    outputs, rebuild = _flatten(original_network, "clone_network")
    _check_layers(outputs, "clone_network")
    if name_prefix is not None and not isinstance(name_prefix, str):
        raise TypeError(f"clone_network: name_prefix must be a string or None, got {type(name_prefix).__name__}")
    memo = {}
    if bottom_layers is not None:
        if isinstance(bottom_layers, dict):
            _check_layers(list(bottom_layers) + list(bottom_layers.values()), "clone_network: bottom_layers")
            memo.update((id(k), v) for k, v in bottom_layers.items())
            kept = list(bottom_layers.values())
        else:
            kept, _ = _flatten(bottom_layers, "clone_network: bottom_layers")
            _check_layers(kept, "clone_network: bottom_layers")
            memo.update((id(l), l) for l in kept)
    copied_layers = [l for l in get_all_layers(outputs) if id(l) not in memo]
    if share_inputs:
        memo.update((id(l), l) for l in copied_layers if isinstance(l, InputLayer))
    if share_params:
        warnings.warn("clone_network: share_params=True may be unreliable; agentnet.utils.clone.reapply "
                      "re-evaluates a network with shared parameters", stacklevel=2)
        memo.update((id(p), p) for p in get_all_params(outputs))
    if name_prefix:
        memo[NAME_PREFIX_KEY] = name_prefix
    # Originals referenced by the memo must stay alive while it is in use (deepcopy's own rule).
    memo.setdefault(id(memo), []).extend([outputs, bottom_layers])
    return rebuild([copy.deepcopy(l, memo) for l in outputs])


class ReapplyLayer(DictLayer):
    """Re-evaluates a part of a network with some of its layers replaced (the seed's ``ReapplyLayer``): outputs
    are ``get_output(layers, inputs={old: new})``, computed with the original parameters (collect parameters
    for training from the original network; this layer owns none).

    Parameters
    ----------
    layers : list of Layer
        The layers whose outputs are recomputed (one output of this layer each, in order).
    replacements : dict
        ``{layer of the original graph: layer whose output replaces it}``.
    name : str or None
    """

    def __init__(self, layers, replacements, name=None):
        self._reapplied = list(layers)
        self._replaced = list(replacements.keys())
        super().__init__(list(replacements.values()), [l.output_shape for l in self._reapplied],
                         output_dtypes=[getattr(l, "output_dtype", None) or "float32" for l in self._reapplied],
                         name=name)

    def get_output_shape_for(self, input_shapes):
        return OrderedDict((i, l.output_shape) for i, l in enumerate(self._reapplied))

    def get_output_for(self, inputs, **kwargs):
        outs = get_output(self._reapplied, inputs=dict(zip(self._replaced, inputs)), **kwargs)
        return OrderedDict(enumerate(outs))


def reapply(layer_or_layers, new_inputs, **kwargs):
    """The output layers of a network re-evaluated with some layers replaced, sharing every parameter.

    Parameters
    ----------
    layer_or_layers : Layer, list, tuple or dict of Layer
    new_inputs : dict
        ``{layer of the original network: layer to use in its place}``.
    **kwargs
        ``name`` of the :class:`ReapplyLayer`.

    Returns
    -------
    A layer for a layer, a list for a list (tuple for a tuple), a dict for a dict.
    """
    outputs, rebuild = _flatten(layer_or_layers, "reapply")
    _check_layers(outputs, "reapply")
    if not isinstance(new_inputs, dict) or not new_inputs:
        raise TypeError(f"reapply: new_inputs must be a non-empty dict {{old layer: new layer}}, got {new_inputs!r}")
    _check_layers(list(new_inputs) + list(new_inputs.values()), "reapply: new_inputs")
    layer = ReapplyLayer(outputs, new_inputs, **kwargs)
    return rebuild([layer[i] for i in range(len(outputs))])
