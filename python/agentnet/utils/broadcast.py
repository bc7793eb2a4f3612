"""Layers that apply other layers across extra axes by folding those axes into the batch axis.

``BroadcastLayer`` merges chosen axes into axis 0, so that a layer written for ``[batch, ...]`` runs over every
(batch, head) or (batch, tick) pair; ``UnbroadcastLayer`` undoes it and ``UpcastLayer`` repeats another layer's
batch rows to line up with the broadcast batch. Multi-head and self attention are built from these. The engine
computes them (``Sources/AgentNet/Layers/BroadcastLayers.swift``) and checks the arguments at construction.
"""
from ..layers._zoo import EngineBacked, jsonable
from ..layers.base import Layer, MergeLayer
from .format import check_list

__all__ = ["BroadcastLayer", "UnbroadcastLayer", "UpcastLayer"]


class BroadcastLayer(EngineBacked, Layer):
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
    Each output records the symbolic shape of its input; the matching :class:`UnbroadcastLayer` and
    :class:`UpcastLayer` (which take this layer as an input) read the record of the output they are given, so
    they must be computed from this layer's output in the same ``get_output`` call.
    """

    _engine_kind = "BroadcastLayer"

    def __init__(self, incoming, broadcasted_axes, force_broadcastable_batch=True, **kwargs):
        super().__init__(incoming, **kwargs)
        axes = check_list(broadcasted_axes)
        self._create_engine(broadcasted_axes=[jsonable(ax) for ax in axes],
                            force_broadcastable_batch=bool(force_broadcastable_batch))
        ndim = len(self.input_shape)
        self.broadcasted_axes = sorted({int(ax) % ndim for ax in axes})
        self.non_broadcasted_axes = [ax for ax in range(ndim) if ax not in self.broadcasted_axes]


class _FedByBroadcast(EngineBacked, MergeLayer):
    """A layer of ``[incoming, broadcast_layer]`` whose engine layer refers to the broadcast layer's (taken from
    the current attribute when the engine layer is made, so a copy refers to the copy's broadcast layer)."""

    def __init__(self, incoming, broadcast_layer, **kwargs):
        if not isinstance(broadcast_layer, BroadcastLayer):
            raise TypeError(f"{type(self).__name__}: broadcast_layer must be a BroadcastLayer, got "
                            f"{type(broadcast_layer).__name__}")
        super().__init__([incoming, broadcast_layer], **kwargs)
        self.broadcast_layer = broadcast_layer
        self._create_engine()

    def _engine_attrs(self):
        return dict(super()._engine_attrs(), broadcast_layer=self.broadcast_layer._handle)


class UnbroadcastLayer(_FedByBroadcast):
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

    _engine_kind = "UnbroadcastLayer"


class UpcastLayer(_FedByBroadcast):
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

    _engine_kind = "UpcastLayer"

    def __init__(self, incoming, broadcast_layer, **kwargs):
        super().__init__(incoming, broadcast_layer, **kwargs)
        self.repeated_axes = [ax for ax in broadcast_layer.broadcasted_axes if ax != 0]
