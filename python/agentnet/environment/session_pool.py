"""``SessionPoolEnvironment``: a pool of recorded sessions stored in the engine (shared values), for experience
replay (the engine's ``SessionPoolEnvironment``)."""
import numbers
from collections import OrderedDict

from .. import _objects
from .._core import Variable
from ..layers.base import Layer
from ..layers.native import dtype_name
from ..utils.format import check_list
from ..utils.layers import get_layer_dtype
from .base import BaseEnvironment
from .session_batch import ReplayEnvironment, SessionBatchEnvironment, session_inputs

__all__ = ["SessionPoolEnvironment"]


def _items(spec, what, default_dtype, flat):
    """The engine's ``[{"shape", "dtype"}]`` for an int (that many items, ``flat`` shape) or layers to mimic."""
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        if spec < 0:
            raise ValueError(f"SessionPoolEnvironment: {what} must be a non-negative count or layers, got {spec}")
        return [{"shape": list(flat), "dtype": default_dtype} for _ in range(int(spec))]
    if isinstance(spec, dict):
        spec = list(spec.keys())
    items = []
    for layer in check_list(spec):
        if not isinstance(layer, Layer):
            raise TypeError(f"SessionPoolEnvironment: {what} must be an int or layers, got {type(layer).__name__}")
        shape = layer.output_shape
        if isinstance(shape, dict):
            raise TypeError(f"SessionPoolEnvironment: {what}: {layer!r} has several outputs; pass one of them")
        dtype = get_layer_dtype(layer, default_dtype) if what == "actions" else get_layer_dtype(layer)
        items.append({"shape": [None if d is None else int(d) for d in shape[1:]], "dtype": dtype_name(dtype)})
    return items


