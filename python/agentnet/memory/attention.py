"""Attention over a sequence: additive (Bahdanau) ``AttentionLayer``, ``DotAttentionLayer``, and the
``multihead_attention`` and ``self_attention`` compositions of them.

Both layers are DictLayers with outputs ``'attn'`` ``[B, value_units]`` and ``'probs'`` ``[B, S]``. Keys give the
logits and values are averaged with the resulting weights; keys default to the values. Pass ``hard_attention=True``
to ``get_output`` to take the value at the argmax of the logits instead, with one-hot ``probs``.

The two layers are computed by the engine (``Sources/AgentNet/Memory/Attention.swift``), which checks the shapes at
construction; ``multihead_attention`` and ``self_attention`` wire engine layers together, as the Swift
``multiheadAttention`` and ``selfAttention`` do (``attn_class`` may be any Python callable making a layer).
"""
import warnings

from .. import init
from .. import nonlinearities
from ..layers.base import _shape_str
from ..layers._zoo import CONSTANT, EngineBacked, engine_param_shapes, jsonable
from ..layers.dense import DenseLayer
from ..layers.native import EngineLayer, nonlinearity_spec
from ..layers.shape import FlattenLayer, ReshapeLayer, SliceLayer
from ..utils.broadcast import BroadcastLayer, UnbroadcastLayer, UpcastLayer
from ..utils.layers import DictLayer

__all__ = ["AttentionLayer", "DotAttentionLayer", "multihead_attention", "self_attention"]


def _incomings(input_sequence, key_sequence, query, mask_input):
    return [input_sequence, key_sequence, query] + ([mask_input] if mask_input is not None else [])


def _shapes(layers):
    return [l.output_shape for l in layers]


def _agree(a, b):
    return a is None or b is None or a == b


class _AttentionBase(EngineBacked, DictLayer):
    """A DictLayer ``{'attn', 'probs'}`` computed by the engine layer of the same kind; ``get_output`` accepts
    ``hard_attention``."""

    def __init__(self, incomings, **kwargs):
        values, keys = incomings[0].output_shape, incomings[1].output_shape  # checked by the engine already
        super().__init__(incomings, {"attn": (keys[0], values[-1]), "probs": (keys[0], keys[1])}, **kwargs)
        self.get_output_kwargs = ["hard_attention"]

    def _engine_attrs(self):
        # host callables get a fresh key per engine layer (the engine releases it with that layer)
        return dict(super()._engine_attrs(), probs_nonlinearity=nonlinearity_spec(self.probs_nonlinearity))

    get_output_shape_for = DictLayer.get_output_shape_for

    def get_output_for(self, inputs, hard_attention=False, **kwargs):
        outs = self._compute_layer().outputs(list(inputs), kwargs.pop("deterministic", False),
                                             hard_attention=bool(hard_attention))
        return dict(zip(self.keys(), outs))


