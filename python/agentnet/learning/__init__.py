"""``agentnet.learning``: per-tick objectives of reinforcement learning algorithms, built by the engine.

Each module's ``get_elementwise_objective`` returns a ``[batch, tick]`` loss to reduce (e.g.
``loss.sum() / is_alive.sum()``) and minimise with ``agentnet.updates``. numpy arrays in give numpy out; symbolic
expressions in give an expression.

Modules
-------
generic
    n-step value references, end indicators, action values.
qlearning, sarsa, a2c, reinforce, dpg, qlearning_naf
    The algorithms.
"""
from . import generic, qlearning, sarsa, a2c, reinforce, dpg, qlearning_naf

__all__ = ["generic", "qlearning", "sarsa", "a2c", "reinforce", "dpg", "qlearning_naf"]