class SessionPoolEnvironment(ReplayEnvironment):
    """A pseudo-environment that replays sessions loaded into it, ignoring the agent's actions.

    Use it to train on recorded interactions with any environment (experience replay): fill it with
    :meth:`load_sessions`, :meth:`append_sessions` or, inside a compiled function, :meth:`get_session_updates`;
    replay it whole with ``agent.get_sessions(pool, session_length=T, experience_replay=True)`` or a random part
    with :meth:`sample_session_batch` / :meth:`select_session_batch`.

    During replay the observations, actions and rewards are the recorded ones; the agent's memory, Q-values and
    every other in-agent expression (but the actions) are what the agent thinks *now* about the replay. The pool is
    stored in the engine as shared values: ``observations[i]`` ``[N, T] + shape``, ``actions[i]``, ``rewards``
    ``[N, T]`` float32, ``is_alive`` and ``is_truncated`` ``[N, T]`` bool, ``preceding_agent_memories[i]``
    ``[N] + shape``.

    Parameters
    ----------
    observations : int, Layer or list of Layer
        A number of float32 observations of unknown flat shape, or the agent's observation layers to mimic
        (their shape without the batch axis and their dtype).
    actions : int, Layer or list of Layer
        A number of scalar actions of ``default_action_dtype``, or the action layers (resolvers) to mimic.
    agent_memories : int, Layer, list of Layer or dict
        A number of flat float32 memories, or memory layers (the keys of a dict such as ``agent.agent_states``).
    default_action_dtype : str
        dtype of actions given as a number, or of layers without a dtype of their own.
    rng_seed : int
        Seed of the generator that draws :meth:`sample_session_batch`'s sessions.

    Notes
    -----
    Unlike the seed, a new pool is **empty** (no dummy sessions): sampling it before it is filled raises a clear
    error when the compiled function runs. Active-mode ``get_sessions`` on a pool raises: it has no dynamics.
    """

    def __init__(self, observations=1, actions=1, agent_memories=1, default_action_dtype="int32", rng_seed=1337):
        default_action_dtype = dtype_name(default_action_dtype)
        obs = _items(observations, "observations", "float32", [None])
        acts = _items(actions, "actions", default_action_dtype, [])
        mems = _items(agent_memories, "agent_memories", "float32", [None])
        if isinstance(rng_seed, bool) or not isinstance(rng_seed, numbers.Integral):
            raise TypeError(f"SessionPoolEnvironment: rng_seed must be an int, got {rng_seed!r}")
        self.__dict__["_engine_env"] = _objects.create_env(
            "SessionPoolEnvironment", {"observations": obs, "actions": acts, "agent_memories": mems,
                                       "rng_seed": int(rng_seed)})
        handles, reply = _objects.env_call(self._env_handle, "values")
        values = _objects.shared_variables(handles)
        n_obs, n_act, n_mem = reply["counts"]
        self.observations = values[:n_obs]
        self.actions = values[n_obs:n_obs + n_act]
        self.rewards, self.is_alive, self.is_truncated = values[n_obs + n_act:n_obs + n_act + 3]
        self.preceding_agent_memories = values[n_obs + n_act + 3:]
        self._all_values = values
        self.batch_size = self.pool_size = self.rewards.shape[0]
        self.sequence_length = self.rewards.shape[1]
        self.rng_seed = int(rng_seed)
        self.default_action_dtype = default_action_dtype
        BaseEnvironment.__init__(self, (), [tuple(i["shape"]) for i in obs], [tuple(i["shape"]) for i in acts],
                                 observation_dtypes=[i["dtype"] for i in obs], action_dtypes=[i["dtype"] for i in acts])
        self.state_dtypes = ("int32",)

    def __len__(self):
        """The number of sessions in the pool now."""
        return int(_objects.env_call(self._env_handle, "pool_size")[1]["pool_size"])

    def _sessions(self, method, observation_sequences, action_sequences, reward_seq, is_alive, prev_memories,
                  is_truncated, **attrs):
        names, values = session_inputs(check_list(observation_sequences), check_list(action_sequences), reward_seq,
                                       is_alive, is_truncated,
                                       None if prev_memories is None else check_list(prev_memories))
        return _objects.env_call(self._env_handle, method, dict(attrs, inputs=names), values)

    def load_sessions(self, observation_sequences, action_sequences, reward_seq, is_alive=None, prev_memories=None,
                      is_truncated=None):
        """Replaces the pool with the given sessions.

        Parameters
        ----------
        observation_sequences : array or list of arrays
            ``[N, T] + observation_shape`` each, one per stored observation.
        action_sequences : array or list of arrays
            ``[N, T] + action_shape`` each.
        reward_seq : array
            ``[N, T]``.
        is_alive : array or None
            ``[N, T]``; None means always alive (the seed kept the old value instead).
        prev_memories : array, list of arrays or None
            The agent's memory before each session, ``[N] + memory_shape`` per memory; None: replay from zeros.
        is_truncated : array or None
            ``[N, T]``; None means never truncated.

        Raises
        ------
        AgentNetError
            For counts, shapes or dtypes that do not fit the pool (nothing is changed then).
        """
        self._sessions("load_sessions", observation_sequences, action_sequences, reward_seq, is_alive, prev_memories,
                       is_truncated)

    def append_sessions(self, observation_sequences, action_sequences, reward_seq, is_alive=None, prev_memories=None,
                        max_pool_size=None, is_truncated=None):
        """Adds sessions after the pooled ones and keeps only the newest ``max_pool_size`` (all if None).

        Arguments as in :meth:`load_sessions`. Appending to an empty pool loads; otherwise every shape but the
        number of sessions must match the pool's (a mismatch raises and changes nothing).
        """
        attrs = {} if max_pool_size is None else {"max_pool_size": max_pool_size}
        self._sessions("append_sessions", observation_sequences, action_sequences, reward_seq, is_alive,
                       prev_memories, is_truncated, **attrs)

    def get_session_updates(self, observation_sequences, action_sequences, reward_seq, is_alive=None, prev_memory=None,
                            cast_dtypes=True, is_truncated=None, append=False, max_pool_size=None):
        """Updates that store the given sessions when a compiled function runs: ``OrderedDict{shared: value}`` for
        ``agentnet.function(..., updates=...)``.

        Parameters
        ----------
        observation_sequences, action_sequences, reward_seq, is_alive, prev_memory, is_truncated
            Symbolic sessions ``[N, T, ...]`` as in :meth:`load_sessions`.
        cast_dtypes : bool
            Accepted for the seed's signature; values are always cast to the pool's dtypes.
        append : bool
            False (the seed's behaviour) replaces the pool; True appends after the pooled sessions, keeping the
            newest ``max_pool_size`` (beyond the seed).
        max_pool_size : int or None
            With ``append=True``.

        Returns
        -------
        OrderedDict
        """
        attrs = {"append": bool(append)}
        if max_pool_size is not None:
            attrs["max_pool_size"] = max_pool_size
        handles, reply = self._sessions("get_session_updates", observation_sequences, action_sequences, reward_seq,
                                        is_alive, prev_memory, is_truncated, **attrs)
        values = _objects.variables(handles)
        return OrderedDict((self._all_values[i], v) for i, v in zip(reply["targets"], values))

    def _batch(self, handles):
        from .._objects import Handle
        shapes = [tuple(s) for s in self._shapes[1]], [tuple(s) for s in self._shapes[2]]
        return SessionBatchEnvironment._from_engine(Handle(handles[0]), *shapes)

    def select_session_batch(self, selector):
        """The sessions at ``selector`` (int vector, symbolic or array) as a :class:`SessionBatchEnvironment`.

        Preceding memories are included if the pool's sessions came with them.
        """
        return self._batch(_objects.env_call(self._env_handle, "select_session_batch", {}, [selector])[0])

    def sample_session_batch(self, max_n_samples, replace=False, selector_dtype="int32"):
        """A :class:`SessionBatchEnvironment` of sessions drawn uniformly on every call of the compiled function.

        Parameters
        ----------
        max_n_samples : int
            Sessions per draw: ``min(max_n_samples, pool size)`` distinct ones if ``replace`` is False, else
            exactly ``max_n_samples``.
        replace : bool
        selector_dtype : str
            Accepted for the seed's signature (ids are int32).

        Notes
        -----
        Sampling an empty pool fails with a clear error when the compiled function runs.
        """
        if isinstance(max_n_samples, bool) or not isinstance(max_n_samples, numbers.Integral):
            raise TypeError(f"sample_session_batch: max_n_samples must be an int, got {max_n_samples!r}")
        return self._batch(_objects.env_call(self._env_handle, "sample_session_batch",
                                             {"max_n_samples": int(max_n_samples), "replace": bool(replace)})[0])

    def __repr__(self):
        return (f"SessionPoolEnvironment(observations={len(self.observations)}, actions={len(self.actions)}, "
                f"agent_memories={len(self.preceding_agent_memories)}, sessions={len(self)})")
