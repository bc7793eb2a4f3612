"""Functions over whole networks: outputs, shapes, layers and parameters (Lasagne's ``layers.helper``)."""
import inspect
import warnings
from collections import deque

import numpy as np

from .._core import Variable, constant
from .base import Layer, MergeLayer, STANDARD_TAGS, _check_tags, _filter_params
from .input import InputLayer

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
    queue = deque(layers)
    seen, done, result = set(), set(), []
    if treat_as_input is not None:
        seen.update(treat_as_input)
    while queue:
        layer = queue[0]
        if layer is None:
            queue.popleft()
        elif layer not in seen:
            seen.add(layer)
            if hasattr(layer, "input_layers"):
                queue.extendleft(reversed(layer.input_layers))
            elif hasattr(layer, "input_layer"):
                queue.appendleft(layer.input_layer)
        else:
            queue.popleft()
            if layer not in done:
                result.append(layer)
                done.add(layer)
    return result


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


def get_output(layer_or_layers, inputs=None, **kwargs):
    """Symbolic output expression(s) of a network.

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
        One per requested layer.
    """
    layers, single = _as_layers(layer_or_layers)
    accepted_kwargs = {"deterministic"}
    if inputs is not None and isinstance(inputs, dict):
        for k in inputs:
            if not isinstance(k, Layer):
                raise TypeError(f"get_output: the keys of an inputs dict must be layers, got {type(k).__name__}")
        treat_as_input = list(inputs.keys())
    else:
        treat_as_input = []
    all_layers = get_all_layers(layers, treat_as_input)
    all_outputs = {layer: layer.input_var for layer in all_layers
                   if isinstance(layer, InputLayer) and layer not in treat_as_input}
    if isinstance(inputs, dict):
        all_outputs.update((layer, _as_expression(expr, repr(layer))) for layer, expr in inputs.items())
    elif inputs is not None:
        if len(all_outputs) > 1:
            raise ValueError("get_output() was called with a single input expression on a network with multiple "
                             "input layers. Please call it with a dictionary of input expressions instead.")
        if not all_outputs:
            raise ValueError("get_output() was called with a single input expression on a network without an "
                             "InputLayer. Please call it with a dictionary mapping layers to input expressions.")
        for input_layer in all_outputs:
            expr = _as_expression(inputs, repr(input_layer))
            if expr.ndim != len(input_layer.shape):
                raise ValueError(f"get_output(): the input has {expr.ndim} dimensions but {input_layer!r} expects "
                                 f"{len(input_layer.shape)}")
            all_outputs[input_layer] = expr
    for layer in all_layers:
        if layer in all_outputs:
            continue
        try:
            if isinstance(layer, MergeLayer):
                layer_inputs = [all_outputs[l] for l in layer.input_layers]
            else:
                layer_inputs = all_outputs[layer.input_layer]
        except KeyError:
            raise ValueError(f"get_output() was called without giving an input expression for the free-floating "
                             f"layer {layer!r}. Please call it with a dictionary mapping this layer to an input "
                             "expression.") from None
        all_outputs[layer] = layer.get_output_for(layer_inputs, **kwargs)
        accepted_kwargs |= _kwarg_names(layer.get_output_for)
        accepted_kwargs |= set(layer.get_output_kwargs)
    unused = set(kwargs) - accepted_kwargs
    if unused:
        warnings.warn(f"get_output() was called with unused kwargs: {', '.join(sorted(unused))}", stacklevel=2)
    outs = [all_outputs[l] for l in layers]
    return outs[0] if single else outs


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
    treat_as_input = list(input_shapes.keys()) if isinstance(input_shapes, dict) else []
    all_layers = get_all_layers(layers, treat_as_input)
    all_shapes = {layer: layer.shape for layer in all_layers
                  if isinstance(layer, InputLayer) and layer not in treat_as_input}
    if isinstance(input_shapes, dict):
        all_shapes.update(input_shapes)
    else:
        if len(all_shapes) > 1:
            raise ValueError("get_output_shape() was called with a single input shape on a network with multiple "
                             "input layers. Please call it with a dictionary of input shapes instead.")
        for input_layer in all_shapes:
            all_shapes[input_layer] = tuple(input_shapes)
    for layer in all_layers:
        if layer in all_shapes:
            continue
        try:
            if isinstance(layer, MergeLayer):
                s = [all_shapes[l] for l in layer.input_layers]
            else:
                s = all_shapes[layer.input_layer]
        except KeyError:
            raise ValueError(f"get_output_shape() was called without giving an input shape for the free-floating "
                             f"layer {layer!r}. Please call it with a dictionary mapping this layer to an input "
                             "shape.") from None
        all_shapes[layer] = layer.get_output_shape_for(s)
    shapes = [all_shapes[l] for l in layers]
    return shapes[0] if single else shapes


def get_all_params(layer, unwrap_shared=True, **tags):
    """Parameters of all layers below (and including) ``layer``, each once, in topological order.

    Parameters
    ----------
    layer : Layer or list of Layer
    unwrap_shared : bool
        See :meth:`Layer.get_params`.
    **tags
        ``trainable=True``, ``regularizable=True``, ``regularizable=False``... A tag no parameter in the network
        has (besides the standard ones) is a ValueError.

    Returns
    -------
    list of SharedVariable
    """
    layers = get_all_layers(layer)
    known = set(STANDARD_TAGS)
    for l in layers:
        for t in l.params.values():
            known |= t
    _check_tags(tags, known)
    result, seen = [], set()
    for l in layers:
        for p in _filter_params(l.params, tags):
            if id(p) not in seen:
                seen.add(id(p))
                result.append(p)
    return result


def _param_shape(p):
    if hasattr(p, "get_value"):
        return p.get_value().shape
    raise TypeError(f"parameter {p!r} is a symbolic expression, not a shared variable; it has no value")


def count_params(layer, **tags):
    """Total number of scalar parameters (sum of the sizes of :func:`get_all_params`)."""
    return int(sum(int(np.prod(_param_shape(p))) for p in get_all_params(layer, **tags)))


def get_all_param_values(layer, **tags):
    """Values of :func:`get_all_params` as a list of numpy arrays (copies)."""
    return [p.get_value() for p in get_all_params(layer, **tags)]


def set_all_param_values(layer, values, **tags):
    """Sets the values of :func:`get_all_params` from a list of arrays in the same order.

    Raises
    ------
    ValueError
        If the number of values differs from the number of parameters, or a value's shape differs from its
        parameter's (nothing is set then).
    """
    params = get_all_params(layer, **tags)
    values = list(values)
    if len(params) != len(values):
        raise ValueError(f"mismatch: got {len(values)} values to set {len(params)} parameters")
    arrays = []
    for i, (p, v) in enumerate(zip(params, values)):
        v = np.asarray(v)
        shape = _param_shape(p)
        if shape != v.shape:
            raise ValueError(f"mismatch: parameter {i} ({getattr(p, '_given_name', None) or p.name}) has shape "
                             f"{shape!r} but value to set has shape {v.shape!r}")
        arrays.append(v)
    for p, v in zip(params, arrays):
        p.set_value(v)
