"""AgentNet: deep reinforcement learning with a Swift engine.

Build a one-tick agent from layers, unroll it over sessions with an environment, and train it with
n-step Q-learning, SARSA, A2C, DPG or NAF. ``agentnet.tensor`` (imported as ``T``) and ``agentnet.layers``
replace Theano and Lasagne.
"""
from ._lib import (AgentNetError, AgentNetIndexError, AgentNetMemoryError, AgentNetOSError, AgentNetTypeError,
                   AgentNetValueError, memory_info, set_memory_limit)
from ._core import SharedVariable, Variable, set_num_threads, shared
from ._function import Function, function
from ._config import get_config, set_flush_denormal, show_config
from . import tensor
from . import init, nonlinearities, objectives, updates, layers
from . import utils, memory, agent, resolver, objective, environment, target_network
from . import envs  # registers agentnet/* ids with gymnasium

__version__ = "0.1.0"
