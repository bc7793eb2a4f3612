"""Functions over whole networks: outputs, shapes, layers and parameters (Lasagne's ``layers.helper``)."""
import ctypes
import inspect
import warnings
from collections import OrderedDict

import numpy as np

from .. import _host, _lib
from .._core import CODES, Variable, as_engine_array, c_i32p, c_i64p, constant, lib
from .base import Layer
from .input import InputLayer

_lib.declare("agn_layer_get_output", c_i64p, ctypes.c_int64, c_i64p, c_i64p, ctypes.c_int64, ctypes.c_char_p, c_i64p,
             ctypes.c_int64, c_i64p, c_i64p)
_lib.declare("agn_layer_get_output_shape", c_i64p, ctypes.c_int64, c_i64p, c_i64p, c_i32p, ctypes.c_int64, c_i32p,
             c_i64p)
_lib.declare("agn_layer_get_all_layers", c_i64p, ctypes.c_int64, c_i64p, ctypes.c_int64, c_i64p, ctypes.c_int64,
             c_i64p)
_lib.declare("agn_layer_get_all_params", c_i64p, ctypes.c_int64, ctypes.c_char_p, c_i64p, c_i64p, ctypes.c_int64,
             c_i64p)
_lib.declare("agn_layer_count_params", c_i64p, ctypes.c_int64, ctypes.c_char_p, c_i64p)
_lib.declare("agn_layer_set_all_param_values", c_i64p, ctypes.c_int64, ctypes.c_char_p,
             ctypes.POINTER(ctypes.c_void_p), c_i32p, c_i32p, c_i64p, ctypes.c_int64)

__all__ = ["get_all_layers", "get_output", "get_output_shape", "get_all_params", "count_params",
           "get_all_param_values", "set_all_param_values"]


def _as_layers(layer_or_layers):
    if isinstance(layer_or_layers, Layer):
        return [layer_or_layers], True
    try:
        layers = list(layer_or_layers)
    except TypeError:
        raise TypeError(f"expected a Layer or a list of Layers, got {type(layer_or_layers).__name__}") from None
    for l in layers:
        if not isinstance(l, Layer):
            raise TypeError(f"expected a Layer or a list of Layers, got an element of type {type(l).__name__}")
    return layers, False


def _arr(values, ctype=ctypes.c_int64):
    return (ctype * max(len(values), 1))(*values)


def _handles(layers):
    return _arr([l._handle for l in layers])


def _layer(key):
    layer = _host.lookup(key)
    if layer is None:
        raise ReferenceError(f"a layer of this network (engine key {key}) has no live Python object")
    return layer


def _tags_json(tags):
    import json
    return json.dumps({str(k): bool(v) for k, v in tags.items()}).encode()


def _is_multi(layer):
    return getattr(layer, "_multi_output", False)


def get_all_layers(layer, treat_as_input=None):
    """All layers below (and including) ``layer`` in topological order: each layer after its inputs.

    Parameters
    ----------
    layer : Layer or list of Layer
    treat_as_input : iterable of Layer or None
        Layers whose inputs are not followed (they are still included).

    Returns
    -------
    list of Layer
    """
    layers, _ = _as_layers(layer)
    treat = list(treat_as_input) if treat_as_input is not None else []
    for l in treat:
        if not isinstance(l, Layer):
            raise TypeError(f"get_all_layers: treat_as_input must hold layers, got {type(l).__name__}")
    roots, stops = _handles(layers), _handles(treat)
    cap = 64
    while True:
        keys, n = (ctypes.c_int64 * cap)(), ctypes.c_int64()
        _host.call(lib.agn_layer_get_all_layers(roots, len(layers), stops, len(treat), keys, cap, ctypes.byref(n)))
        if n.value <= cap:
            return [_layer(keys[i]) for i in range(n.value)]
        cap = n.value


def _as_expression(x, what):
    if isinstance(x, Variable):
        return x
    try:
        return constant(np.asarray(x))
    except (TypeError, ValueError) as e:
        raise TypeError(f"get_output: cannot use {type(x).__name__} as the input of {what}: {e}") from None


def _kwarg_names(f):
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return set()
    return {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is not p.empty}


