"""Layers that apply other layers across extra axes by folding those axes into the batch axis.

``BroadcastLayer`` merges chosen axes into axis 0, so that a layer written for ``[batch, ...]`` runs over every
(batch, head) or (batch, tick) pair; ``UnbroadcastLayer`` undoes it and ``UpcastLayer`` repeats another layer's
batch rows to line up with the broadcast batch. Multi-head and self attention are built from these.
"""
import numbers

import numpy as np

from .. import tensor as T
from ..layers.base import Layer, MergeLayer, _shape_str
from .format import check_list

__all__ = ["BroadcastLayer", "UnbroadcastLayer", "UpcastLayer"]


def _named(layer):
    """``"SwitchLayer 'name'"``, or just the class name for an unnamed layer (for error messages)."""
    name = getattr(layer, "name", None)
    return type(layer).__name__ + (f" {name!r}" if name is not None else "")


def _recorded_shape(broadcast_layer, who):
    shape = getattr(broadcast_layer, "symbolic_input_shape", None)
    if shape is None:
        raise ValueError(f"{who}: the output of {_named(broadcast_layer)} has not been computed yet; "
                         f"{who} must be evaluated in the same get_output call as (and after) that BroadcastLayer")
    return shape


class BroadcastLayer(Layer):
    """Merges ``broadcasted_axes`` into the first (batch) axis.

    The broadcast axes are moved to the front (in ascending order), then flattened in C order, so with axes
    ``(0, 2)`` an input ``[B, S, H]`` becomes ``[B*H, S]`` whose row ``b*H + h`` is ``input[b, :, h]``.

    Parameters
    ----------
    incoming : Layer
    broadcasted_axes : int or sequence of int
        Axes to merge (negative axes count from the end).
    force_broadcastable_batch : bool
        If True (default), axis 0 must be among ``broadcasted_axes``.
    name : str or None

    Shapes
    ------
    input : ``[d0, d1, ..., dn]``
    output : ``[prod(d_a for a in broadcasted_axes)] + [d_a for the other axes, in order]``

    Notes
    -----
    ``get_output_for`` records the symbolic input shape; the matching :class:`UnbroadcastLayer` and
    :class:`UpcastLayer` read it, so they must be computed in the same ``get_output`` call.
    """

    def __init__(self, incoming, broadcasted_axes, force_broadcastable_batch=True, **kwargs):
        super().__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        axes = check_list(broadcasted_axes)
        if not axes:
            raise ValueError(f"{_named(self)}: broadcasted_axes is empty")
        for ax in axes:
            if isinstance(ax, bool) or not isinstance(ax, numbers.Integral) or not -ndim <= ax < ndim:
                raise ValueError(f"{_named(self)}: axis {ax!r} is out of range for input shape "
                                 f"{_shape_str(self.input_shape)}")
        self.broadcasted_axes = sorted({int(ax) % ndim for ax in axes})
        if force_broadcastable_batch and 0 not in self.broadcasted_axes:
            raise ValueError(f"{_named(self)} was asked not to broadcast over the batch (0th) axis; "
                             "add 0 to broadcasted_axes, or set force_broadcastable_batch=False")
        self.non_broadcasted_axes = [ax for ax in range(ndim) if ax not in self.broadcasted_axes]
        self.symbolic_input_shape = None

    def get_output_shape_for(self, input_shape):
        merged = [input_shape[ax] for ax in self.broadcasted_axes]
        batch = None if None in merged else int(np.prod(merged))
        return (batch,) + tuple(input_shape[ax] for ax in self.non_broadcasted_axes)

    def get_output_for(self, input, **kwargs):
        shape = input.shape
        self.symbolic_input_shape = shape
        moved = T.dimshuffle(input, self.broadcasted_axes + self.non_broadcasted_axes)
        return T.reshape(moved, [-1] + [shape[ax] for ax in self.non_broadcasted_axes])


