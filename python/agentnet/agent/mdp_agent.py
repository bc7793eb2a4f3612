"""``MDPAgent`` (alias ``Agent``): a one-tick agent graph — observations, memory, policy, actions — that plays an
environment or replays recorded sessions. The engine's ``MDPAgent`` (``Sources/AgentNet/Agent``) unrolls it;
this class converts the arguments (layers become engine handles) and shapes the results as the seed did."""
import numbers
from collections import OrderedDict

import numpy as np

from .. import _objects
from .. import tensor as T
from .._core import SharedVariable, Variable, constant
from .._function import function
from ..layers.base import Layer
from ..layers.helper import get_all_param_values, get_all_params, set_all_param_values
from ..layers.input import InputLayer
from ..layers.native import dtype_name
from ..utils.format import check_list, check_ordered_dict, supported_sequences
from ..utils.layers import get_layer_dtype
from .recurrence import Recurrence

__all__ = ["MDPAgent", "Agent"]


def _label(layer):
    name = getattr(layer, "name", None)
    return f"{type(layer).__name__} {name!r}" if name else type(layer).__name__


def _playable(environment):
    """A native vector env (``agentnet.envs``) is played through its :func:`agentnet.envs.native_environment`."""
    if getattr(environment, "_env_handle", None) is None and getattr(getattr(environment, "unwrapped", environment),
                                                                     "_batch", None) is not None:
        from ..envs.native_environment import native_environment
        return native_environment(environment)
    return environment


def _env_handle(environment):
    handle = getattr(environment, "_env_handle", None)
    if isinstance(handle, int):
        return _Borrowed(handle)
    if handle is None:
        raise TypeError(f"get_sessions: environment must be a BaseEnvironment, SessionPoolEnvironment or "
                        f"SessionBatchEnvironment, got {type(environment).__name__}")
    return handle


class _Borrowed:
    """An engine handle owned by someone else (e.g. a NativeEnvironment), passed by number."""

    def __init__(self, handle):
        self.handle = handle