class AttentionLayer(_AttentionBase):
    """Additive (Bahdanau) attention: a one-hidden-layer scorer of each (key, query) pair.

    ::

        hid    = nonlinearity(K . W_enc + (q . W_dec)[:, None, :])     # [B, S, num_units]
        logits = (hid . W_out)[:, :, 0]                                # [B, S]; no biases (softmax ignores them)
        logits -= (1 - mask) * 1000                                    # with a mask
        probs  = probs_nonlinearity(logits)                            # [B, S]
        attn   = sum_s probs[:, s, None] * V[:, s]                     # [B, value_units]

    Parameters
    ----------
    input_sequence : Layer
        Values ``V``, ``[B, S, value_units]``.
    query : Layer
        ``q``, ``[B, query_units]`` (usually a recurrent state).
    num_units : int
        Width of the hidden scoring layer.
    mask_input : Layer or None
        ``[B, S]``, 1 for real steps and 0 for padding.
    key_sequence : Layer or None
        Keys ``K``, ``[B, S, key_units]``; defaults to ``input_sequence``.
    nonlinearity : callable
        Of the hidden layer; default tanh.
    probs_nonlinearity : callable
        Logits ``[B, S]`` to weights; default softmax over the last axis.
    W_enc, W_dec, W_out : initializer, array or SharedVariable
        Shapes ``(key_units, num_units)``, ``(query_units, num_units)``, ``(num_units, 1)``; default ``Normal()``.
        Named ``enc_to_hid``, ``dec_to_hid``, ``hid_to_logit``.
    weights_nonlinearity : callable or None
        The seed's older name for ``probs_nonlinearity``; overrides it when given.
    name : str or None

    Outputs
    -------
    'attn' : ``[B, value_units]``; 'probs' : ``[B, S]``
    """

    _engine_kind = "AttentionLayer"
    _engine_params = ("W_enc", "W_dec", "W_out")

    def __init__(self, input_sequence, query, num_units, mask_input=None, key_sequence=None,
                 nonlinearity=nonlinearities.tanh, probs_nonlinearity=nonlinearities.softmax, W_enc=init.Normal(),
                 W_dec=init.Normal(), W_out=init.Normal(), weights_nonlinearity=None, **kwargs):
        key_sequence = key_sequence if key_sequence is not None else input_sequence
        incomings = _incomings(input_sequence, key_sequence, query, mask_input)
        enc, dec, out = engine_param_shapes("AttentionLayer", _shapes(incomings), num_units=jsonable(num_units),
                                            W_enc=CONSTANT, W_dec=CONSTANT, W_out=CONSTANT,
                                            name=kwargs.get("name")).values()
        super().__init__(incomings, **kwargs)
        self.W_enc = self.add_param(W_enc, enc, name="enc_to_hid")
        self.W_dec = self.add_param(W_dec, dec, name="dec_to_hid")
        self.W_out = self.add_param(W_out, out, name="hid_to_logit")
        self.nonlinearity = nonlinearities.identity if nonlinearity is None else nonlinearity
        self.probs_nonlinearity = weights_nonlinearity or probs_nonlinearity
        self._create_engine(num_units=jsonable(num_units))

    def _engine_attrs(self):
        return dict(super()._engine_attrs(), nonlinearity=nonlinearity_spec(self.nonlinearity))


class DotAttentionLayer(_AttentionBase):
    """Multiplicative (dot-product) attention: ``logits[b, s] = sum_u q[b, u] * K[b, s, u]``.

    The logits are scaled by ``key_units ** -0.5`` when ``scale``; mask, probs and outputs are as in
    :class:`AttentionLayer`. If the query width differs from the key width (with a warning) or
    ``use_dense_layer``, the query is first projected: ``q = DenseLayer(q, key_units, nonlinearity=None,
    name=(name or 'dotattn') + '_dense')``, kept as ``self.query_dense``.

    Parameters
    ----------
    input_sequence : Layer
        Values, ``[B, S, value_units]``.
    query : Layer
        ``[B, query_units]``.
    key_sequence : Layer or None
        Keys, ``[B, S, key_units]``; defaults to ``input_sequence``.
    mask_input : Layer or None
        ``[B, S]``.
    scale : bool
        Multiply the logits by ``key_units ** -0.5``.
    use_dense_layer : bool
        Always project the query.
    probs_nonlinearity : callable
        Default softmax over the last axis.
    weights_nonlinearity : callable or None
        Older name for ``probs_nonlinearity``.
    name : str or None

    Outputs
    -------
    'attn' : ``[B, value_units]``; 'probs' : ``[B, S]``
    """

    _engine_kind = "DotAttentionLayer"

    def __init__(self, input_sequence, query, key_sequence=None, mask_input=None, scale=False, use_dense_layer=False,
                 probs_nonlinearity=nonlinearities.softmax, weights_nonlinearity=None, **kwargs):
        key_sequence = key_sequence if key_sequence is not None else input_sequence
        name = kwargs.get("name")
        # the engine checks everything the query's projection cannot fix, before the projection is made
        EngineLayer("DotAttentionLayer", _shapes(_incomings(input_sequence, key_sequence, query, mask_input)),
                    query_to_project=True, name=name)
        key_units, query_units = key_sequence.output_shape[-1], query.output_shape[-1]
        if query_units != key_units and not use_dense_layer:
            who = f"DotAttentionLayer {name!r}" if name is not None else "DotAttentionLayer"
            warnings.warn(f"{who}: the query shape {_shape_str(query.output_shape)} and key shape "
                          f"{_shape_str(key_sequence.output_shape)} have different widths; using a linear "
                          "DenseLayer of the query. Set use_dense_layer=True to silence this warning.",
                          stacklevel=2)
            use_dense_layer = True
        self.query_dense = None
        if use_dense_layer:
            query = self.query_dense = DenseLayer(query, key_units, nonlinearity=None,
                                                  name=(name or "dotattn") + "_dense")
        super().__init__(_incomings(input_sequence, key_sequence, query, mask_input), **kwargs)
        self.scale = bool(scale)
        self.key_size = key_units
        self.probs_nonlinearity = weights_nonlinearity or probs_nonlinearity
        self._create_engine(scale=self.scale)