def _single_input(layers, what):
    inputs = [l for l in get_all_layers(layers) if isinstance(l, InputLayer)]
    if len(inputs) > 1:
        raise ValueError(f"{what}() was called with a single input {'expression' if what == 'get_output' else 'shape'} "
                         f"on a network with multiple input layers. Please call it with a dictionary of input "
                         f"{'expressions' if what == 'get_output' else 'shapes'} instead.")
    if not inputs:
        raise ValueError(f"{what}() was called with a single input expression on a network without an InputLayer. "
                         "Please call it with a dictionary mapping layers to input expressions.")
    return inputs[0]


def get_output(layer_or_layers, inputs=None, **kwargs):
    """Symbolic output expression(s) of a network, built by the engine.

    Parameters
    ----------
    layer_or_layers : Layer or list of Layer
        Layer(s) whose output to compute.
    inputs : None, Variable, numpy array or dict
        None uses each InputLayer's ``input_var``. A Variable or array replaces the input of the network's single
        InputLayer. A dict maps layers (InputLayers or any other layer, whose inputs are then not followed) to
        expressions or arrays.
    **kwargs
        Passed to every ``get_output_for``, e.g. ``deterministic=True``. Keywords no layer accepts are warned
        about.

    Returns
    -------
    Variable or list of Variable
        One per requested layer (a dict ``{key: expression}`` for a multi-output layer).
    """
    layers, single = _as_layers(layer_or_layers)
    given = []
    if isinstance(inputs, dict):
        for k, v in inputs.items():
            if not isinstance(k, Layer):
                raise TypeError(f"get_output: the keys of an inputs dict must be layers, got {type(k).__name__}")
            given.append((k, _as_expression(v, repr(k))))
    elif inputs is not None:
        input_layer = _single_input(layers, "get_output")
        expr = _as_expression(inputs, repr(input_layer))
        if expr.ndim != len(input_layer.shape):
            raise ValueError(f"get_output(): the input has {expr.ndim} dimensions but {input_layer!r} expects "
                             f"{len(input_layer.shape)}")
        given.append((input_layer, expr))
    if set(kwargs) - {"deterministic"}:
        _warn_unused(layers, [l for l, _ in given], kwargs)
    cap = sum(len(l) if _is_multi(l) else 1 for l in layers)
    outs, counts, origins = (ctypes.c_int64 * cap)(), (ctypes.c_int64 * len(layers))(), (ctypes.c_int64 * cap)()
    exprs = [x for _, x in given]
    with _host.kwargs_scope(kwargs):
        _host.call(lib.agn_layer_get_output(_handles(layers), len(layers), _handles([l for l, _ in given]),
                                            _arr([x.handle for x in exprs]), len(given), _host.options_json(kwargs),
                                            outs, cap, counts, origins))
    results, at = [], 0
    for layer, n in zip(layers, counts):
        values = []
        for i in range(at, at + n):
            o = origins[i]
            if o >= 0:
                values.append(exprs[o])
                _lib.release(outs[i])
            elif o <= -2 and _host.lookup(-2 - o) is not None:
                values.append(_host.lookup(-2 - o).input_var)
                _lib.release(outs[i])
            else:
                values.append(Variable(outs[i]))
        at += n
        results.append(OrderedDict(zip(layer.keys(), values)) if _is_multi(layer) else values[0])
    return results[0] if single else results


def _warn_unused(layers, given, kwargs):
    accepted = {"deterministic"}
    for layer in get_all_layers(layers, given):
        if any(layer is g for g in given):
            continue
        accepted |= _kwarg_names(layer.get_output_for) | set(getattr(layer, "get_output_kwargs", []))
    unused = set(kwargs) - accepted
    if unused:
        warnings.warn(f"get_output() was called with unused kwargs: {', '.join(sorted(unused))}", stacklevel=3)