class MDPAgent:
    """A generic agent within the MDP (Markov decision process) abstraction.

    It wraps a Recurrence that lets the agent's one-tick graph interact with an environment. A tick of the agent:
    observe (``observation_layers``), update memory (``agent_states``), estimate the policy
    (``policy_estimators``) and pick actions (``action_layers``).

    Parameters
    ----------
    observation_layers : InputLayer or list of InputLayer
        The agent's observation(s), ``[batch] + observation_shape``.
    agent_states : dict or list of pairs
        ``OrderedDict{memory_output: memory_input}``: ``memory_output`` is the layer computing the new memory
        from the previous one and the observation, ``memory_input`` the InputLayer standing for the previous
        memory.
    policy_estimators : Layer or list of Layer
        Whatever determines the policy or is wanted later: Q-values, action probabilities, state values...
    action_layers : Layer or list of Layer
        What is fed to the environment as actions (resolvers such as EpsilonGreedyResolver).

    Attributes
    ----------
    observation_layers : list of Layer
    agent_states : OrderedDict
    policy : list of Layer
    action_layers : list of Layer
    single_observation, single_policy, single_action : bool
        Whether a single layer (not a list or tuple) was given: ``get_sessions`` then returns that element itself.

    Raises
    ------
    TypeError
        For arguments that are not layers.
    AgentNetError
        From the engine: observations or previous memories that are not InputLayers, a memory whose shape differs
        from its previous-memory input, no observation or no action layer.
    """

    def __init__(self, observation_layers=(), agent_states={}, policy_estimators=(), action_layers=()):
        self.single_action = type(action_layers) not in supported_sequences
        self.single_policy = type(policy_estimators) not in supported_sequences
        self.single_observation = type(observation_layers) not in supported_sequences
        self.observation_layers = check_list(observation_layers)
        try:
            self.agent_states = check_ordered_dict(agent_states)
        except TypeError:
            raise TypeError(f"MDPAgent: agent_states must be a dict {{new memory: previous-memory InputLayer}}, got "
                            f"{type(agent_states).__name__}") from None
        self.policy = check_list(policy_estimators)
        self.action_layers = check_list(action_layers)
        for what, layers in (("observation_layers", self.observation_layers), ("policy_estimators", self.policy),
                             ("action_layers", self.action_layers),
                             ("agent_states", list(self.agent_states) + list(self.agent_states.values()))):
            for layer in layers:
                if not isinstance(layer, Layer):
                    raise TypeError(f"MDPAgent: {what} must hold layers, got {type(layer).__name__}")
                if isinstance(layer.output_shape, dict):
                    raise TypeError(f"MDPAgent: {what}: {_label(layer)} has several outputs; pass one of them, e.g. "
                                    f"layer[{next(iter(layer.output_shape))!r}]")
        self._engine = _objects.create_agent({
            "observation_layers": [l._handle for l in self.observation_layers],
            "agent_states": [[k._handle, v._handle] for k, v in self.agent_states.items()],
            "policy_estimators": [l._handle for l in self.policy],
            "action_layers": [l._handle for l in self.action_layers]})
        self.recurrence = None

    # MARK: parameters

    def _layers(self):
        return list(self.agent_states) + self.policy + self.action_layers

    def get_all_params(self, **kwargs):
        """``get_all_params`` of all the agent's layers (memories, policy, actions); ``kwargs`` are tag filters."""
        return get_all_params(self._layers(), **kwargs)

    def get_all_param_values(self, **kwargs):
        """``get_all_param_values`` of all the agent's layers."""
        return get_all_param_values(self._layers(), **kwargs)

    def set_all_param_values(self, values, **kwargs):
        """``set_all_param_values`` of all the agent's layers."""
        return set_all_param_values(self._layers(), values, **kwargs)

    def get_automatic_updates(self, recurrent=True):
        """The updates the last :meth:`get_sessions` needs a compiled function to apply: on a native environment,
        the agent's memory of every sub-env (kept between calls, zeroed where a sub-env resets); otherwise an empty
        OrderedDict (random generators advance inside compiled functions; the seed needed updates for
        ``theano.scan``)."""
        return OrderedDict(getattr(self, "_automatic_updates", ()))

    # MARK: one tick

    def get_agent_reaction(self, prev_states={}, current_observations=(), **kwargs):
        """Symbolic expressions for one tick of the agent.

        Parameters
        ----------
        prev_states : dict or list
            Previous memories: ``{memory layer: value}`` or a list in ``agent_states`` order, ``[batch] +
            memory_shape`` each.
        current_observations : Variable, array or list of such
            One per observation layer, ``[batch] + observation_shape``.
        **kwargs
            get_output flags (``deterministic=True``...).

        Returns
        -------
        actions : list of Variable
            One per action layer.
        new_states : list of Variable
            The new memories in ``agent_states`` order (cast to each memory's dtype).
        outputs : list of Variable
            The policy estimators, then the actions.
        """
        if hasattr(prev_states, "keys"):
            prev = check_ordered_dict(prev_states)
            unknown = [k for k in prev if k not in self.agent_states]
            if unknown:
                raise ValueError(f"get_agent_reaction: {_label(unknown[0])} is not one of the agent's memories")
            missing = [k for k in self.agent_states if k not in prev]
            if missing:
                raise ValueError(f"get_agent_reaction: no previous value for memory {_label(missing[0])}")
            prev = [prev[k] for k in self.agent_states]
        else:
            prev = check_list(prev_states) if (self.agent_states or prev_states) else []
        observations = check_list(current_observations)
        handles, reply = _objects.agent_call(self._engine, "get_agent_reaction", {"options": _objects.options(kwargs)},
                                             prev + observations, kwargs)
        values = _objects.variables(handles)
        na, nm, _ = reply["counts"]
        return values[:na], values[na:na + nm], values[na + nm:]

    def get_react_function(self, output_flags={}, function_flags={"allow_input_downcast": True}):
        """Compiles one tick of the agent.

        Parameters
        ----------
        output_flags : dict
            get_output flags for the tick (e.g. ``{'deterministic': True}``).
        function_flags : dict
            ``agentnet.function`` options (``check_finite``, ``name``); ``allow_input_downcast`` is accepted
            (inputs are always converted to the engine's dtypes).

        Returns
        -------
        Function
            Takes all observations followed by all memories (numpy arrays ``[batch, ...]``) and returns all
            actions followed by all new memories. Feeding the returned memories back continues them::

                react = agent.get_react_function()
                action, new_mem0, new_mem1 = react(observation, mem0, mem1)
        """
        flags = dict(function_flags)
        flags.pop("allow_input_downcast", None)
        unknown = set(flags) - {"check_finite", "name"}
        if unknown:
            raise TypeError(f"get_react_function: unknown function_flags {sorted(unknown)}")
        observations = [T.tensor(dtype_name(get_layer_dtype(l)), ndim=len(l.output_shape), shape=l.output_shape,
                                 name=f"observation{i}") for i, l in enumerate(self.observation_layers)]
        memories = [T.tensor(dtype_name(get_layer_dtype(p)), ndim=len(p.output_shape), shape=p.output_shape,
                             name=f"memory{i}") for i, p in enumerate(self.agent_states.values())]
        actions, new_states, _ = self.get_agent_reaction(memories, observations, **output_flags)
        return function(observations + memories, actions + new_states, **flags)

    def get_zeros_like_memory(self, batch_size=1):
        """Zero memories for ``batch_size`` sessions: a list of numpy arrays ``[batch_size] + memory_shape`` in
        the memories' dtypes, in ``agent_states`` order."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"get_zeros_like_memory: batch_size must be an int, got {batch_size!r}")
        handles, _ = _objects.agent_call(self._engine, "zeros_like_memory", {"batch_size": int(batch_size)})
        return [v.get_value() for v in _objects.shared_variables(handles)]

    # MARK: sessions

    @staticmethod
    def _as_layer(value, layer, what, sequence_length=None):
        """``value`` as a layer fitting ``layer``'s shape: a layer, or an expression/array wrapped in an
        InputLayer (the seed's ``_check_layer``)."""
        if isinstance(value, Layer):
            return value
        shape = tuple(layer.output_shape) if isinstance(layer, Layer) else tuple(layer)
        if sequence_length is not None:
            shape = shape[:1] + (sequence_length,) + shape[1:]
        x = value if isinstance(value, Variable) else constant(np.asarray(value))
        if x.ndim != len(shape):
            raise ValueError(f"{what}: expected {len(shape)} dimensions {shape}, got an expression of {x.ndim}")
        if isinstance(x, SharedVariable):  # an InputLayer takes an expression, not the shared value itself
            x = T.cast(x, x.dtype)
        return InputLayer(shape, input_var=x, name=what)

    def _initial(self, given, targets, what, keep):
        """The engine's JSON for initial values: ``targets`` are (layer or shape) per value in order, and a dict
        may be keyed by ``keys`` (layers the user knows)."""
        if given is None or (isinstance(given, str) and given == "zeros"):
            return "zeros"
        keys, shapes = targets
        if isinstance(given, dict):
            unknown = [k for k in given if not any(k is t for t in keys)]
            if unknown:
                raise ValueError(f"get_sessions: {what} names {_label(unknown[0])}, which is not one of its values")
            given = [next((v for k, v in given.items() if k is t), None) for t in keys]
        elif isinstance(given, str):
            raise ValueError(f"get_sessions: {what} must be 'zeros', a dict or a list, got {given!r}")
        given = check_list(given)
        if len(given) != len(shapes):
            raise ValueError(f"get_sessions: got {len(given)} {what} for {len(shapes)} values")
        layers = [None if v is None else self._as_layer(v, s, f"{what}[{i}]") for i, (v, s) in
                  enumerate(zip(given, shapes))]
        keep.extend(l for l in layers if l is not None)
        return {"list": [None if l is None else l._handle for l in layers]}

    def get_sessions(self, environment, session_length=10, batch_size=None, initial_env_states="zeros",
                     initial_observations="zeros", initial_hidden="zeros", experience_replay=False, unroll_scan=True,
                     return_automatic_updates=False, optimize_experience_replay=None, **kwargs):
        """Sessions of the agent interacting with ``environment`` for ``session_length`` ticks.

        Parameters
        ----------
        environment : BaseEnvironment, SessionPoolEnvironment or SessionBatchEnvironment
            An environment to play (active mode), or recorded sessions to replay (``experience_replay=True``).
        session_length : int
            Number of ticks; in replay it must equal the recorded sessions' length.
        batch_size : int, Variable or None
            Number of parallel sessions; needed only when nothing else tells it (no initial values given and the
            environment does not know it, as BooleanReasoningEnvironment does from its data).
        initial_env_states, initial_observations, initial_hidden : 'zeros', list or dict
            Values at tick 0: 'zeros', a list aligned with the states / observation layers / memories (None
            entries start at zeros), or a dict keyed by observation layers or memory layers. Layers, expressions
            or arrays ``[batch] + shape``. They are not part of the returned sequences.
        experience_replay : bool
            Replay ``environment.observations`` and force the recorded ``environment.actions`` (the action layers
            are replaced by them); memory starts from ``initial_hidden``, else the environment's preceding
            memories, else zeros.
        unroll_scan : bool
            Accepted for compatibility; the graph is always unrolled.
        return_automatic_updates : bool
            Append the OrderedDict of updates the compiled function must apply (see :meth:`get_automatic_updates`).
        optimize_experience_replay : bool or None
            Deprecated alias of ``experience_replay``.
        **kwargs
            get_output flags for the agent's layers, e.g. ``deterministic=True``.

        Returns
        -------
        env_states : list of Variable
            ``[batch, tick] + state_shape`` per state: the state before action ``t`` (in replay, the single
            ``T.arange(session_length)``).
        observations : Variable or list of Variable
            ``[batch, tick] + shape``: what the agent saw when choosing action ``t``.
        agent_states : OrderedDict
            ``{memory layer: [batch, tick] + shape}``: the memory after processing tick ``t``.
        actions : Variable or list of Variable
            ``[batch, tick] + shape``.
        policy : Variable or list of Variable
            ``[batch, tick] + shape`` per policy estimator.

        Notes
        -----
        Time synchronisation: ``env_states[:, t]`` was observed as ``observations[:, t]``, based on which the
        agent produced ``policy[:, t]`` and ``actions[:, t]`` and updated its memory from ``hidden[:, t-1]`` to
        ``hidden[:, t]``. Observations, policy and actions are unwrapped when the agent was given a single layer.
        """
        if optimize_experience_replay is not None:
            experience_replay = optimize_experience_replay
        environment = _playable(environment)
        handle = _env_handle(environment)
        keep = []
        attrs = {"environment": handle.handle, "experience_replay": bool(experience_replay),
                 "options": _objects.options(kwargs)}
        if session_length is not None:
            if isinstance(session_length, bool) or not isinstance(session_length, numbers.Integral):
                raise TypeError(f"get_sessions: session_length must be an int, got {session_length!r}")
            attrs["session_length"] = int(session_length)
        if isinstance(batch_size, Variable):
            attrs["batch_size_var"] = batch_size.handle
        elif batch_size is not None:
            if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
                raise TypeError(f"get_sessions: batch_size must be an int or a symbolic scalar, got {batch_size!r}")
            attrs["batch_size"] = int(batch_size)
        memories = list(self.agent_states)
        attrs["initial_hidden"] = self._initial(initial_hidden, (memories, memories), "initial_hidden", keep)
        if not experience_replay:
            shapes = getattr(environment, "_shapes", None)
            if shapes is not None:
                states = [(None,) + s for s in shapes[0]]
                attrs["initial_env_states"] = self._initial(initial_env_states, ([], states), "initial_env_states", keep)
                attrs["initial_observations"] = self._initial(
                    initial_observations, (self.observation_layers, self.observation_layers), "initial_observations", keep)
        handles, reply = _objects.agent_call(self._engine, "get_sessions", attrs, (), kwargs)
        groups, at = [], 0
        for n in reply["counts"]:
            groups.append(handles[at:at + n])
            at += n
        env_states, observations, hidden, actions, policy, carried, carried_values = groups
        env_states, observations, hidden, actions, policy = (
            _objects.variables(g) for g in (env_states, observations, hidden, actions, policy))
        # A native env keeps the agent's memory between calls: these updates store it (pass them to the function).
        automatic = OrderedDict(zip(_objects.shared_variables(carried), _objects.variables(carried_values)))
        self._automatic_updates = automatic
        if experience_replay and hasattr(environment, "observations"):
            observations = list(environment.observations)
        hidden = OrderedDict(zip(self.agent_states, hidden))
        if type(getattr(environment, "state_shapes", ())) not in supported_sequences:
            env_states = env_states[0]
        if self.single_observation:
            observations = observations[0]
        if self.single_action:
            actions = actions[0]
        if self.single_policy:
            policy = policy[0]
        result = (env_states, observations, hidden, actions, policy)
        return result + (automatic,) if return_automatic_updates else result

    # MARK: recurrences

    def as_recurrence(self, environment, session_length=10, batch_size=None, initial_env_states="zeros",
                      initial_observations="zeros", initial_hidden="zeros", recurrence_name="AgentRecurrence",
                      unroll_scan=True):
        """The Recurrence layer of the agent playing ``environment`` (what active ``get_sessions`` unrolls).

        Parameters are those of :meth:`get_sessions`.

        Returns
        -------
        Recurrence
            Its states are the agent's memories, then the environment's states, then its observations (fed back
            as the agent's observation layers; these two delayed one tick); its tracked outputs are the policy then
            the actions: ``rec[layer]`` gives each sequence ``[batch, tick, ...]``.
        """
        from ..environment.base import BaseEnvironment
        if not isinstance(environment, BaseEnvironment):
            raise TypeError(f"as_recurrence: environment must be a BaseEnvironment, got {type(environment).__name__}")
        env = environment
        states, _, _ = env._shapes
        prev_env_states = [InputLayer((None,) + s, input_var=T.tensor(dtype_name(d), ndim=len(s) + 1, shape=(None,) + s,
                                                                     name=f"env.prev_state[{i}]"),
                                      name=f"env.prev_state[{i}]")
                           for i, (s, d) in enumerate(zip(states, env.state_dtypes))]
        new_states, new_observations = env.as_layers(prev_env_states, self.action_layers)
        state_variables = OrderedDict(list(self.agent_states.items()) + list(zip(new_states, prev_env_states))
                                      + list(zip(new_observations, self.observation_layers)))
        inits = OrderedDict()
        for layers, given, what, keys in ((new_states, initial_env_states, "initial_env_states", new_states),
                                          (new_observations, initial_observations, "initial_observations",
                                           self.observation_layers),
                                          (list(self.agent_states), initial_hidden, "initial_hidden",
                                           list(self.agent_states))):
            if given is None or (isinstance(given, str) and given == "zeros"):
                continue
            if isinstance(given, dict):
                given = [next((v for k, v in given.items() if k is key), None) for key in keys]
            given = check_list(given)
            if len(given) != len(layers):
                raise ValueError(f"as_recurrence: got {len(given)} {what} for {len(layers)} values")
            for layer, value in zip(layers, given):
                if value is not None:
                    inits[layer] = self._as_layer(value, layer, what)
        if batch_size is None and not inits:
            batch_size = getattr(env, "batch_size", None)
        return Recurrence(state_variables=state_variables, state_init=inits, tracked_outputs=self.policy + self.action_layers,
                          n_steps=session_length, batch_size=batch_size, delayed_states=new_states + new_observations,
                          name=recurrence_name, unroll_scan=unroll_scan)

    def as_replay_recurrence(self, environment, session_length=10, initial_hidden="zeros",
                             recurrence_name="ReplayRecurrence", unroll_scan=True):
        """The Recurrence layer of the agent replaying ``environment``'s recorded sessions (what
        ``get_sessions(..., experience_replay=True)`` unrolls): the recorded observations feed the observation
        layers and the recorded actions replace the action layers.

        Parameters
        ----------
        environment : SessionPoolEnvironment or SessionBatchEnvironment
        session_length : int
        initial_hidden : 'zeros', list or dict
            Memory before the first tick; 'zeros' uses the environment's preceding memories when it has them.
        recurrence_name : str
        unroll_scan : bool

        Returns
        -------
        Recurrence
            States: the agent's memories; tracked outputs: the policy, then the (recorded) actions.
        """
        read = getattr(environment, "_read_sequences", None)
        if read is None:
            raise TypeError(f"as_replay_recurrence: environment must be a SessionPoolEnvironment or "
                            f"SessionBatchEnvironment, got {type(environment).__name__}")
        observations, actions, _, memories = read()
        if len(observations) != len(self.observation_layers) or len(actions) != len(self.action_layers):
            raise ValueError(f"as_replay_recurrence: the environment records {len(observations)} observations and "
                             f"{len(actions)} actions; the agent has {len(self.observation_layers)} observation "
                             f"layers and {len(self.action_layers)} action layers")
        sequences = OrderedDict()
        for what, layers, seqs in (("observation", self.observation_layers, observations),
                                   ("action", self.action_layers, actions)):
            for i, (layer, seq) in enumerate(zip(layers, seqs)):
                sequences[layer] = self._as_layer(T.cast(seq, dtype_name(get_layer_dtype(layer))), layer,
                                                  f"recorded {what} {i}", sequence_length=session_length)
        if (initial_hidden is None or (isinstance(initial_hidden, str) and initial_hidden == "zeros")) and memories:
            initial_hidden = memories
        inits = OrderedDict()
        if not (initial_hidden is None or (isinstance(initial_hidden, str) and initial_hidden == "zeros")):
            keys = list(self.agent_states)
            given = ([initial_hidden.get(k) for k in keys] if isinstance(initial_hidden, dict)
                     else check_list(initial_hidden))
            if len(given) != len(keys):
                raise ValueError(f"as_replay_recurrence: got {len(given)} initial_hidden for {len(keys)} memories")
            for layer, value in zip(keys, given):
                if value is not None:
                    inits[layer] = self._as_layer(value, layer, "initial_hidden")
        return Recurrence(state_variables=self.agent_states, state_init=inits, input_sequences=sequences,
                          tracked_outputs=self.policy + self.action_layers, n_steps=session_length,
                          name=recurrence_name, unroll_scan=unroll_scan)

    def __repr__(self):
        return (f"MDPAgent(observations={len(self.observation_layers)}, memories={len(self.agent_states)}, "
                f"policy={len(self.policy)}, actions={len(self.action_layers)})")


#: The seed's other name for :class:`MDPAgent`.
Agent = MDPAgent
