"""Counting and if-then-else layers: ``CounterLayer`` and ``SwitchLayer``.

Computed by the engine (``Sources/AgentNet/Memory/CounterLayer.swift``, ``SwitchLayer.swift``), which checks the
arguments and shapes at construction.
"""
import numbers

from ..layers._zoo import EngineBacked
from ..layers.base import Layer, MergeLayer
from ..layers.native import dtype_name
from ..utils.layers import get_layer_dtype

__all__ = ["CounterLayer", "SwitchLayer"]


class CounterLayer(EngineBacked, Layer):
    """A counter: ``c + 1``, or ``(c + 1) % k`` so that it wraps to 0 every ``k`` ticks.

    Parameters
    ----------
    prev_counter : Layer
        The previous count, usually an InputLayer of any shape (``[batch]`` typically).
    k : int or None
        Period of the wrap-around; None counts forever.
    name : str or None

    Shapes
    ------
    output : the shape of ``prev_counter``; dtype int32 (``output_dtype``)
    """

    output_dtype = "int32"
    _engine_kind = "CounterLayer"

    def __init__(self, prev_counter, k=None, name=None):
        super().__init__(prev_counter, name=name)
        if k is not None and (isinstance(k, bool) or not isinstance(k, numbers.Integral)):
            who = f"CounterLayer {name!r}" if name is not None else "CounterLayer"
            raise ValueError(f"{who}: k must be a positive int or None, got {k!r}")
        self.k = None if k is None else int(k)
        self._create_engine(k=self.k)


class SwitchLayer(EngineBacked, MergeLayer):
    """If-then-else per batch row: ``then_branch[i]`` where ``condition[i] != 0``, else ``else_branch[i]``.

    Parameters
    ----------
    condition : Layer
        ``[batch]`` (or ``[batch, ...]`` matching the branches' leading axes), int, bool or float.
    than_branch, else_branch : Layer
        Branches of equal shape and dtype, ``[batch, ...]``.
    name : str or None

    Shapes
    ------
    output : the branches' shape; ``output_dtype`` is their dtype

    Notes
    -----
    The seed passed ``condition`` straight to ``T.switch``, where a ``[batch]`` condition broadcasts from the right
    and so selected along the last axis of ``[batch, n]`` branches. Here a lower-rank condition gets trailing
    broadcast axes, so it always selects whole batch rows, whatever the branches' rank.
    """

    _engine_kind = "SwitchLayer"

    def __init__(self, condition, than_branch, else_branch, name=None):
        super().__init__([condition, than_branch, else_branch], name=name)
        then_dtype, else_dtype = get_layer_dtype(than_branch), get_layer_dtype(else_branch)
        self._create_engine(dtypes=[dtype_name(then_dtype), dtype_name(else_dtype)])
        self.output_dtype = then_dtype
