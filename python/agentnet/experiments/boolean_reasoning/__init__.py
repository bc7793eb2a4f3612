"""Boolean reasoning: a toy experiment where the agent must use a simple logical formula to maximise its reward.

The world has boolean hidden factors X1, X2, X3, Y1, Y2, with Y1 = X1 and Y2 = not X1. At first the agent knows
none of them. Each turn it may

- "open" a factor: +1 / -1 for an X that turns out 1 / 0, +3 / -3 for a Y; opening a factor again costs -0.5;
- end the session: reward 0, and later actions have no effect.

The best policy checks X1, then the matching Y, then ends (expected reward 3). The environment is the engine's
``BooleanReasoningEnvironment`` (``Sources/AgentNet/Environment/BooleanReasoningEnvironment.swift``); it
implements both BaseEnvironment and BaseObjective.
"""
import numbers

import numpy as np

from ... import _objects
from ... import tensor as T
from ..._core import Variable
from ...environment.base import BaseEnvironment, EngineEnvironment
from ...objective import BaseObjective
from ...utils.format import check_list

__all__ = ["BooleanReasoningEnvironment"]

n_attrs = 3
n_categories = 2
x_names = [f"X{i}" for i in range(1, n_attrs + 1)]
y_names = [f"Y{i}" for i in range(1, n_categories + 1)]


class BooleanReasoningEnvironment(EngineEnvironment, BaseObjective, BaseEnvironment):
    """The boolean reasoning environment (reference §4.7).

    - State ``[batch, 6]``: 1 where the action was already taken; the last element is the "ended" flag.
    - Actions (int ``[batch]``): poll X1, X2, X3, Y1, Y2, or end the session (5).
    - Observation ``[batch, 8]``: ``[value of the polled factor, ended, one_hot(action, 6)]``.
    - Reward (:meth:`get_reward_sequences`, judged on the state before the action): 0 once ended; -0.5 for a
      repeated action; 0 for ending; ``6v - 3`` for a Y; ``2v - 1`` for an X.
    - Alive (:meth:`get_whether_alive`): ``observation[:, :, 1] == 0``, so a session is alive on the tick its end
      action is taken.

    Parameters
    ----------
    seed : int
        Seed of the engine generator behind :meth:`generate_new_data_batch` (beyond the seed, which used numpy's
        global generator).

    Attributes
    ----------
    joint_data : SharedVariable
        float32 ``[batch, 6]``: ``[X1, X2, X3, Y1, Y2, 0]`` per session.
    attributes, categories : Variable
        ``joint_data[:, :3]`` and ``joint_data[:, 3:5]``.
    batch_size : Variable
        The number of loaded sessions (symbolic), for ``get_sessions(..., batch_size=env.batch_size)``.
    n_actions : int
        6.
    feature_names : list of str
    end_action_id : int
        5.
    """

    feature_names = x_names + y_names + ["End_session_now"]
    n_actions = n_attrs + n_categories + 1

    def __init__(self, seed=1337):
        if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
            raise TypeError(f"BooleanReasoningEnvironment: seed must be a non-negative int, got {seed!r}")
        self.__dict__["_engine_env"] = _objects.create_env("BooleanReasoningEnvironment", {"seed": int(seed),
                                                                                            "batch_size": 10})
        self.joint_data = _objects.shared_variables(_objects.env_call(self._env_handle, "joint_data")[0])[0]
        self.attributes = self.joint_data[:, :n_attrs]
        self.categories = self.joint_data[:, n_attrs:n_attrs + n_categories]
        self.batch_size = self.joint_data.shape[0]
        self.end_action_id = self.n_actions - 1
        self.category_action_ids = T.arange(n_attrs, n_attrs + n_categories)
        BaseEnvironment.__init__(self, [self.n_actions], [self.n_actions + 2], [()])

    def _make_engine_env(self):
        raise AssertionError("created in __init__")

    def generate_new_data_batch(self, batch_size=10):
        """Loads ``batch_size`` new sessions with X ~ Bernoulli(0.5), Y1 = X1, Y2 = 1 - X1. Returns None."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"generate_new_data_batch: batch_size must be an int, got {batch_size!r}")
        _objects.env_call(self._env_handle, "generate_new_data_batch", {"batch_size": int(batch_size)})

    def set_data_batch(self, attrs_batch, categories_batch):
        """Loads given sessions: ``attrs_batch`` ``[batch, 3]`` and ``categories_batch`` ``[batch, 2]`` of 0/1."""
        a, c = np.asarray(attrs_batch, dtype=np.float32), np.asarray(categories_batch, dtype=np.float32)
        _objects.env_call(self._env_handle, "set_data_batch", {}, [a, c])

    def get_whether_alive(self, observation_tensors):
        """bool ``[batch, tick]``: 1 while the session has not ended (alive on the tick of the end action).

        Parameters
        ----------
        observation_tensors : Variable or list of Variable
            Observation sequences ``[batch, tick, 8]`` (``get_sessions``'s observations).
        """
        obs = check_list(observation_tensors)[0]
        return _objects.variables(_objects.env_call(self._env_handle, "get_whether_alive", {}, [obs])[0])[0]

    def get_reward_sequences(self, env_state_sessions, agent_action_sessions):
        """Rewards float32 ``[batch, tick]`` for the states before each action ``[batch, tick, 6]`` and the
        actions ``[batch, tick]`` (``get_sessions``'s env states and actions)."""
        states = check_list(env_state_sessions)[0]
        actions = check_list(agent_action_sessions)[0]
        return _objects.variables(_objects.env_call(self._env_handle, "get_reward_sequences", {}, [states, actions])[0])[0]

    def get_reward(self, state_sequences, action_sequences, batch_id):
        """Rewards of one session (the seed's form): states ``[tick, 6]``, actions ``[tick]``, ``batch_id`` the
        session's row in the loaded data (int or int scalar); returns float32 ``[tick]``. Batched forms (states
        ``[batch, tick, 6]``, ``batch_id`` int ``[batch]``) give ``[batch, tick]``."""
        states = check_list(state_sequences)[0]
        actions = check_list(action_sequences)[0]
        states = states if isinstance(states, Variable) else T.constant(np.asarray(states, np.float32))
        actions = actions if isinstance(actions, Variable) else T.constant(np.asarray(actions, np.int32))
        ids = batch_id if isinstance(batch_id, Variable) else np.asarray(batch_id, dtype=np.int32)
        single = states.ndim == 2
        if single:
            states, actions = T.dimshuffle(states, "x", 0, 1), T.dimshuffle(actions, "x", 0)
            ids = T.dimshuffle(ids, "x") if isinstance(ids, Variable) else ids.reshape(1)
        out = _objects.variables(_objects.env_call(self._env_handle, "get_reward_sequences", {},
                                                   [states, actions, ids])[0])[0]
        return out[0] if single else out

    def __repr__(self):
        return "BooleanReasoningEnvironment()"
