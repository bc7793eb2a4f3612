"""``MDPAgent`` (alias ``Agent``): a one-tick agent graph — observations, memory, policy, actions — that plays an
environment or replays recorded sessions. The engine's ``MDPAgent`` (``Sources/AgentNet/Agent``) unrolls it;
this class converts the arguments (layers become engine handles) and shapes the results as the seed did.

This module holds the agent's construction and its parameters; its methods by concern are in ``reaction.py`` (one
tick and the react function), ``sessions.py`` (``get_sessions``) and ``agent_recurrence.py`` (the agent as a
Recurrence layer)."""
from .. import _objects
from ..layers.base import Layer
from ..layers.helper import get_all_param_values, get_all_params, set_all_param_values
from ..utils.format import check_list, check_ordered_dict, supported_sequences
from ._arguments import label
from .agent_recurrence import AgentRecurrences
from .reaction import AgentReaction
from .sessions import AgentSessions

__all__ = ["MDPAgent", "Agent"]


class MDPAgent(AgentReaction, AgentSessions, AgentRecurrences):
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
                    raise TypeError(f"MDPAgent: {what}: {label(layer)} has several outputs; pass one of them, e.g. "
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

    def __repr__(self):
        return (f"MDPAgent(observations={len(self.observation_layers)}, memories={len(self.agent_states)}, "
                f"policy={len(self.policy)}, actions={len(self.action_layers)})")


#: The seed's other name for :class:`MDPAgent`.
Agent = MDPAgent
