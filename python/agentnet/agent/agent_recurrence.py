""":class:`MDPAgent` as a :class:`Recurrence` layer: the agent playing an environment (``as_recurrence``) or replaying
recorded sessions (``as_replay_recurrence``), for graphs that need the layer itself rather than the sequences
``get_sessions`` returns."""
from collections import OrderedDict

from .. import tensor as T
from ..layers.input import InputLayer
from ..layers.native import dtype_name
from ..utils.format import check_list
from ..utils.layers import get_layer_dtype
from ._arguments import as_layer, is_zeros
from .recurrence import Recurrence


class AgentRecurrences:
    """The Recurrence-building methods of :class:`MDPAgent` (``as_recurrence``, ``as_replay_recurrence``)."""

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
            if is_zeros(given):
                continue
            if isinstance(given, dict):
                given = [next((v for k, v in given.items() if k is key), None) for key in keys]
            given = check_list(given)
            if len(given) != len(layers):
                raise ValueError(f"as_recurrence: got {len(given)} {what} for {len(layers)} values")
            for layer, value in zip(layers, given):
                if value is not None:
                    inits[layer] = as_layer(value, layer, what)
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
                sequences[layer] = as_layer(T.cast(seq, dtype_name(get_layer_dtype(layer))), layer,
                                                  f"recorded {what} {i}", sequence_length=session_length)
        if is_zeros(initial_hidden) and memories:
            initial_hidden = memories
        inits = OrderedDict()
        if not is_zeros(initial_hidden):
            keys = list(self.agent_states)
            given = ([initial_hidden.get(k) for k in keys] if isinstance(initial_hidden, dict)
                     else check_list(initial_hidden))
            if len(given) != len(keys):
                raise ValueError(f"as_replay_recurrence: got {len(given)} initial_hidden for {len(keys)} memories")
            for layer, value in zip(keys, given):
                if value is not None:
                    inits[layer] = as_layer(value, layer, "initial_hidden")
        return Recurrence(state_variables=self.agent_states, state_init=inits, input_sequences=sequences,
                          tracked_outputs=self.policy + self.action_layers, n_steps=session_length,
                          name=recurrence_name, unroll_scan=unroll_scan)
