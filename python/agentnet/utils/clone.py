"""Copies of networks (the seed's ``agentnet.utils.clone``), for target networks (an older snapshot of the
weights, see :mod:`agentnet.target_network`) and for applying a network twice with shared weights (DPG's critic on
the actor's actions; :func:`agentnet.utils.reapply` is the lighter way to do that).

The engine makes the copies (``Sources/AgentNet/Utils/Clone.swift``): each copied layer computes what its original
computes, with its own parameters. Here every engine copy gets a Python layer of the original's class whose
attributes point at the copies (``clone.W`` is the copy's weight, ``clone.input_layer`` the copy of the original's
input layer), so the copies are ordinary layers for ``get_output``, ``get_all_params``, persistence and a second
clone. Layers written in Python (a ``Layer`` subclass, ``ExpressionLayer``) are copied the same way: the copy
calls the original's ``get_output_for`` and reads its own parameters.
"""
import ctypes
import warnings
from collections import OrderedDict

from .. import _host, _lib
from .._core import SharedVariable, c_i64p, check, lib
from ..layers._mirror import ParamDict
from ..layers.base import Layer
from ..layers.input import InputLayer
from ..layers.native import EngineLayer
from .format import check_ordered_dict
from .reapply import ReapplyLayer, reapply  # noqa: F401  (also importable from here)

_lib.declare("agn_clone_network", c_i64p, ctypes.c_int64, c_i64p, ctypes.c_int64, c_i64p, c_i64p, ctypes.c_int64,
             ctypes.c_int32, ctypes.c_int32, ctypes.c_char_p, c_i64p)
_lib.declare("agn_clone_layers", ctypes.c_int64, c_i64p, c_i64p, ctypes.c_int64, c_i64p)
_lib.declare("agn_clone_outputs", ctypes.c_int64, c_i64p, ctypes.c_int64, c_i64p)
_lib.declare("agn_layer_set_host_key", ctypes.c_int64, ctypes.c_int64)

__all__ = ["clone_network", "reapply", "ReapplyLayer"]

#: Attributes of a layer that are not copied: its engine counterpart and key, parameters and caches (remade).
_OWN = ("_engine_layer", "_host_key", "_params", "_updates", "_elements")


def clone_network(original_network, bottom_layers=None, share_params=False, share_inputs=True, name_prefix=None):
    """Creates a copy of the layer(s) ``original_network`` and of everything below them.

    If ``bottom_layers`` is a layer or a list of layers, they are not copied: the copy uses them as they are. If
    it is a dict ``{existing_layer: new_layer}``, the copy uses ``new_layer`` wherever the original network uses
    ``existing_layer``.

    Without ``share_params``, the copy gets new parameters holding the original's values at the moment of
    cloning, and the two networks are independent from then on (a target network for DQN). With
    ``share_params=True`` they use the same parameters, so training either trains both (DDPG's critic applied
    twice); :func:`agentnet.utils.reapply` does that without copying layers.

    Parameters
    ----------
    original_network : Layer, or list, tuple or dict of Layer
        The output layer(s) to copy (for a dict, the values).
    bottom_layers : Layer, list/tuple of Layer, dict {Layer: Layer} or None
        Layers not to copy (see above). Shared variables may be listed too (kept shared), or mapped to other shared
        variables of the same shape in the dict form (used instead).
    share_params : bool
        Use the original's parameters instead of copies.
    share_inputs : bool
        Keep every InputLayer (as if it were in ``bottom_layers``); otherwise input layers are copied with new
        input variables.
    name_prefix : str or None
        If given, prepended to the names of the copied layers and parameters (``"target_net."`` gives
        ``"target_net.dense.W"``).

    Returns
    -------
    Layer, list, tuple or dict of Layer
        The copies of ``original_network``, in the same container (a bottom layer given as an output is itself).
    """
    if isinstance(original_network, dict):
        items = check_ordered_dict(original_network)
        clones = _clone_layers(list(items.values()), bottom_layers, share_params, share_inputs, name_prefix)
        return type(original_network)(zip(items.keys(), clones)) if type(original_network) in (dict, OrderedDict) \
            else OrderedDict(zip(items.keys(), clones))
    if isinstance(original_network, (list, tuple)):
        clones = _clone_layers(list(original_network), bottom_layers, share_params, share_inputs, name_prefix)
        return type(original_network)(clones) if type(original_network) in (list, tuple) else list(clones)
    return _clone_layers([original_network], bottom_layers, share_params, share_inputs, name_prefix)[0]


def _check_layers(layers):
    for i, l in enumerate(layers):
        if not isinstance(l, Layer):
            raise TypeError(f"clone_network: original_network: expected a layer, or a list, tuple or dict of layers, "
                            f"got {type(l).__name__} at position {i}")
    if not layers:
        raise ValueError("clone_network: original_network holds no layers")


def _bottom(bottom_layers):
    """``(kept handles, substitution pairs of handles, kept ids, {id(original layer or param): replacement})``."""
    def handle(x, what):
        if isinstance(x, Layer):
            return x._handle
        if isinstance(x, SharedVariable):
            return x.shared_handle
        raise TypeError(f"clone_network: bottom_layers must hold layers (or shared variables), got "
                        f"{type(x).__name__} {what}")

    if bottom_layers is None:
        return [], [], set(), {}
    if isinstance(bottom_layers, dict):
        pairs, substitutions = [], {}
        for old, new in bottom_layers.items():
            if isinstance(old, Layer) != isinstance(new, Layer):
                raise TypeError(f"clone_network: bottom_layers maps {type(old).__name__} to {type(new).__name__}; map "
                                "layers to layers and shared variables to shared variables")
            pairs.append((handle(old, "as a key"), handle(new, "as a value")))
            substitutions[id(old)] = new
        return [], pairs, set(), substitutions
    items = list(bottom_layers) if isinstance(bottom_layers, (list, tuple, set)) else [bottom_layers]
    return [handle(x, f"at position {i}") for i, x in enumerate(items)], [], {id(x) for x in items}, {}


