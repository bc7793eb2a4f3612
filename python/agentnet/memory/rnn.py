"""One-tick recurrent cells: ``RNNCell``, ``GRUCell`` and ``LSTMCell`` (Lasagne's formulas).

Like the seed, these are functions that return the new state layer(s); register them as ``{new_state: prev_state}``
in an agent or a Recurrence to run them over time. Each cell is one engine layer (``Sources/AgentNet/Memory/
RNNCell.swift``, ``GRUCell.swift``, ``LSTMCell.swift``), which checks the shapes and names the parameters at
construction; these functions convert the arguments and create the parameters from the given initializers.
"""
from .. import init
from .. import nonlinearities
from ..layers._zoo import EngineBacked, ParamProbe, param_refs
from ..layers.base import Layer, MergeLayer
from ..layers.native import nonlinearity_spec
from ..layers.noise import _new_seed
from ..utils.format import check_list
from ..utils.layers import DictElementLayer, DictLayer
from .gate import _layers, _per_item

__all__ = ["RNNCell", "GRUCell", "LSTMCell"]

_LSTM_CHANNELS = ["to_ingate", "to_forgetgate", "to_cell", "to_outgate"]


def _owner(kind, name):
    return f"{kind} {name!r}" if name else kind


def _check_layer(layer, owner, what):
    if not isinstance(layer, Layer):
        raise TypeError(f"{owner}: {what} must be a layer, got {type(layer).__name__}")
    return layer


def _inputs(input_or_inputs, owner):
    return _layers([] if input_or_inputs is None else check_list(input_or_inputs), "inputs", owner)


def _units(num_units):
    return None if num_units is None else int(num_units)


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


class _Cell(EngineBacked):
    """What the cell layers share: the engine layer of ``_engine_kind`` made with the parameters created from the
    user's specs (``_param_layout``, see :class:`agentnet.layers._zoo.ParamProbe`) and the nonlinearities named in
    ``_nonlinearities``."""

    _nonlinearities = ()

    def _make_params(self, specs, **config):
        probe = ParamProbe(self._engine_kind, self._engine_input_shapes(), specs, name=self.name, **config)
        self._param_layout = probe.create(self)
        self._create_engine(**config)

    def _engine_attrs(self):
        # host callables get a fresh key per engine layer (the engine releases it with that layer)
        return dict(super()._engine_attrs(), **param_refs(self._param_layout),
                    **{k: nonlinearity_spec(getattr(self, k)) for k in self._nonlinearities})


class RNNCellLayer(_Cell, MergeLayer):
    """The layer :func:`RNNCell` returns: inputs ``[prev_state] + inputs``, named ``<name>.new_state``."""

    _engine_kind = "RNNCell"
    _nonlinearities = ("nonlinearity",)

    def __init__(self, prev_state, inputs, nonlinearity, num_units, cell_name, grad_clipping, Whid, Winp, b):
        super().__init__([prev_state] + inputs, name=(cell_name or "") + ".new_state")
        self.nonlinearity = nonlinearities.identity if nonlinearity is None else nonlinearity
        self.grad_clipping = grad_clipping
        self._make_params({"Whid": Whid, "Winp": Winp, "b": b}, num_units=_units(num_units), cell_name=cell_name,
                          grad_clipping=float(grad_clipping or 0), input_names=[l.name for l in self.input_layers])
        self.num_units = self.output_shape[1]

    def _repr_args(self):
        return [f"num_units={self.num_units}"]


class GRUCellLayer(_Cell, MergeLayer):
    """The layer :func:`GRUCell` returns: inputs ``[prev_state] + inputs``, named ``name``."""

    _engine_kind = "GRUCell"
    _nonlinearities = ("forgetgate_nonlinearity", "updategate_nonlinearity", "hidden_update_nonlinearity")

    def __init__(self, prev_state, inputs, num_units, hidden_W, input_W, bias_init, forgetgate_nonlinearity,
                 updategate_nonlinearity, hidden_update_nonlinearity, dropout, name, grad_clipping):
        super().__init__([prev_state] + inputs, name=name)
        for k, f in zip(self._nonlinearities, (forgetgate_nonlinearity, updategate_nonlinearity,
                                              hidden_update_nonlinearity)):
            setattr(self, k, nonlinearities.identity if f is None else f)
        self.dropout, self.grad_clipping = dropout, grad_clipping
        self._make_params({"W_hid": hidden_W, "W_in": input_W, "b": bias_init}, num_units=_units(num_units),
                          cell_name=name, grad_clipping=float(grad_clipping or 0), dropout=float(dropout or 0),
                          seed=_new_seed() if dropout else None, input_names=[l.name for l in self.input_layers])
        self.num_units = self.output_shape[1]

    def _repr_args(self):
        return [f"num_units={self.num_units}"]


