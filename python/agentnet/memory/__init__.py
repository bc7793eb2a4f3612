"""``agentnet.memory``: one-tick memory layers for agents and ``Recurrence``.

Each layer takes the previous memory state (usually an InputLayer registered as a previous state) and optional
inputs, and returns the new state:

- recurrent cells: :func:`RNNCell`, :func:`GRUCell`, :func:`LSTMCell` (numerically Lasagne's), the generic
  :class:`GateLayer` they are built from, and the legacy :class:`GRUMemoryLayer`;
- augmentations: :class:`WindowAugmentation` (last K items), :class:`StackAugmentation` (differentiable stack);
- logic: :class:`CounterLayer`, :class:`SwitchLayer`;
- attention: :class:`AttentionLayer` (additive), :class:`DotAttentionLayer`, :func:`multihead_attention`,
  :func:`self_attention`.
"""
from .gate import GateLayer
from .rnn import RNNCell, GRUCell, LSTMCell
from .gru_memory import GRUMemoryLayer
from .window import WindowAugmentation
from .stack import StackAugmentation
from .logical import CounterLayer, SwitchLayer
from .attention import AttentionLayer, DotAttentionLayer, multihead_attention, self_attention

__all__ = ["GateLayer", "RNNCell", "GRUCell", "LSTMCell", "GRUMemoryLayer", "WindowAugmentation", "StackAugmentation", "CounterLayer", "SwitchLayer", "AttentionLayer",
           "DotAttentionLayer", "multihead_attention", "self_attention"]
