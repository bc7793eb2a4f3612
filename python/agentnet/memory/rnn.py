"""One-tick recurrent cells built from layers: ``RNNCell``, ``GRUCell`` and ``LSTMCell`` (Lasagne's formulas).

Like the seed, these are functions that wire small layers together and return the new state layer(s); register
them as ``{new_state: prev_state}`` in an agent or a Recurrence to run them over time.
"""
from .. import init
from .. import nonlinearities
from ..layers.base import Layer, create_param
from ..layers.dense import DenseLayer, NonlinearityLayer
from ..layers.noise import DropoutLayer
from ..layers.special import BiasLayer, ExpressionLayer, ScaleLayer
from .. import tensor as T
from ..utils.format import check_list
from ..utils.layers import add, mul
from .gate import GateLayer, _per_item

__all__ = ["RNNCell", "GRUCell", "LSTMCell"]

_GRU_CHANNELS = ["to_resetgate", "to_updategate", "to_hidden_update"]
_LSTM_CHANNELS = ["to_ingate", "to_forgetgate", "to_cell", "to_outgate"]


def _owner(kind, name):
    return f"{kind} {name!r}" if name else kind


def _check_units(prev_state, num_units, owner, what="prev_state"):
    """``num_units``, inferred from ``prev_state`` ``[batch, units]`` when None, else checked against it."""
    if not isinstance(prev_state, Layer):
        raise TypeError(f"{owner}: {what} must be a layer, got {type(prev_state).__name__}")
    shape = prev_state.output_shape
    if len(shape) != 2 or shape[1] is None:
        raise ValueError(f"{owner}: {what} {prev_state.name!r} must have shape [batch, units] with known units, got "
                         f"{shape}")
    if num_units is None:
        return shape[1]
    if num_units != shape[1]:
        raise ValueError(f"{owner}: num_units={num_units} (new state shape {(shape[0], num_units)}) differs from "
                         f"{what} {prev_state.name!r} of shape {shape}")
    return int(num_units)


def _inputs(input_or_inputs, owner):
    inputs = [] if input_or_inputs is None else check_list(input_or_inputs)
    for x in inputs:
        if not isinstance(x, Layer):
            raise TypeError(f"{owner}: inputs must be layers, got {type(x).__name__}")
    return inputs


def _clip(layer, bound):
    """``layer`` with gradients clipped to ``[-bound, bound]``; keeps the layer's name so gate weight names do not
    depend on ``grad_clipping`` (the seed renames clipped inputs ``<name>.grad_clip``)."""
    bound = abs(float(bound))
    return ExpressionLayer(layer, lambda x: T.grad_clip(x, -bound, bound), name=layer.name)


def _split_weight_init(weight_init, n_gates, n_inputs, owner):
    """``(hidden[gate], inputs[gate][input])`` from a single initializer or ``[hidden_init, input_init]``.

    ``hidden_init`` is single or one per gate; ``input_init`` is single, one per gate, or per ``[gate][input]``
    (the layout GateLayer uses; the seed's docs say ``[input][gate]`` but its code does ``[gate][input]``).
    """
    spec = check_list(weight_init)
    if len(spec) == 1:
        spec = spec * 2
    if len(spec) != 2:
        raise ValueError(f"{owner}: weight_init must be one initializer or [hidden_init, input_init], got a list of "
                         f"{len(spec)}")
    hidden = _per_item(spec[0], n_gates, "weight_init[0] (hidden -> gates)", owner)
    per_gate = _per_item(spec[1], n_gates, "weight_init[1] (inputs -> gates)", owner)
    inputs = [_per_item(w, n_inputs, f"weight_init[1][{g}] (inputs -> one gate)", owner) if n_inputs else []
              for g, w in enumerate(per_gate)]
    return hidden, inputs