def _arr(values):
    return (ctypes.c_int64 * max(len(values), 1))(*values)


def _made(record):
    """``[(original Python layer, engine handle of its copy)]`` in topological order."""
    n = ctypes.c_int64()
    check(lib.agn_clone_layers(record, None, None, 0, ctypes.byref(n)))
    keys, handles = (ctypes.c_int64 * max(n.value, 1))(), (ctypes.c_int64 * max(n.value, 1))()
    check(lib.agn_clone_layers(record, keys, handles, n.value, ctypes.byref(n)))
    made = []
    for i in range(n.value):
        layer = _host.lookup(keys[i])
        if layer is None:
            for h in handles[i:n.value]:
                _lib.release(h)
            raise ReferenceError(f"clone_network: a layer of the network (engine key {keys[i]}) has no live Python object")
        made.append((layer, handles[i]))
    return made


def _substitute(value, memo):
    """``value`` with every layer and parameter in ``memo`` (by id) replaced by its copy, through lists, tuples,
    dicts and sets; any other object is kept (shared with the original)."""
    found = memo.get(id(value))
    if found is not None:
        return found
    kind = type(value)
    if kind in (list, tuple):
        return kind(_substitute(v, memo) for v in value)
    if kind in (set, frozenset):
        return kind(_substitute(v, memo) for v in value)
    if kind in (dict, OrderedDict):
        return kind((_substitute(k, memo), _substitute(v, memo)) for k, v in value.items())
    return value


def _param_copy(engine, index):
    h, text = ctypes.c_int64(), ctypes.c_char_p()
    check(lib.agn_layer_param(engine.handle, index, ctypes.byref(h), ctypes.byref(text)))
    return SharedVariable._adopt(h.value)


def _clone_layers(layers, bottom_layers=None, share_params=False, share_inputs=True, name_prefix=None):
    """:func:`clone_network` for a list of layers: the list of their copies."""
    _check_layers(layers)
    if name_prefix is not None and not isinstance(name_prefix, str):
        raise TypeError(f"clone_network: name_prefix must be a string or None, got {type(name_prefix).__name__}")
    kept, pairs, kept_ids, substitutions = _bottom(bottom_layers)
    if share_params:
        warnings.warn("clone_network(share_params=True) shares every parameter with the original; this may be "
                      "unreliable for layers with parameters Python cannot see. Use agentnet.utils.reapply to apply "
                      "a network again with the same parameters", stacklevel=3)
    record = ctypes.c_int64()
    _host.call(lib.agn_clone_network(_arr([l._handle for l in layers]), len(layers), _arr(kept), len(kept),
                                     _arr([a for a, _ in pairs]), _arr([b for _, b in pairs]), len(pairs),
                                     int(bool(share_params)), int(bool(share_inputs)),
                                     None if name_prefix is None else name_prefix.encode(), ctypes.byref(record)))
    try:
        made = _made(record.value)
        memo = {k: v for k, v in substitutions.items() if isinstance(v, Layer)}
        for original, _ in made:
            memo[id(original)] = type(original).__new__(type(original))
        copies = []
        for original, handle in made:
            copy, engine = memo[id(original)], EngineLayer._adopt(handle, keep=original)
            params = []
            for index, (p, tags) in enumerate(original.params.items()):
                if id(p) not in memo:
                    if id(p) in substitutions:
                        memo[id(p)] = substitutions[id(p)]
                    elif not isinstance(p, SharedVariable) or share_params or id(p) in kept_ids:
                        memo[id(p)] = p
                    else:
                        memo[id(p)] = _param_copy(engine, index)
                params.append((memo[id(p)], set(tags)))
            copies.append((original, copy, engine, params))
        for original, copy, engine, params in copies:
            _fill(original, copy, engine, params, memo, name_prefix)
        n = ctypes.c_int64()
        keys = (ctypes.c_int64 * len(layers))()
        check(lib.agn_clone_outputs(record.value, keys, len(layers), ctypes.byref(n)))
        return [_host.lookup(keys[i]) for i in range(n.value)]
    finally:
        _lib.release(record.value)


def _fill(original, copy, engine, params, memo, name_prefix):
    """Makes ``copy`` the Python layer of the engine layer ``engine``: the original's attributes with layers and
    parameters replaced by their copies, the copy's parameters and name, its own key."""
    for k, v in original.__dict__.items():
        if k not in _OWN:
            copy.__dict__[k] = _substitute(v, memo)
    if name_prefix is not None:
        copy.__dict__["name"] = name_prefix + (original.name or "")
    copy.__dict__["_params"] = ParamDict(params, layer=copy)
    elements = original.__dict__.get("_elements")
    if elements is not None:
        copy.__dict__["_elements"] = {k: memo[id(e)] for k, e in elements.items() if id(e) in memo}
    if isinstance(original, InputLayer):
        copy.__dict__["input_var"] = engine.output([])  # a copied InputLayer has its own variable
    copy.__dict__["_engine_layer"] = engine
    check(lib.agn_layer_set_host_key(engine.handle, copy._key))
    _host.set_label(copy._key, f"{type(copy).__name__} {copy.name!r}" if copy.name else type(copy).__name__)
