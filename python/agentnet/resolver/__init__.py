"""``agentnet.resolver``: layers that convert policy or Q-value vectors into action ids.

- :class:`BaseResolver` (alias :data:`GreedyResolver`): the argmax;
- :class:`EpsilonGreedyResolver`: the argmax with probability ``1 - epsilon``, else a uniformly random action;
- :class:`ProbabilisticResolver`: samples the action from the policy (``greedy=True`` at ``get_output`` gives the
  argmax);
- :class:`GaussianResolver` (beyond the seed): samples continuous actions from a mean and log-std.

All are engine layers (``Sources/AgentNet/Resolver``) with their own seeded generators.
"""
from .base import BaseResolver, GreedyResolver
from .epsilon_greedy import EpsilonGreedyResolver
from .probabilistic import ProbabilisticResolver
from .gaussian import GaussianResolver

__all__ = ["BaseResolver", "GreedyResolver", "EpsilonGreedyResolver", "ProbabilisticResolver", "GaussianResolver"]