def _broadcast_heads(incoming, head_size, num_heads, name):
    """Linear projection to ``head_size * num_heads`` units, heads folded into the batch: row ``b*H + h``."""
    ndim = len(incoming.output_shape)
    heads = DenseLayer(incoming, head_size * num_heads, nonlinearity=None, num_leading_axes=ndim - 1, name=name)
    lead = [[i] for i in range(ndim - 1)]
    heads = ReshapeLayer(heads, tuple(lead) + (head_size, num_heads))     # [B, (S,) size, H]
    return BroadcastLayer(heads, (0, ndim), name=name)                  # [B*H, (S,) size]


def multihead_attention(input_sequence, query, key_sequence=None, mask_input=None, num_heads=1, key_size=None,
                        value_size=None, attn_class=DotAttentionLayer, name="multihead_attn", **kwargs):
    """``num_heads`` attentions run in parallel on learned linear projections (Vaswani et al., 1706.03762).

    The query is projected to ``[B, key_size*H]``, the keys (default: the input sequence) to
    ``[B, S, key_size*H]`` and the values to ``[B, S, value_size*H]`` (linear DenseLayers named
    ``name + '_query_heads'``, ``'_key_heads'``, ``'_value_heads'``). Each is reshaped to ``(..., size, H)`` and
    folded into a batch of ``B*H`` (row ``b*H + h``); the mask is repeated per head; then ``attn_class`` runs once
    on that batch.

    Parameters
    ----------
    input_sequence : Layer
        ``[B, S, units]``.
    query : Layer
        ``[B, query_units]``.
    key_sequence, mask_input : Layer or None
        ``[B, S, key_units]`` and ``[B, S]``.
    num_heads : int
    key_size : int or None
        Per-head query/key width; default the key width.
    value_size : int or None
        Per-head value width; default the value width.
    attn_class : callable
        :class:`DotAttentionLayer` (default), :class:`AttentionLayer` (pass ``num_units``) or similar.
    name : str
    **kwargs
        Passed to ``attn_class``.

    Returns
    -------
    dict
        ``'attn'``: layer ``[B, value_size*H]``, flattened from ``[B, value_size, H]`` (index ``v*H + h``);
        ``'probs'``: layer ``[B, H, S]``.
    """
    key_sequence = key_sequence if key_sequence is not None else input_sequence
    EngineLayer("DotAttentionLayer", _shapes(_incomings(input_sequence, key_sequence, query, mask_input)),
                query_to_project=True, label=f"multihead_attention {name!r}")  # the engine checks the shapes
    if num_heads < 1:
        raise ValueError(f"multihead_attention {name!r}: num_heads must be positive, got {num_heads}")
    key_size = key_size or key_sequence.output_shape[-1]
    value_size = value_size or input_sequence.output_shape[-1]

    query_heads = _broadcast_heads(query, key_size, num_heads, name + "_query_heads")
    value_heads = _broadcast_heads(input_sequence, value_size, num_heads, name + "_value_heads")
    key_heads = _broadcast_heads(key_sequence, key_size, num_heads, name + "_key_heads")
    mask_heads = None if mask_input is None else UpcastLayer(mask_input, query_heads)

    heads = attn_class(value_heads, query_heads, key_sequence=key_heads, mask_input=mask_heads, name=name,
                       **kwargs)                                                 # [B*H, value_size], [B*H, S]
    attn = UnbroadcastLayer(heads["attn"], query_heads)                          # [B, value_size, H]
    return {"attn": FlattenLayer(attn, outdim=2),                                # [B, value_size*H]
            "probs": ReshapeLayer(heads["probs"], (-1, num_heads, [1]))}         # [B, H, S]


