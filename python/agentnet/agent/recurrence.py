"""``Recurrence``: a layer that rolls a one-tick layer graph over time, unrolled when it is built.

A one-tick graph maps previous states (InputLayers) and per-tick inputs to new states and any other outputs.
``Recurrence`` copies that graph ``n_steps`` times, feeding each tick's new states into the next, and outputs the
sequences ``[batch, tick, ...]``. Because the copies are ordinary nodes, backpropagation through time is plain
reverse mode (ARCHITECTURE §3); there is no scan op, so the number of ticks must be known when the graph is built.

The engine's ``Recurrence`` (``Sources/AgentNet/Agent/Recurrence.swift``) checks the arguments and unrolls the
graph; this class converts the arguments (layers become engine handles) and mirrors what the engine decided: the
number of ticks, the output shapes and dtypes, and the parameters (those of the one-tick graph, except those of
registered inputs and the layers below them).
"""
import ctypes
import numbers
import warnings
from collections import OrderedDict

import numpy as np

from .. import _host, _lib
from .._core import Variable, c_i64p, constant, lib
from ..layers.base import Layer
from ..layers.helper import _kwarg_names, get_all_layers, get_output
from ..layers.native import EngineLayer
from ..utils.format import check_list, check_ordered_dict
from ..utils.layers import DictLayer
from ._arguments import label

__all__ = ["Recurrence"]

_lib.declare("agn_recurrence_step", ctypes.c_int64, c_i64p, c_i64p, ctypes.c_int64, c_i64p, c_i64p, ctypes.c_int64,
             ctypes.c_char_p, c_i64p, ctypes.c_int64, c_i64p)


def _count(x):
    """A count for the engine's JSON: an int, or anything else shown as given (the engine rejects it)."""
    if x is None or (isinstance(x, numbers.Integral) and not isinstance(x, bool)):
        return None if x is None else int(x)
    return repr(x)


def _arr(values):
    return (ctypes.c_int64 * max(len(values), 1))(*values)


