"""``StackAugmentation``: the differentiable stack of Joulin & Mikolov (http://arxiv.org/abs/1503.01007)."""
from .. import tensor as T
from ..layers.base import MergeLayer, _shape_str

__all__ = ["StackAugmentation"]


class StackAugmentation(MergeLayer):
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

    def __init__(self, observation_input, prev_state_input, controls_layer, **kwargs):
        kwargs.setdefault("name", "YetAnother" + type(self).__name__)
        super().__init__([observation_input, prev_state_input, controls_layer], **kwargs)
        item, stack, controls = self.input_shapes
        who = f"StackAugmentation {self.name!r}"
        if len(stack) != 3:
            raise ValueError(f"{who}: the stack must be [batch, depth, width], got shape {_shape_str(stack)}")
        if len(item) != 2 or None not in (item[1], stack[2]) and item[1] != stack[2]:
            raise ValueError(f"{who}: the pushed item must be [batch, width] with the width of the stack "
                             f"{_shape_str(stack)}, got shape {_shape_str(item)}")
        if len(controls) != 2 or controls[1] != 3:
            raise ValueError(f"{who}: the controls must be [batch, 3] (push, pop, no-op), got shape "
                             f"{_shape_str(controls)} for a stack of shape {_shape_str(stack)}")

    def get_output_shape_for(self, input_shapes):
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        item, stack, controls = inputs
        a_push, a_pop, a_noop = (controls[:, i][:, None, None] for i in range(3))
        pushed = T.concatenate([item[:, None], stack[:, :-1]], axis=1)
        popped = T.concatenate([stack[:, 1:], T.zeros_like(stack[:, :1])], axis=1)
        return a_push * pushed + a_pop * popped + a_noop * stack
