"""``agentnet.environment``: the MDP abstraction an agent plays (``BaseEnvironment``, written with
``agentnet.tensor`` ops, stepped inside the agent's unrolled graph) and the experience-replay environments
(``SessionPoolEnvironment``, ``SessionBatchEnvironment``).

When designing an experiment: if its dynamics can be written as tensor ops, subclass :class:`BaseEnvironment`
(see ``agentnet.experiments.boolean_reasoning``); otherwise record interactions (a Gymnasium env, a native
``agentnet.envs`` env) into a :class:`SessionPoolEnvironment` and train from replay.
"""
from ..objective import BaseObjective
from .base import BaseEnvironment, EnvironmentStepLayer
from .session_batch import SessionBatchEnvironment
from .session_pool import SessionPoolEnvironment

__all__ = ["BaseEnvironment", "EnvironmentStepLayer", "SessionPoolEnvironment", "SessionBatchEnvironment",
           "BaseObjective"]