def RNNCell(prev_state, input_or_inputs=(), nonlinearity=nonlinearities.tanh, num_units=None, name=None,
            grad_clipping=0, Whid=init.Uniform(), Winp=init.Uniform(), b=init.Constant()):
    """A vanilla RNN step: ``h' = f(h . W_hh + b + sum_i flatten(x_i) . W_i)``, shape ``[batch, units]``.

    Parameters
    ----------
    prev_state : Layer
        Previous state ``h``, ``[batch, units]``.
    input_or_inputs : Layer or list of Layer
        Inputs ``x_i`` of shape ``[batch, ...]`` (flattened); may be empty.
    nonlinearity : callable or None
        Default tanh (the seed's code; its rendered docs say sigmoid).
    num_units : int or None
        None means the width of ``prev_state``; otherwise it must equal that width.
    name : str or None
        Parameter prefix: ``<name>.hid_to_hid.{W,b}``, ``<name>.input<i>_to_hid.W``.
    grad_clipping : float
        If nonzero, gradients flowing into ``prev_state`` and the inputs are clipped to ``[-g, g]``. Default 0
        (the seed's code; its rendered docs say 5).
    Whid, Winp, b : initializers
        ``W_hh (units, units)``, ``W_i (n_i, units)`` (one for all inputs or one per input), ``b (units,)``.

    Returns
    -------
    Layer
        The new state ``[batch, units]``.
    """
    owner = _owner("RNNCell", name)
    num_units = _check_units(prev_state, num_units, owner)
    inputs = _inputs(input_or_inputs, owner)
    if grad_clipping:
        prev_state = _clip(prev_state, grad_clipping)
        inputs = [_clip(x, grad_clipping) for x in inputs]
    prefix = name or ""
    hid_to_hid = DenseLayer(prev_state, num_units, W=Whid, b=b, nonlinearity=None, name=prefix + ".hid_to_hid")
    Winp = _per_item(Winp, len(inputs), "Winp", owner) if inputs else []
    inputs_to_hid = [DenseLayer(x, num_units, W=w, b=None, nonlinearity=None, name=f"{prefix}.input{i}_to_hid")
                     for i, (x, w) in enumerate(zip(inputs, Winp))]
    total = add(hid_to_hid, *inputs_to_hid, name=prefix + ".sum") if inputs_to_hid else hid_to_hid
    return NonlinearityLayer(total, nonlinearity, name=prefix + ".new_state")