def get_output_shape(layer_or_layers, input_shapes=None):
    """Output shape(s) of a network, optionally for other input shapes.

    Parameters
    ----------
    layer_or_layers : Layer or list of Layer
    input_shapes : None, tuple or dict
        None uses the layers' own shapes; a tuple replaces the shape of the single InputLayer; a dict maps layers
        to shapes.

    Returns
    -------
    tuple or list of tuple
    """
    layers, single = _as_layers(layer_or_layers)
    if input_shapes is None or input_shapes == {}:
        shapes = [l.output_shape for l in layers]
        return shapes[0] if single else shapes
    if isinstance(input_shapes, dict):
        given = [(l, tuple(s)) for l, s in input_shapes.items()]
    else:
        given = [(_single_input(layers, "get_output_shape"), tuple(input_shapes))]
    shapes = []
    for layer in layers:
        if _is_multi(layer) and not any(layer is l for l, _ in given):
            # a multi-output layer's shapes form a dict: from its incoming shapes, in Python
            incoming = get_output_shape([l for l in layer.input_layers], dict(given))
            shapes.append(layer.get_output_shape_for(incoming))
            continue
        flat = [-1 if d is None else int(d) for _, s in given for d in s]
        ndims, dims = (ctypes.c_int32 * 1)(), (ctypes.c_int64 * 8)()
        _host.call(lib.agn_layer_get_output_shape(_handles([layer]), 1, _handles([l for l, _ in given]), _arr(flat),
                                                  _arr([len(s) for _, s in given], ctypes.c_int32), len(given),
                                                  ndims, dims))
        shapes.append(tuple(None if dims[i] < 0 else int(dims[i]) for i in range(ndims[0])))
    return shapes[0] if single else shapes


def get_all_params(layer, unwrap_shared=True, **tags):
    """Parameters of all layers below (and including) ``layer``, each once, in topological order.

    Parameters
    ----------
    layer : Layer or list of Layer
    unwrap_shared : bool
        Accepted for Lasagne compatibility.
    **tags
        ``trainable=True``, ``regularizable=False``... A tag no parameter in the network
        has (besides the standard ones) is a ValueError.

    Returns
    -------
    list of SharedVariable
    """
    layers, _ = _as_layers(layer)
    roots, cap = _handles(layers), 64
    while True:
        owners, indices, n = (ctypes.c_int64 * cap)(), (ctypes.c_int64 * cap)(), ctypes.c_int64()
        _host.call(lib.agn_layer_get_all_params(roots, len(layers), _tags_json(tags), owners, indices, cap,
                                                ctypes.byref(n)))
        if n.value <= cap:
            break
        cap = n.value
    result, lists = [], {}
    for i in range(n.value):
        key = owners[i]
        if key not in lists:
            lists[key] = list(_layer(key).params)
        result.append(lists[key][indices[i]])
    return result


def count_params(layer, **tags):
    """Total number of scalar parameters (sum of the sizes of :func:`get_all_params`)."""
    layers, _ = _as_layers(layer)
    n = ctypes.c_int64()
    _host.call(lib.agn_layer_count_params(_handles(layers), len(layers), _tags_json(tags), ctypes.byref(n)))
    return int(n.value)


def get_all_param_values(layer, **tags):
    """Values of :func:`get_all_params` as a list of numpy arrays (copies)."""
    params = get_all_params(layer, **tags)
    for p in params:
        if not hasattr(p, "get_value"):
            raise TypeError(f"parameter {p!r} is a symbolic expression, not a shared variable; it has no value")
    return [p.get_value() for p in params]


def set_all_param_values(layer, values, **tags):
    """Sets the values of :func:`get_all_params` from a list of arrays in the same order.

    Raises
    ------
    ValueError
        If the number of values differs from the number of parameters, or a value's shape differs from its
        parameter's (nothing is set then; the message names the parameter).
    """
    layers, _ = _as_layers(layer)
    arrays = [as_engine_array(v) for v in values]
    dims = [int(d) for a in arrays for d in a.shape]
    data = (ctypes.c_void_p * max(len(arrays), 1))(*[a.ctypes.data if a.size else None for a in arrays])
    _host.call(lib.agn_layer_set_all_param_values(_handles(layers), len(layers), _tags_json(tags), data,
                                                  _arr([CODES[a.dtype] for a in arrays], ctypes.c_int32),
                                                  _arr([a.ndim for a in arrays], ctypes.c_int32), _arr(dims),
                                                  len(arrays)))
