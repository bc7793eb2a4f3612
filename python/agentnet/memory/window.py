"""``WindowAugmentation``: a memory of the last K items, newest first (DeepMind's frame stack)."""
from .. import tensor as T
from ..layers.base import MergeLayer, _shape_str

__all__ = ["WindowAugmentation"]


def _compatible(a, b):
    return len(a) == len(b) and all(x is None or y is None or x == y for x, y in zip(a, b))


class WindowAugmentation(MergeLayer):
    """Pushes a new item into a window of the K previous ones; the oldest item drops out.

    ``W' = concat(x[:, None], W[:, :-1], axis=1)``: ``W'[:, 0]`` is the newest item, ``W'[:, 1]`` the one before,
    and so on. Example: ``x = [9, 9]``, ``W = [[1, 1], [2, 2], [3, 3]]`` gives ``[[9, 9], [1, 1], [2, 2]]``.

    Parameters
    ----------
    new_value_input : Layer
        The newest item, ``[batch, *item_shape]`` (any number of item axes).
    prev_state_input : Layer
        The previous window, ``[batch, K, *item_shape]``; K is its ``output_shape[1]``.
    name : str or None
        Default ``"YetAnotherWindowAugmentation"``.

    Shapes
    ------
    output : the shape of ``prev_state_input``
    """

    def __init__(self, new_value_input, prev_state_input, **kwargs):
        kwargs.setdefault("name", "YetAnother" + type(self).__name__)
        super().__init__([new_value_input, prev_state_input], **kwargs)
        item, window = self.input_shapes
        if len(window) != len(item) + 1 or not _compatible(item[1:], window[2:]) \
                or not _compatible(item[:1], window[:1]):
            raise ValueError(f"WindowAugmentation {self.name!r}: the window shape {_shape_str(window)} must be "
                             f"[batch, K] + the new value's item shape; the new value has shape {_shape_str(item)}")

    def get_output_shape_for(self, input_shapes):
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        new_value, prev_window = inputs
        return T.concatenate([new_value[:, None], prev_window[:, :-1]], axis=1)