def GRUCell(prev_state, input_or_inputs=(), num_units=None, weight_init=init.Normal(), bias_init=init.Constant(),
            forgetgate_nonlinearity=nonlinearities.sigmoid, updategate_nonlinearity=nonlinearities.sigmoid,
            hidden_update_nonlinearity=nonlinearities.tanh, dropout=0, name="YetAnotherGRULayer", grad_clipping=0):
    """A GRU step (Lasagne/cuDNN variant: the reset gate multiplies ``h . U_c``), shape ``[batch, units]``::

        r = sigma(x . W_r + b_r + h . U_r);  u = sigma(x . W_u + b_u + h . U_u)
        c = tanh(x . W_c + b_c + r * (h . U_c));  c = dropout(c)
        h' = (1 - u) * h + u * c

    Parameters
    ----------
    prev_state : Layer
        Previous state ``h``, ``[batch, units]``.
    input_or_inputs : Layer or list of Layer
        Inputs ``x_i`` of shape ``[batch, ...]`` (flattened); each adds its own ``W`` terms.
    num_units : int or None
        None means the width of ``prev_state``; otherwise it must equal that width.
    weight_init : initializer or list
        One initializer, or ``[hidden_init, input_init]`` where ``hidden_init`` is one or one per gate
        ``[reset, update, hidden_update]`` and ``input_init`` is one, one per gate, or per ``[gate][input]``.
    bias_init : initializer or list
        One or one per gate; only the input side has biases.
    forgetgate_nonlinearity, updategate_nonlinearity, hidden_update_nonlinearity : callable
        For ``r`` (the seed calls it the forget gate), ``u`` and ``c``.
    dropout : float
        Drop probability for the candidate ``c`` ("recurrent dropout without memory loss", arXiv:1603.05118); off
        under ``deterministic=True``.
    name : str
        Parameters are ``<name>.W_<controller name>_<channel>`` and ``<name>.b_<channel>`` with channels
        ``to_resetgate, to_updategate, to_hidden_update`` (controller name: the layer's name, else ``ctrl<k>``).
    grad_clipping : float
        If nonzero, clips gradients at the inputs, the hidden gate terms ``h . U`` and the candidate
        pre-activation. Default 0 (the seed's code; its rendered docs say 5).

    Returns
    -------
    Layer
        The new state ``[batch, units]``.
    """
    owner = _owner("GRUCell", name)
    num_units = _check_units(prev_state, num_units, owner)
    inputs = _inputs(input_or_inputs, owner)
    hidden_W, input_W = _split_weight_init(weight_init, 3, len(inputs), owner)
    bias_init = _per_item(bias_init, 3, "bias_init", owner)
    prefix = name or ""

    # without inputs, the reset and update biases go to the hidden gates; the candidate bias stays outside r * (.)
    hid_gates = GateLayer(prev_state, [num_units] * 3, gate_nonlinearities=None, channel_names=_GRU_CHANNELS,
                          bias_init=None if inputs else bias_init[:2] + [None], weight_init=hidden_W, name=prefix)
    hid_r, hid_u, hid_c = hid_gates.values()
    if grad_clipping:
        inputs = [_clip(x, grad_clipping) for x in inputs]
        hid_r, hid_u, hid_c = [_clip(l, grad_clipping) for l in (hid_r, hid_u, hid_c)]

    if inputs:
        inp_r, inp_u, inp_c = GateLayer(inputs, [num_units] * 3, gate_nonlinearities=None,
                                        channel_names=_GRU_CHANNELS, bias_init=bias_init, weight_init=input_W,
                                        name=prefix, controller_names=[x.name or f"ctrl{i + 1}"
                                                                       for i, x in enumerate(inputs)]).values()
        hid_r, hid_u = add(inp_r, hid_r), add(inp_u, hid_u)
    resetgate = NonlinearityLayer(hid_r, forgetgate_nonlinearity, name=prefix + ".forgetgate")
    updategate = NonlinearityLayer(hid_u, updategate_nonlinearity, name=prefix + ".updategate")

    candidate = mul(resetgate, hid_c)
    if inputs:
        candidate = add(inp_c, candidate, name=prefix + ".hid_update")
    elif bias_init[2] is not None:
        b_c = create_param(bias_init[2], (num_units,), name=f"{prefix}.b_to_hidden_update")
        candidate = BiasLayer(candidate, b_c, shared_axes=(0,), name=prefix + ".hid_update")
    if grad_clipping:
        candidate = _clip(candidate, grad_clipping)
    candidate = NonlinearityLayer(candidate, hidden_update_nonlinearity, name=prefix + ".hidden_update")
    if dropout:
        candidate = DropoutLayer(candidate, p=dropout)

    keep = NonlinearityLayer(updategate, lambda u: 1 - u, name=prefix + ".[1 - updategate]")
    return add(mul(keep, prev_state), mul(updategate, candidate), name=name)