def self_attention(incoming, key_size=None, value_size=None, mask_input=None, name="attn",
                   attn_class=DotAttentionLayer, **kwargs):
    """Every tick of a sequence attends to all ticks of the same sequence (no causal mask).

    ``qkv = DenseLayer(incoming, 2*key_size + value_size, nonlinearity=None, num_leading_axes=2,
    name=name + '.qkv')`` is split into queries, keys and values. Queries are folded to ``[B*T, key_size]``
    (row ``b*T + t``); keys, values and the mask are repeated T times per batch row to ``[B*T, T, ...]``; then
    ``attn_class`` runs on that batch and its ``'attn'`` is unfolded to ``[B, T, ...]``.

    Parameters
    ----------
    incoming : Layer
        ``[B, T, units]``.
    key_size, value_size : int or None
        Default ``units``.
    mask_input : Layer or None
        ``[B, T]``.
    name : str
    attn_class : callable
        :class:`DotAttentionLayer` (default), :class:`AttentionLayer` or :func:`multihead_attention`.
    **kwargs
        Passed to ``attn_class``.

    Returns
    -------
    Layer
        ``[B, T, value_size]`` (``value_size * num_heads`` with multihead attention).
    """
    shape = incoming.output_shape
    if len(shape) != 3:
        raise ValueError(f"self_attention {name!r}: incoming must be [batch, time, units], got shape "
                         f"{_shape_str(shape)}")
    if mask_input is not None and (len(mask_input.output_shape) != 2
                                   or not all(_agree(m, s) for m, s in zip(mask_input.output_shape, shape))):
        raise ValueError(f"self_attention {name!r}: mask_input shape {_shape_str(mask_input.output_shape)} must be "
                         f"[batch, time] of incoming {_shape_str(shape)}")
    key_size = key_size or shape[-1]
    value_size = value_size or shape[-1]
    qkv = DenseLayer(incoming, 2 * key_size + value_size, nonlinearity=None, num_leading_axes=2, name=name + ".qkv")
    queries = SliceLayer(qkv, slice(0, key_size), axis=-1)
    keys = SliceLayer(qkv, slice(key_size, 2 * key_size), axis=-1)
    values = SliceLayer(qkv, slice(2 * key_size, 2 * key_size + value_size), axis=-1)

    each_tick = BroadcastLayer(queries, (0, 1))                                  # [B*T, key_size]
    keys, values = UpcastLayer(keys, each_tick), UpcastLayer(values, each_tick)  # [B*T, T, ...]
    if mask_input is not None:
        mask_input = UpcastLayer(mask_input, each_tick)                          # [B*T, T]
    attn = attn_class(values, each_tick, key_sequence=keys, mask_input=mask_input, name=name, **kwargs)["attn"]
    return UnbroadcastLayer(attn, each_tick)                                     # [B, T, value_size]
