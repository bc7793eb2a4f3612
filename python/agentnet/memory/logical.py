"""Counting and if-then-else layers: ``CounterLayer`` and ``SwitchLayer``."""
import numbers

from .. import tensor as T
from ..layers.base import Layer, MergeLayer, _shape_str
from ..utils.layers import get_layer_dtype

__all__ = ["CounterLayer", "SwitchLayer"]


def _named(layer):
    """``"SwitchLayer 'name'"``, or just the class name for an unnamed layer (for error messages)."""
    name = getattr(layer, "name", None)
    return type(layer).__name__ + (f" {name!r}" if name is not None else "")


class CounterLayer(Layer):
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

    def __init__(self, prev_counter, k=None, name=None):
        super().__init__(prev_counter, name=name)
        if k is not None and (isinstance(k, bool) or not isinstance(k, numbers.Integral) or k <= 0):
            raise ValueError(f"{_named(self)}: k must be a positive int or None, got {k!r}")
        self.k = None if k is None else int(k)

    def get_output_for(self, prev_counter, **kwargs):
        if getattr(prev_counter, "dtype", None) != "int32":
            prev_counter = T.cast(prev_counter, "int32")
        count = prev_counter + 1
        return count if self.k is None else count % self.k


class SwitchLayer(MergeLayer):
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

    def __init__(self, condition, than_branch, else_branch, name=None):
        super().__init__([condition, than_branch, else_branch], name=name)
        cond, then_shape, else_shape = self.input_shapes
        who = _named(self)
        if tuple(then_shape) != tuple(else_shape):
            raise ValueError(f"{who}: the branches must have equal shapes, got {_shape_str(then_shape)} (then) and "
                             f"{_shape_str(else_shape)} (else)")
        then_dtype, else_dtype = get_layer_dtype(than_branch), get_layer_dtype(else_branch)
        if then_dtype != else_dtype:
            raise ValueError(f"{who}: the branches must have equal dtypes, got {then_dtype} (then) and {else_dtype} "
                             f"(else)")
        lead = then_shape[:len(cond)]
        if not 1 <= len(cond) <= len(then_shape) or any(
                c is not None and b is not None and c != b for c, b in zip(cond, lead)):
            raise ValueError(f"{who}: the condition shape {_shape_str(cond)} must match the leading axes of the "
                             f"branch shape {_shape_str(then_shape)}")
        self.output_dtype = then_dtype

    def get_output_shape_for(self, input_shapes):
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        cond, then_value, else_value = inputs
        extra = then_value.ndim - cond.ndim
        if extra:
            cond = T.dimshuffle(cond, list(range(cond.ndim)) + ["x"] * extra)
        return T.where(cond, then_value, else_value)
