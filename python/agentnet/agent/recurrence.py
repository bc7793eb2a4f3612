"""``Recurrence``: a layer that rolls a one-tick layer graph over time, unrolled when it is built.

A one-tick graph maps previous states (InputLayers) and per-tick inputs to new states and any other outputs.
``Recurrence`` copies that graph ``n_steps`` times, feeding each tick's new states into the next, and outputs the
sequences ``[batch, tick, ...]``. Because the copies are ordinary nodes, backpropagation through time is plain
reverse mode (ARCHITECTURE §3); there is no scan op, so the number of ticks must be known when the graph is built.
"""
import numbers
from collections import OrderedDict

import numpy as np

from .. import tensor as T
from .._core import Variable, constant
from ..layers.base import Layer
from ..layers.helper import _kwarg_names, get_output
from ..utils.format import check_list
from ..utils.layers import DictLayer, get_layer_dtype
from .recurrence_checks import RecurrenceChecks, _label

__all__ = ["Recurrence"]


class Recurrence(RecurrenceChecks, DictLayer):
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
                raise TypeError(f"{what}: {_label(layer)} has several outputs {list(layer.output_shape)}; track "
                                f"one of them, e.g. layer[{next(iter(layer.output_shape))!r}]")
        self.unroll_scan = bool(unroll_scan)
        self.state_init = self._state_inits(state_init, what)
        if mask_input is not None and not isinstance(mask_input, Layer):
            raise TypeError(f"{what}: mask_input must be a layer, got {type(mask_input).__name__}")
        self.mask_input = mask_input
        self.delayed_states = check_list(delayed_states) if delayed_states is not None else []
        for s in self.delayed_states:
            if s not in self.state_variables:
                raise ValueError(f"{what}: delayed state {_label(s)} is not a key of state_variables")
        self.verify_graph = bool(verify_graph)

        self._check_shapes(what)
        self.n_steps = self._infer_n_steps(n_steps, what)
        if batch_size is not None and not isinstance(batch_size, Variable):
            if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size <= 0:
                raise ValueError(f"{what}: batch_size must be a positive int or a symbolic scalar, got "
                                 f"{batch_size!r}")
            batch_size = int(batch_size)
        self.batch_size = batch_size

        self._init_keys = list(self.state_init)
        incomings = ([self.state_init[k] for k in self._init_keys] + list(self.input_nonsequences.values())
                     + list(self.input_sequences.values()) + ([mask_input] if mask_input is not None else []))
        if not incomings and batch_size is None:
            raise ValueError(f"{what} has no outer inputs (no sequences, non-sequences, initial states or mask), so "
                             "batch_size must be given")

        step_layers = self._step_layers()
        registered = self._registered()
        if self.verify_graph:
            self._verify(step_layers, registered, what)
        self._check_zero_inits(what)

        keys = list(OrderedDict.fromkeys(list(self.state_variables) + self.tracked_outputs))
        batch = self._static_batch(incomings)
        shapes = OrderedDict((k, (batch, self.n_steps) + tuple(k.output_shape[1:])) for k in keys)
        dtypes = OrderedDict((k, get_layer_dtype(k)) for k in keys)
        super().__init__(incomings, shapes, dtypes, name=name)

        # Parameters of the one-tick graph, except those of registered inputs and the layers below them.
        for layer in step_layers:
            if layer in registered:
                continue
            for p, tags in layer.params.items():
                if p not in self.params:
                    self.params[p] = set(tags)
        accepted = {"deterministic"}
        for layer in step_layers:
            accepted |= _kwarg_names(layer.get_output_for) | set(getattr(layer, "get_output_kwargs", []))
        self._inner_kwargs = accepted
        self.get_output_kwargs = sorted(accepted)

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

    def _flags(self, kwargs):
        return {k: v for k, v in kwargs.items() if k in self._inner_kwargs}

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
        states = list(self.state_variables)
        if isinstance(prev_states, dict):
            missing = [s for s in states if s not in prev_states]
            if missing:
                raise ValueError(f"get_one_step: no previous value for state(s) {', '.join(map(_label, missing))}")
            prev = [prev_states[s] for s in states]
        else:
            prev = list(prev_states)
            if len(prev) != len(states):
                raise ValueError(f"get_one_step: got {len(prev)} previous states for {len(states)} states")
        slots = list(self.input_nonsequences) + list(self.input_sequences)
        if isinstance(current_inputs, dict):
            unknown = [l for l in current_inputs if l not in slots]
            if unknown:
                raise ValueError(f"get_one_step: {', '.join(map(_label, unknown))} is not a registered input")
            missing = [l for l in slots if l not in current_inputs]
            if missing:
                raise ValueError(f"get_one_step: no value for input(s) {', '.join(map(_label, missing))}")
            inputs = current_inputs
        else:
            current_inputs = list(current_inputs)
            if len(current_inputs) != len(slots):
                raise ValueError(f"get_one_step: got {len(current_inputs)} inputs for {len(slots)} input slots")
            inputs = dict(zip(slots, current_inputs))
        feed = dict(zip(self.state_variables.values(), prev))
        feed.update(inputs)
        outs = get_output(states + self.tracked_outputs, inputs=feed, **self._flags(get_output_kwargs))
        new_states = [self._cast(o, s) for o, s in zip(outs[:len(states)], states)]
        return new_states, outs[len(states):]

    @staticmethod
    def _cast(expr, layer):
        dtype = get_layer_dtype(layer)
        if not isinstance(expr, Variable):
            return constant(np.asarray(expr, dtype=dtype))
        return expr if expr.dtype == dtype else T.cast(expr, dtype)

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
        n_init, n_ns, n_seq = len(self._init_keys), len(self.input_nonsequences), len(self.input_sequences)
        inits = dict(zip(self._init_keys, inputs[:n_init]))
        nonseqs = inputs[n_init:n_init + n_ns]
        seqs = inputs[n_init + n_ns:n_init + n_ns + n_seq]
        mask = inputs[n_init + n_ns + n_seq] if self.mask_input is not None else None
        flags = dict(kwargs)
        flags.update(recurrence_flags or {})

        states = list(self.state_variables)
        batch = self.batch_size if self.batch_size is not None else inputs[0].shape[0]
        prev = []
        for s in states:
            if s in inits:
                prev.append(self._cast(inits[s], s))
            else:
                prev.append(T.zeros((batch,) + tuple(s.output_shape[1:]), dtype=get_layer_dtype(s)))
        initial = list(prev)
        prev_out = [None] * len(self.tracked_outputs)
        state_hist = [[] for _ in states]
        out_hist = [[] for _ in self.tracked_outputs]
        for t in range(self.n_steps):
            current = nonseqs + [seq[:, t] for seq in seqs]
            new_states, new_outs = self.get_one_step(prev, current, **flags)
            if mask is not None:
                m = T.neq(mask[:, t], 0)
                new_states = [T.where(self._bcast(m, x), x, p) for x, p in zip(new_states, prev)]
                new_outs = [T.where(self._bcast(m, x), x, T.zeros_like(x) if p is None else p)
                            for x, p in zip(new_outs, prev_out)]
            for h, x in zip(state_hist, new_states):
                h.append(x)
            for h, x in zip(out_hist, new_outs):
                h.append(x)
            prev, prev_out = new_states, new_outs

        result = OrderedDict()
        for s, init, hist in zip(states, initial, state_hist):
            if s in self.delayed_states:
                hist = [init] + hist[:-1]
            result[s] = T.stack(hist, axis=1)
        for o, hist in zip(self.tracked_outputs, out_hist):
            if o not in result:
                result[o] = T.stack(hist, axis=1)
        return result

    @staticmethod
    def _bcast(mask_t, x):
        """The ``[batch]`` mask shaped to broadcast against ``x`` of shape ``[batch, ...]``."""
        return mask_t if x.ndim == 1 else T.dimshuffle(mask_t, [0] + ["x"] * (x.ndim - 1))

    def __repr__(self):
        args = ", ".join(self._repr_args() + ([f"name={self.name!r}"] if self.name is not None else []))
        return f"Recurrence({args})"

    def _repr_args(self):
        return [f"n_steps={self.n_steps}", f"states={len(self.state_variables)}",
                f"outputs={len(self.tracked_outputs)}"]