def LSTMCell(prev_cell, prev_out, input_or_inputs=(), num_units=None, peepholes=True, weight_init=init.Normal(),
             bias_init=init.Constant(), peepholes_W_init=init.Normal(), forgetgate_nonlinearity=nonlinearities.sigmoid,
             inputgate_nonlinearity=nonlinearities.sigmoid, outputgate_nonlinearity=nonlinearities.sigmoid,
             cell_nonlinearity=nonlinearities.tanh, output_nonlinearity=nonlinearities.tanh, dropout=0., name=None,
             grad_clipping=0.):
    """An LSTM step with optional peepholes (Lasagne's LSTMLayer, no forget-gate bias offset)::

        [i, f, g, o]_pre = [h, x_1, ...] . W + b          # one GateLayer, channels to_ingate/forgetgate/cell/outgate
        i = sigma(i_pre + w_ci * c);  f = sigma(f_pre + w_cf * c)
        g = tanh(g_pre) [dropout];  c' = g * i + c * f
        o = sigma(o_pre + w_co * c');  h' = o * tanh(c')  # the output peephole sees the new cell

    Parameters
    ----------
    prev_cell, prev_out : Layer
        Previous cell ``c`` and output ``h``, both ``[batch, units]``.
    input_or_inputs : Layer or list of Layer
        Inputs ``x_i`` of shape ``[batch, ...]`` (flattened).
    num_units : int or None
        None means the width of ``prev_cell``; otherwise it must equal that width.
    peepholes : bool
        Use the per-unit peephole scales ``w_ci, w_cf, w_co``.
    weight_init : initializer or list
        One initializer; one per gate ``[in, forget, cell, out]`` (each one, or per controller ``[h, x_1, ...]``);
        or ``[hidden_init, input_init]`` as in :func:`GRUCell`.
    bias_init : initializer or list
        One or one per gate.
    peepholes_W_init : initializer or list
        One or one per peephole ``[in, forget, out]``.
    forgetgate_nonlinearity, inputgate_nonlinearity, outputgate_nonlinearity, cell_nonlinearity, output_nonlinearity
        The gate, candidate and output nonlinearities.
    dropout : float
        Drop probability for the candidate ``g``; off under ``deterministic=True``.
    name : str or None
        Parameters are ``<name>.W_<controller name>_<channel>``, ``<name>.b_<channel>`` and
        ``<name>.W_cell_to_{ingate,forgetgate,outgate}_peephole.scales``.
    grad_clipping : float
        If nonzero, clips gradients at the four pre-activations (before the peepholes are added). Default 0.

    Returns
    -------
    (Layer, Layer)
        The new cell and output, both ``[batch, units]``.
    """
    owner = _owner("LSTMCell", name)
    num_units = _check_units(prev_cell, num_units, owner, "prev_cell")
    if not isinstance(prev_out, Layer) or prev_out.output_shape[1:] != prev_cell.output_shape[1:] or \
            len(prev_out.output_shape) != 2:
        raise ValueError(f"{owner}: prev_out {getattr(prev_out, 'name', None)!r} of shape "
                         f"{getattr(prev_out, 'output_shape', None)} must match prev_cell {prev_cell.name!r} of shape "
                         f"{prev_cell.output_shape}")
    inputs = _inputs(input_or_inputs, owner)
    if isinstance(weight_init, (list, tuple)) and len(weight_init) == 2:
        hidden_W, input_W = _split_weight_init(weight_init, 4, len(inputs), owner)
        weight_init = [[h] + x for h, x in zip(hidden_W, input_W)]
    prefix = name or ""

    gates = GateLayer([prev_out] + inputs, [num_units] * 4, gate_nonlinearities=None, channel_names=_LSTM_CHANNELS,
                      bias_init=_per_item(bias_init, 4, "bias_init", owner), weight_init=weight_init, name=prefix)
    ingate, forgetgate, cell_input, outgate = gates.values()
    if grad_clipping:
        ingate, forgetgate, cell_input, outgate = [_clip(l, grad_clipping)
                                                   for l in (ingate, forgetgate, cell_input, outgate)]
    if peepholes:
        peep_init = _per_item(peepholes_W_init, 3, "peepholes_W_init", owner)
        ingate = add(ingate, ScaleLayer(prev_cell, peep_init[0], shared_axes=(0,),
                                        name=prefix + ".W_cell_to_ingate_peephole"))
        forgetgate = add(forgetgate, ScaleLayer(prev_cell, peep_init[1], shared_axes=(0,),
                                                name=prefix + ".W_cell_to_forgetgate_peephole"))
    ingate = NonlinearityLayer(ingate, inputgate_nonlinearity, name=prefix + ".inputgate")
    forgetgate = NonlinearityLayer(forgetgate, forgetgate_nonlinearity, name=prefix + ".forgetgate")
    cell_input = NonlinearityLayer(cell_input, cell_nonlinearity, name=prefix + ".cell_nonlinearity")
    if dropout:
        cell_input = DropoutLayer(cell_input, p=dropout)
    new_cell = add(mul(cell_input, ingate), mul(prev_cell, forgetgate), name=prefix + ".cell")

    if peepholes:
        outgate = add(outgate, ScaleLayer(new_cell, peep_init[2], shared_axes=(0,),
                                          name=prefix + ".W_cell_to_outgate_peephole"))
    outgate = NonlinearityLayer(outgate, outputgate_nonlinearity, name=prefix + ".outgate")
    new_output = mul(outgate, NonlinearityLayer(new_cell, output_nonlinearity, name=prefix + ".outgate_nonlinearity"),
                     name=prefix + ".output")
    return new_cell, new_output
