"""``SessionBatchEnvironment``: recorded sessions given as expressions, replayed by ``agent.get_sessions(...,
experience_replay=True)`` (the engine's ``SessionBatchEnvironment``)."""
from .. import _objects
from ..objective import BaseObjective
from ..utils.format import check_list
from .base import BaseEnvironment, shape_list, _shapes_json

__all__ = ["SessionBatchEnvironment"]


def session_inputs(observations, actions, rewards=None, is_alive=None, is_truncated=None, prev_memories=None):
    """``(names, expressions)`` for the engine's named session inputs."""
    names, values = [], []
    for name, xs in (("observation", observations), ("action", actions)):
        for x in xs:
            names.append(name)
            values.append(x)
    for name, x in (("rewards", rewards), ("is_alive", is_alive), ("is_truncated", is_truncated)):
        if x is not None:
            names.append(name)
            values.append(x)
    for m in (prev_memories or []):
        names.append("prev_memory")
        values.append(m)
    return names, values


class ReplayEnvironment(BaseEnvironment, BaseObjective):
    """What SessionBatchEnvironment and SessionPoolEnvironment share: the recorded expressions, read from the
    engine object."""

    def _read_sequences(self):
        handles, reply = _objects.env_call(self._env_handle, "sequences")
        values = _objects.variables(handles)
        n_obs, n_act = reply["counts"]
        at = n_obs + n_act
        found = {}
        for key in ("rewards", "is_alive", "is_truncated"):
            if reply[key]:
                found[key] = values[at]
                at += 1
        memories = values[at:] if reply["memories"] is not None else None
        return values[:n_obs], values[n_obs:n_obs + n_act], found, memories

    def get_action_results(self, last_states, actions, **kwargs):
        """Not available: a replay environment has no dynamics of its own; replay it with
        ``agent.get_sessions(env, experience_replay=True)`` and read ``.observations`` directly."""
        raise ValueError(f"{type(self).__name__} only replays recorded sessions (it has no dynamics to play); call "
                         "agent.get_sessions(..., experience_replay=True)")

    def get_reward(self, session_states, session_actions, batch_id):
        """The recorded rewards of sessions ``batch_id``: ``rewards[batch_id]``."""
        return self.rewards[batch_id]


class SessionBatchEnvironment(ReplayEnvironment):
    """A pseudo-environment that replays sessions given as expressions, ignoring the agent's actions.

    Unlike :class:`SessionPoolEnvironment` it stores nothing. During replay the observations, actions and
    rewards are the recorded ones; the agent's memory, Q-values and every other in-agent expression (but the
    actions) are what the agent thinks *now* about the replay.

    Parameters
    ----------
    observations : Variable, array or list of such
        Observation sequences ``[batch, tick] + single_observation_shape``, one per agent observation layer.
    single_observation_shapes : list of tuple
        Per-tick, per-session observation shapes: for sequences ``[None, 25, 3, 210, 160]``, ``[(3, 210, 160)]``.
    actions : Variable, array, list of such or None
        Action sequences ``[batch, tick] + single_action_shape``, one per agent action layer.
    single_action_shapes : list of tuple or 'all_scalar'
        'all_scalar' means every action has shape ``()`` (sequences ``[batch, tick]``).
    rewards : Variable, array or None
        ``[batch, tick]``.
    is_alive : Variable, array or None
        ``[batch, tick]``: whether the session has not ended by that tick; None means always alive.
    preceding_agent_memories : Variable, array, list of such or None
        The agent's memory before the first tick, ``[batch] + memory_shape`` per memory (in ``agent_states``
        order); replay starts from it unless ``initial_hidden`` is given.
    is_truncated : Variable, array or None
        ``[batch, tick]``: 1 on the tick whose action hit a time limit (beyond the seed).

    Attributes
    ----------
    observations, actions : list of Variable
    rewards, is_alive, is_truncated : Variable or None
    preceding_agent_memories : list of Variable or None
    batch_size, sequence_length : Variable
        Symbolic ``observations[0].shape[0]`` and ``shape[1]``.
    """

    def __init__(self, observations, single_observation_shapes, actions=None, single_action_shapes="all_scalar",
                 rewards=None, is_alive=None, preceding_agent_memories=None, is_truncated=None):
        observations = check_list(observations)
        actions = [] if actions is None else check_list(actions)
        memories = None if preceding_agent_memories is None else check_list(preceding_agent_memories)
        obs_shapes = shape_list(single_observation_shapes, "SessionBatchEnvironment: single_observation_shapes")
        if isinstance(single_action_shapes, str):
            if single_action_shapes != "all_scalar":
                raise ValueError(f"SessionBatchEnvironment: single_action_shapes must be a list of shapes or "
                                 f"'all_scalar', got {single_action_shapes!r}")
            act_shapes = [()] * len(actions)
        else:
            act_shapes = shape_list(single_action_shapes, "SessionBatchEnvironment: single_action_shapes")
        names, values = session_inputs(observations, actions, rewards, is_alive, is_truncated, memories)
        engine = _objects.create_env("SessionBatchEnvironment", {
            "inputs": names, "single_observation_shapes": _shapes_json(obs_shapes),
            "single_action_shapes": _shapes_json(act_shapes)}, values)
        self._adopt_engine(engine, obs_shapes, act_shapes)

    @classmethod
    def _from_engine(cls, engine, observation_shapes, action_shapes):
        """The Python handle for a batch the engine made (``select_session_batch``, ``sample_session_batch``)."""
        self = cls.__new__(cls)
        self._adopt_engine(engine, observation_shapes, action_shapes)
        return self

    def _adopt_engine(self, engine, observation_shapes, action_shapes):
        self.__dict__["_engine_env"] = engine
        self.observations, self.actions, found, self.preceding_agent_memories = self._read_sequences()
        self.rewards, self.is_alive = found.get("rewards"), found.get("is_alive")
        self.is_truncated = found.get("is_truncated")
        self.single_observation_shapes = list(observation_shapes)
        self.single_action_shapes = list(action_shapes)
        self.batch_size = self.observations[0].shape[0]
        self.sequence_length = self.observations[0].shape[1]
        BaseEnvironment.__init__(self, (), list(observation_shapes), list(action_shapes),
                                 observation_dtypes=[o.dtype for o in self.observations],
                                 action_dtypes=[a.dtype for a in self.actions])
        self.state_dtypes = ("int32",)