class LSTMCellLayer(_Cell, DictLayer):
    """The two-output layer behind :func:`LSTMCell`: outputs ``'cell'`` and ``'output'`` (element layers named
    ``<name>.cell`` and ``<name>.output``); inputs ``[prev_cell, prev_out] + inputs``."""

    _engine_kind = "LSTMCell"
    _nonlinearities = ("forgetgate_nonlinearity", "inputgate_nonlinearity", "outputgate_nonlinearity",
                       "cell_nonlinearity", "output_nonlinearity")

    def __init__(self, prev_cell, prev_out, inputs, num_units, peepholes, weight_init, bias_init, peepholes_W_init,
                 nonlinearity_functions, dropout, name, grad_clipping):
        incomings = [prev_cell, prev_out] + inputs
        config = dict(num_units=_units(num_units), cell_name=name, grad_clipping=float(grad_clipping or 0),
                      dropout=float(dropout or 0), seed=_new_seed() if dropout else None,
                      input_names=[l.name for l in incomings])
        probe = ParamProbe("LSTMCell", [l.output_shape for l in incomings],
                           {"W": weight_init, "b": bias_init, "peepholes": peepholes_W_init}, name=name, **config)
        shape = probe.output_shapes[0]
        super().__init__(incomings, {"cell": shape, "output": shape}, name=name)
        for k, f in zip(self._nonlinearities, nonlinearity_functions):
            setattr(self, k, nonlinearities.identity if f is None else f)
        self.peepholes, self.dropout, self.grad_clipping = bool(peepholes), dropout, grad_clipping
        self.num_units = shape[1]
        self._param_layout = probe.create(self)
        prefix = name or ""
        for key in self.keys():
            self._elements[key] = DictElementLayer(self, key, name=f"{prefix}.{key}")
        self._create_engine(**config)

    get_output_shape_for = DictLayer.get_output_shape_for

    def get_output_for(self, inputs, **kwargs):
        outs = self._compute_layer().outputs(list(inputs), kwargs.pop("deterministic", False))
        return dict(zip(self.keys(), outs))

    def __repr__(self):
        return f"LSTMCellLayer(num_units={self.num_units}, name={self.name!r}) {{'cell', 'output'}}"


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
    _check_layer(prev_state, owner, "prev_state")
    inputs = _inputs(input_or_inputs, owner)
    Winp = _per_item(Winp, len(inputs), "Winp", owner) if inputs else []
    return RNNCellLayer(prev_state, inputs, nonlinearity, num_units, name, grad_clipping, Whid, Winp, b)


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
    _check_layer(prev_state, owner, "prev_state")
    inputs = _inputs(input_or_inputs, owner)
    hidden_W, input_W = _split_weight_init(weight_init, 3, len(inputs), owner)
    bias_init = _per_item(bias_init, 3, "bias_init", owner)
    return GRUCellLayer(prev_state, inputs, num_units, hidden_W, input_W, bias_init, forgetgate_nonlinearity,
                        updategate_nonlinearity, hidden_update_nonlinearity, dropout, name, grad_clipping)


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
    _check_layer(prev_cell, owner, "prev_cell")
    _check_layer(prev_out, owner, "prev_out")
    inputs = _inputs(input_or_inputs, owner)
    n_ctrl = 1 + len(inputs)
    if isinstance(weight_init, (list, tuple)) and len(weight_init) == 2:
        hidden_W, input_W = _split_weight_init(weight_init, 4, len(inputs), owner)
        weight_init = [[h] + x for h, x in zip(hidden_W, input_W)]
    # [gate][controller over prev_out and the inputs]
    weight_init = [_per_item(w, n_ctrl, f"weight_init for channel {channel!r}", owner)
                   for channel, w in zip(_LSTM_CHANNELS, _per_item(weight_init, 4, "weight_init", owner))]
    bias_init = _per_item(bias_init, 4, "bias_init", owner)
    peep_init = _per_item(peepholes_W_init, 3, "peepholes_W_init", owner) if peepholes else None
    layer = LSTMCellLayer(prev_cell, prev_out, inputs, num_units, peepholes, weight_init, bias_init, peep_init,
                          (forgetgate_nonlinearity, inputgate_nonlinearity, outputgate_nonlinearity, cell_nonlinearity,
                           output_nonlinearity), dropout, name, grad_clipping)
    return layer["cell"], layer["output"]
