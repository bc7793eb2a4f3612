"""``StackAugmentation``: the differentiable stack of Joulin & Mikolov (http://arxiv.org/abs/1503.01007).

Computed by the engine (``Sources/AgentNet/Memory/StackAugmentation.swift``), which checks the shapes at
construction.
"""
from ..layers._zoo import EngineBacked
from ..layers.base import MergeLayer

__all__ = ["StackAugmentation"]


class StackAugmentation(EngineBacked, MergeLayer):
    """A soft stack ``S`` of depth D with its top at index 0, updated by a mix of push, pop and no-op.

    With controls ``(a_push, a_pop, a_noop)`` per batch row (expected to sum to 1; this is not enforced)::

        S' = a_push * concat(x[:, None], S[:, :-1])     # push: x on top, the bottom item drops out
           + a_pop  * concat(S[:, 1:], zeros)           # pop: the top drops out, zeros enter at the bottom
           + a_noop * S

    Example, ``S = [[1, 1], [2, 2], [3, 3]]``, ``x = [9, 9]``: push gives ``[[9, 9], [1, 1], [2, 2]]``, pop gives
    ``[[2, 2], [3, 3], [0, 0]]``, no-op gives ``S`` and ``(.5, .5, 0)`` gives ``[[5.5, 5.5], [2, 2], [1, 1]]``.

    Parameters
    ----------
    observation_input : Layer
        The item that may be pushed, ``[batch, W]``.
    prev_state_input : Layer
        The previous stack, ``[batch, D, W]``.
    controls_layer : Layer
        ``[batch, 3]``: push, pop and no-op weights (usually a softmax DenseLayer).
    name : str or None
        Default ``"YetAnotherStackAugmentation"``.

    Shapes
    ------
    output : the shape of ``prev_state_input``
    """

    _engine_kind = "StackAugmentation"

    def __init__(self, observation_input, prev_state_input, controls_layer, **kwargs):
        kwargs.setdefault("name", "YetAnother" + type(self).__name__)
        super().__init__([observation_input, prev_state_input, controls_layer], **kwargs)
        self._create_engine()
