"""``WindowAugmentation``: a memory of the last K items, newest first (DeepMind's frame stack).

Computed by the engine (``Sources/AgentNet/Memory/WindowAugmentation.swift``), which checks the shapes at
construction.
"""
from ..layers._zoo import EngineBacked
from ..layers.base import MergeLayer

__all__ = ["WindowAugmentation"]


class WindowAugmentation(EngineBacked, MergeLayer):
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

    _engine_kind = "WindowAugmentation"

    def __init__(self, new_value_input, prev_state_input, **kwargs):
        kwargs.setdefault("name", "YetAnother" + type(self).__name__)
        super().__init__([new_value_input, prev_state_input], **kwargs)
        self._create_engine()