class Recurrence(DictLayer):
    """A recurrent layer built from a one-tick graph (the seed's ``agentnet.agent.recurrence.Recurrence``).

    Parameters
    ----------
    input_nonsequences : dict
        ``{one-tick InputLayer: outer layer}``; the outer layer's value is fed at every tick.
    input_sequences : dict
        ``{one-tick InputLayer: outer sequence layer [batch, tick, ...]}``; tick ``t`` of the sequence
        (``seq[:, t]``) is fed at tick ``t``.
    tracked_outputs : Layer or list of Layer
        One-tick layers whose value is recorded at every tick (states are recorded anyway).
    state_variables : dict
        ``{new state layer: previous state InputLayer}``. A state's dtype is its layer's ``output_dtype`` if it
        has one, else float32; new values are cast to it.
    state_init : 'zeros', dict or list
        Initial states: ``{new state layer: outer layer}`` (missing states start at zeros), or a list of outer
        layers (or None for zeros) in ``state_variables`` order. Zeros have shape ``(batch,) + state_shape[1:]``.
    unroll_scan : bool
        Accepted for compatibility; the graph is always unrolled.
    n_steps : int or None
        Number of ticks; inferred from the sequences' static length (``shape[1]``) when None.
    batch_size : int, Variable or None
        Needed only when the Recurrence has no outer inputs at all; otherwise taken from the first outer input.
    mask_input : Layer or None
        ``[batch, tick]``; where it is 0, states and tracked outputs keep their previous values (tracked outputs
        start at zeros).
    delayed_states : list of Layer
        States whose sequences are shifted one tick later: ``concat(init, seq[:, :-1])``.
    verify_graph : bool
        Check at construction that every InputLayer of the one-tick graph is registered, that no previous-state
        layer is used twice, and warn about registered inputs the graph does not use. Shape checks are always
        made.
    name : str

    Notes
    -----
    ``get_output(rec)`` is an OrderedDict ``{layer: sequence}`` over states then tracked outputs;
    ``rec[layer]`` (or ``rec[l1, l2]``) gives layers for single sequences of shape
    ``(batch, n_steps) + layer_shape[1:]``. Random layers inside (dropout, resolvers) draw new values at every tick
    and their generator state advances on every call of a compiled function, so there are no updates to collect.

    Examples
    --------
    >>> from agentnet.layers import InputLayer, DenseLayer, ElemwiseSumLayer
    >>> sequence = InputLayer((None, 25, 3))
    >>> x_t, h_prev = InputLayer((None, 3)), InputLayer((None, 10))
    >>> h = DenseLayer(ElemwiseSumLayer([DenseLayer(x_t, 10, nonlinearity=None),
    ...                                  DenseLayer(h_prev, 10, nonlinearity=None)]), 10)
    >>> rec = Recurrence(input_sequences={x_t: sequence}, state_variables={h: h_prev})
    >>> rec[h].output_shape
    (None, 25, 10)
    """

    def __init__(self, input_nonsequences=OrderedDict(), input_sequences=OrderedDict(), tracked_outputs=(),
                 state_variables=OrderedDict(), state_init="zeros", unroll_scan=True, n_steps=None, batch_size=None,
                 mask_input=None, delayed_states=(), verify_graph=True, name="YetAnotherRecurrence"):
        self.name = name
        what = f"Recurrence {name!r}"
        self.state_variables = self._layer_dict(state_variables, "state_variables", what)
        self.input_sequences = self._layer_dict(input_sequences, "input_sequences", what)
        self.input_nonsequences = self._layer_dict(input_nonsequences, "input_nonsequences", what)
        self.tracked_outputs = [] if tracked_outputs is None else check_list(tracked_outputs)
        for out in self.tracked_outputs:
            if not isinstance(out, Layer):
                raise TypeError(f"{what}: tracked_outputs must be layers, got {type(out).__name__}")
        for layer in list(self.state_variables) + self.tracked_outputs:
            if isinstance(layer.output_shape, dict):
                raise TypeError(f"{what}: {label(layer)} has several outputs {list(layer.output_shape)}; track "
                                f"one of them, e.g. layer[{next(iter(layer.output_shape))!r}]")
        self.unroll_scan = bool(unroll_scan)
        self.state_init = self._check_state_init(state_init, what)
        if mask_input is not None and not isinstance(mask_input, Layer):
            raise TypeError(f"{what}: mask_input must be a layer, got {type(mask_input).__name__}")
        self.mask_input = mask_input
        self.delayed_states = check_list(delayed_states) if delayed_states is not None else []
        for s in self.delayed_states:
            if not isinstance(s, Layer):
                raise ValueError(f"{what}: delayed state {label(s)} is not a key of state_variables")
        self.verify_graph = bool(verify_graph)
        if batch_size is not None and not isinstance(batch_size, Variable) and isinstance(batch_size, numbers.Integral) \
                and not isinstance(batch_size, bool):
            batch_size = int(batch_size)
        self.n_steps, self.batch_size = n_steps, batch_size

        engine = self._make_engine_layer()  # the engine checks everything else here
        facts = engine.describe()
        self.n_steps = facts["n_steps"]
        self.state_init = self._normalized_state_init()
        keys = list(OrderedDict.fromkeys(list(self.state_variables) + self.tracked_outputs))
        shapes = [tuple(s) for s in facts["output_shapes"]]
        super().__init__(self._outer_layers(), OrderedDict(zip(keys, shapes)), facts["output_dtypes"], name=name)
        self.params = OrderedDict(self._param_from(key, index) for key, index in facts["param_sources"])
        self._attach_engine(engine)
        if facts["unused_inputs"]:
            warnings.warn(f"{what}: registered inputs not used by any state or tracked output: "
                          f"{', '.join(label(_host.lookup(k)) for k in facts['unused_inputs'])}", stacklevel=2)

        outs = list(self.state_variables) + self.tracked_outputs
        registered = list(self.state_variables.values()) + list(self.input_sequences) + list(self.input_nonsequences)
        accepted = {"deterministic"}
        for layer in get_all_layers(outs, treat_as_input=registered):
            accepted |= _kwarg_names(layer.get_output_for) | set(getattr(layer, "get_output_kwargs", []))
        self.get_output_kwargs = sorted(accepted)

    # MARK: arguments

    @staticmethod
    def _layer_dict(d, argname, what):
        try:
            d = check_ordered_dict(d)
        except TypeError:
            raise TypeError(f"{what}: {argname} must be a dict of layers, got {type(d).__name__}") from None
        for k, v in d.items():
            if not isinstance(k, Layer) or not isinstance(v, Layer):
                raise TypeError(f"{what}: {argname} must map layers to layers, got {type(k).__name__} -> "
                                f"{type(v).__name__}")
        return d

    def _check_state_init(self, state_init, what):
        if state_init is None or (isinstance(state_init, str) and state_init == "zeros"):
            return "zeros"
        if isinstance(state_init, dict):
            items = list(state_init.items())
        elif isinstance(state_init, (list, tuple)):
            items = list(zip(self.state_variables, state_init))  # the engine checks the length
        else:
            raise TypeError(f"{what}: state_init must be 'zeros', a dict or a list of layers, got "
                            f"{type(state_init).__name__}")
        for k, v in items:
            if not isinstance(k, Layer):
                raise TypeError(f"{what}: the keys of state_init must be layers, got {type(k).__name__}")
            if v is not None and not isinstance(v, Layer):
                raise TypeError(f"{what}: the initial value of {label(k)} must be a layer, got {type(v).__name__}")
        return state_init

    def _normalized_state_init(self):
        """``{state: initial layer}`` in state order (the engine accepted ``state_init``)."""
        given = self.state_init
        if isinstance(given, dict):
            inits = {k: v for k, v in given.items() if v is not None}
        elif isinstance(given, (list, tuple)):
            inits = {k: v for k, v in zip(self.state_variables, given) if v is not None}
        else:
            inits = {}
        return OrderedDict((k, inits[k]) for k in self.state_variables if k in inits)

    def _outer_layers(self):
        """The engine's incoming layers: initial states, non-sequences, sequences, mask."""
        return (list(self.state_init.values()) + list(self.input_nonsequences.values())
                + list(self.input_sequences.values()) + ([self.mask_input] if self.mask_input is not None else []))

    def _param_from(self, key, index):
        layer = _host.lookup(key)
        param = list(layer.params)[index]
        return param, set(layer.params[param])

    def _make_engine_layer(self):
        def h(layer):
            return layer._handle

        def pairs(d):
            return [[h(k), h(v)] for k, v in d.items()]

        given = self.state_init
        if isinstance(given, dict):
            state_init = [[h(k), None if v is None else h(v)] for k, v in given.items()]
        elif isinstance(given, (list, tuple)):
            state_init = {"list": [None if v is None else h(v) for v in given]}
        else:
            state_init = "zeros"
        batch = self.batch_size
        return EngineLayer(
            "Recurrence", [], name=self.name, host_key=self._key, state_variables=pairs(self.state_variables),
            input_sequences=pairs(self.input_sequences), input_nonsequences=pairs(self.input_nonsequences),
            tracked_outputs=[h(l) for l in self.tracked_outputs], state_init=state_init,
            mask_input=None if self.mask_input is None else h(self.mask_input),
            delayed_states=[h(s) for s in self.delayed_states], n_steps=_count(self.n_steps),
            **({"batch_size_var": batch.handle} if isinstance(batch, Variable) else {"batch_size": _count(batch)}),
            unroll_scan=self.unroll_scan, verify_graph=self.verify_graph)

    # MARK: access

    def __getitem__(self, key):
        if isinstance(key, (tuple, list)):
            return [super(Recurrence, self).__getitem__(k) for k in key]
        return super().__getitem__(key)

    def get_sequence_layers(self):
        """``(state sequence layers, tracked output sequence layers)``, each ``[batch, tick, ...]``."""
        return [self[s] for s in self.state_variables], [self[o] for o in self.tracked_outputs]

    def get_automatic_updates(self, recurrent=True):
        """An empty OrderedDict: random generators advance inside compiled functions, so nothing needs collecting.

        Accepted for seed compatibility, where ``theano.scan`` required collecting them.
        """
        return OrderedDict()

    # MARK: one tick

    @staticmethod
    def _step_args(values, what):
        """``(layer handles or None, expressions)`` for a dict by layer or a positional list."""
        def expr(x):
            return x if isinstance(x, Variable) else constant(np.asarray(x))
        if isinstance(values, dict):
            for k in values:
                if not isinstance(k, Layer):
                    raise TypeError(f"get_one_step: the keys of {what} must be layers, got {type(k).__name__}")
            return [k._handle for k in values], [expr(v) for v in values.values()]
        return None, [expr(v) for v in values]

    def get_one_step(self, prev_states={}, current_inputs={}, **get_output_kwargs):
        """Applies the one-tick graph once.

        Parameters
        ----------
        prev_states : dict or list
            ``{new state layer: expression}`` or a list in ``state_variables`` order.
        current_inputs : dict or list
            ``{one-tick input layer: expression}`` or a list in the order non-sequences then sequences.
        **get_output_kwargs
            Flags for the one-tick layers (``deterministic=True``...).

        Returns
        -------
        new_states : list of Variable
            In ``state_variables`` order, cast to each state's dtype.
        new_outputs : list of Variable
            In ``tracked_outputs`` order.
        """
        prev_layers, prev = self._step_args(prev_states, "prev_states")
        input_layers, current = self._step_args(current_inputs, "current_inputs")
        cap = len(self.state_variables) + len(self.tracked_outputs)
        outs, n = (ctypes.c_int64 * max(cap, 1))(), ctypes.c_int64()
        with _host.kwargs_scope(get_output_kwargs):
            _host.call(lib.agn_recurrence_step(
                self._handle, None if prev_layers is None else _arr(prev_layers), _arr([x.handle for x in prev]),
                len(prev), None if input_layers is None else _arr(input_layers), _arr([x.handle for x in current]),
                len(current), _host.options_json(get_output_kwargs), outs, cap, ctypes.byref(n)))
        values = [Variable(outs[i]) for i in range(n.value)]
        return values[:len(self.state_variables)], values[len(self.state_variables):]

    # MARK: unrolling

    def get_output_for(self, inputs, accumulate_updates="warn", recurrence_flags={}, **kwargs):
        """The state and tracked-output sequences, unrolled over ``n_steps`` ticks.

        Parameters
        ----------
        inputs : list of Variable
            Outer inputs in the order initial states, non-sequences, sequences, mask.
        accumulate_updates : any
            Accepted for seed compatibility (there are no updates to collect).
        recurrence_flags : dict
            Flags for the one-tick layers, e.g. ``{'deterministic': True}``; they override ``kwargs``.
        **kwargs
            Flags from ``get_output``, also passed to the one-tick layers that accept them.

        Returns
        -------
        OrderedDict
            ``{layer: [batch, tick, ...]}`` over states then tracked outputs.
        """
        inputs = list(inputs)
        if len(inputs) != len(self.input_layers):
            raise ValueError(f"Recurrence {self.name!r}: got {len(inputs)} outer inputs, expected "
                             f"{len(self.input_layers)} (initial states, non-sequences, sequences, mask)")
        return get_output(self, inputs=dict(zip(self.input_layers, inputs)), recurrence_flags=recurrence_flags,
                          **kwargs)

    def __repr__(self):
        args = ", ".join(self._repr_args() + ([f"name={self.name!r}"] if self.name is not None else []))
        return f"Recurrence({args})"

    def _repr_args(self):
        return [f"n_steps={self.n_steps}", f"states={len(self.state_variables)}",
                f"outputs={len(self.tracked_outputs)}"]
