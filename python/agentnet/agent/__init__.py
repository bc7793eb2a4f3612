"""``agentnet.agent``: :class:`Recurrence`, a layer that unrolls a one-tick graph over time."""
from .recurrence import Recurrence

__all__ = ["Recurrence"]