class UnbroadcastLayer(MergeLayer):
    """The inverse of a :class:`BroadcastLayer`: splits axis 0 back into the broadcast axes and restores their order.

    Parameters
    ----------
    incoming : Layer
        Shaped like ``broadcast_layer``'s output, except that the non-batch axes may have other sizes.
    broadcast_layer : BroadcastLayer
        The broadcast to undo. It is an input of this layer, so it is always computed first.
    name : str or None

    Shapes
    ------
    input : ``[prod(broadcast dims), e1, ..., ek]``
    output : the broadcast layer's input shape with its non-broadcast axes replaced by ``e1, ..., ek``
    """

    def __init__(self, incoming, broadcast_layer, **kwargs):
        if not isinstance(broadcast_layer, BroadcastLayer):
            raise TypeError(f"UnbroadcastLayer: broadcast_layer must be a BroadcastLayer, got "
                            f"{type(broadcast_layer).__name__}")
        super().__init__([incoming, broadcast_layer], **kwargs)
        self.broadcast_layer = broadcast_layer
        have, want = self.input_shapes
        if len(have) != len(want):
            raise ValueError(f"{_named(self)}: incoming shape {_shape_str(have)} must have as many "
                             f"axes as the output {_shape_str(want)} of {_named(broadcast_layer)}")

    def get_output_shape_for(self, input_shapes):
        shape = list(self.broadcast_layer.input_shape)
        for ax, size in zip(self.broadcast_layer.non_broadcasted_axes, input_shapes[0][1:]):
            shape[ax] = size
        return tuple(shape)

    def get_output_for(self, inputs, **kwargs):
        input = inputs[0]
        bl = self.broadcast_layer
        pre = _recorded_shape(bl, _named(self))
        shape = input.shape
        unrolled = T.reshape(input, [pre[ax] for ax in bl.broadcasted_axes] +
                             [shape[i] for i in range(1, input.ndim)])
        order = bl.broadcasted_axes + bl.non_broadcasted_axes
        return T.dimshuffle(unrolled, [order.index(i) for i in range(len(order))])


class UpcastLayer(MergeLayer):
    """Repeats each batch row of ``incoming`` to match a :class:`BroadcastLayer` over axis 0 and other axes.

    Each row is repeated ``n = prod(broadcast dims other than 0)`` times consecutively (``T.repeat`` along axis
    0), so row ``b*n + j`` is ``incoming[b]``: the row order of the broadcast batch.

    Parameters
    ----------
    incoming : Layer
        A layer with the same batch size as ``broadcast_layer``'s input.
    broadcast_layer : BroadcastLayer
        Must broadcast over axis 0. It is an input of this layer, so it is always computed first.
    name : str or None

    Shapes
    ------
    input : ``[B, ...]``
    output : ``[B*n, ...]``
    """

    def __init__(self, incoming, broadcast_layer, **kwargs):
        if not isinstance(broadcast_layer, BroadcastLayer):
            raise TypeError(f"UpcastLayer: broadcast_layer must be a BroadcastLayer, got "
                            f"{type(broadcast_layer).__name__}")
        if 0 not in broadcast_layer.broadcasted_axes:
            raise ValueError(f"UpcastLayer: {_named(broadcast_layer)} must broadcast over the batch "
                             f"axis 0, but broadcasts over {broadcast_layer.broadcasted_axes}")
        super().__init__([incoming, broadcast_layer], **kwargs)
        self.broadcast_layer = broadcast_layer
        self.repeated_axes = [ax for ax in broadcast_layer.broadcasted_axes if ax != 0]

    def get_output_shape_for(self, input_shapes):
        shape = input_shapes[0]
        dims = [self.broadcast_layer.input_shape[ax] for ax in self.repeated_axes]
        batch = None if shape[0] is None or None in dims else shape[0] * int(np.prod(dims))
        return (batch,) + tuple(shape[1:])

    def get_output_for(self, inputs, **kwargs):
        input = inputs[0]
        if not self.repeated_axes:
            return input
        pre = _recorded_shape(self.broadcast_layer, _named(self))
        n = T.prod(T.stack([pre[ax] for ax in self.repeated_axes]))
        # T.repeat takes a Python int; a count known only from shapes goes through broadcast_to + reshape.
        shape = input.shape
        rest = [shape[i] for i in range(1, input.ndim)]
        tiled = T.broadcast_to(T.dimshuffle(input, [0, "x"] + list(range(1, input.ndim))), [shape[0], n] + rest)
        return T.reshape(tiled, [-1] + rest)
