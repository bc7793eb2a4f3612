"""Sessions of :class:`MDPAgent`: the agent playing an environment, or replaying recorded sessions, for a number of
ticks (``get_sessions``), unrolled by the engine into sequences ``[batch, tick, ...]``, and the updates a compiled
function must apply to keep a native environment's memories between calls."""
import numbers
from collections import OrderedDict

from .. import _objects
from .._core import Variable
from ..utils.format import check_list, supported_sequences
from ._arguments import as_layer, is_zeros, label


def _playable(environment):
    """A native vector env (``agentnet.envs``) is played through its :func:`agentnet.envs.native_environment`."""
    if getattr(environment, "_env_handle", None) is None and getattr(getattr(environment, "unwrapped", environment),
                                                                     "_batch", None) is not None:
        from ..envs.native_environment import native_environment
        return native_environment(environment)
    return environment


def _env_handle(environment):
    """The engine handle get_sessions passes for ``environment``: its own, or a borrowed number."""
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


def _initial_values(given, targets, what, keep):
    """The engine's JSON for initial values: ``targets`` is (keys, shapes), the layers a dict may be keyed by and
    the layer or shape of each value in order; the InputLayers made for values go to ``keep`` (alive until the
    engine has read their handles)."""
    if is_zeros(given):
        return "zeros"
    keys, shapes = targets
    if isinstance(given, dict):
        unknown = [k for k in given if not any(k is t for t in keys)]
        if unknown:
            raise ValueError(f"get_sessions: {what} names {label(unknown[0])}, which is not one of its values")
        given = [next((v for k, v in given.items() if k is t), None) for t in keys]
    elif isinstance(given, str):
        raise ValueError(f"get_sessions: {what} must be 'zeros', a dict or a list, got {given!r}")
    given = check_list(given)
    if len(given) != len(shapes):
        raise ValueError(f"get_sessions: got {len(given)} {what} for {len(shapes)} values")
    layers = [None if v is None else as_layer(v, s, f"{what}[{i}]") for i, (v, s) in
              enumerate(zip(given, shapes))]
    keep.extend(l for l in layers if l is not None)
    return {"list": [None if l is None else l._handle for l in layers]}


class AgentSessions:
    """The session methods of :class:`MDPAgent` (``get_sessions``, ``get_automatic_updates``)."""

    def get_automatic_updates(self, recurrent=True):
        """The updates the last :meth:`get_sessions` needs a compiled function to apply: on a native environment,
        the agent's memory of every sub-env (kept between calls, zeroed where a sub-env resets); otherwise an empty
        OrderedDict (random generators advance inside compiled functions; the seed needed updates for
        ``theano.scan``)."""
        return OrderedDict(getattr(self, "_automatic_updates", ()))

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
        attrs["initial_hidden"] = _initial_values(initial_hidden, (memories, memories), "initial_hidden", keep)
        if not experience_replay:
            shapes = getattr(environment, "_shapes", None)
            if shapes is not None:
                states = [(None,) + s for s in shapes[0]]
                attrs["initial_env_states"] = _initial_values(initial_env_states, ([], states), "initial_env_states",
                                                              keep)
                obs_layers = self.observation_layers
                attrs["initial_observations"] = _initial_values(initial_observations, (obs_layers, obs_layers),
                                                                "initial_observations", keep)
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
