"""``agentnet.objective``: :class:`BaseObjective`, what gives an agent its rewards (the seed's module)."""
from .. import tensor as T
from ..utils.format import check_list

__all__ = ["BaseObjective"]


class BaseObjective:
    """Determines the rewards for the actions an agent takes, given the environment states before them.

    Subclasses implement :meth:`get_reward`; environments such as ``BooleanReasoningEnvironment`` implement both
    BaseEnvironment and BaseObjective.
    """

    def reset(self, batch_size):
        """Called each time a new batch of sessions is loaded; does nothing by default."""

    def get_reward(self, last_environment_states, agent_actions, batch_id):
        """Rewards for taking the actions in the given states.

        Parameters
        ----------
        last_environment_states : list of Variable
            Environment states before each action: ``[batch, tick] + state_shape`` each when called from
            :meth:`get_reward_sequences`.
        agent_actions : list of Variable
            The actions, ``[batch, tick] + action_shape`` each.
        batch_id : Variable
            int ``[batch]``: which session each row is.

        Returns
        -------
        Variable
            float32 ``[batch, tick]``.

        Notes
        -----
        The seed ran this on one session at a time (``theano.map`` over sessions, states ``[tick, ...]``, a
        scalar ``batch_id``). There is no map over sessions in the engine's unrolled graphs, so
        :meth:`get_reward_sequences` calls it once for the whole batch; write it with batch-wide ops.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_reward")

    def get_reward_sequences(self, env_state_sessions, agent_action_sessions):
        """Rewards ``[batch, tick]`` for the environment states ``[batch, tick, ...]`` before each action and the
        actions ``[batch, tick, ...]`` (``get_sessions``'s ``env_states`` and ``actions``).

        Parameters
        ----------
        env_state_sessions : Variable or list of Variable
        agent_action_sessions : Variable or list of Variable

        Returns
        -------
        Variable
            float32 ``[batch, tick]``.
        """
        states, actions = check_list(env_state_sessions), check_list(agent_action_sessions)
        batch_id = T.arange(actions[0].shape[0])
        return T.cast(self.get_reward(states, actions, batch_id), "float32")

    def get_whether_alive(self, observation_tensors):
        """Whether each session is still going at each tick: bool ``[batch, tick]``. Always alive unless a
        subclass knows better (``BooleanReasoningEnvironment`` reads its "ended" flag).

        Parameters
        ----------
        observation_tensors : Variable or list of Variable
            Observation sequences ``[batch, tick, ...]``.
        """
        obs = check_list(observation_tensors)[0]
        ticks = obs if obs.ndim == 2 else T.flatten(obs, 3)[:, :, 0]
        return T.cast(T.ones_like(ticks), "bool")
