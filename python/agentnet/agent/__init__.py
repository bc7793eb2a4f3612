"""``agentnet.agent``: :class:`MDPAgent` (alias :data:`Agent`), the one-tick agent that plays environments and
replays sessions, and :class:`Recurrence`, a layer that unrolls a one-tick graph over time."""
from .recurrence import Recurrence
from .mdp_agent import Agent, MDPAgent

__all__ = ["Recurrence", "MDPAgent", "Agent"]
