"""``GateLayer``: several gates computed from the same controllers with one matmul per controller."""
import numbers
from collections import OrderedDict

import numpy as np

from .. import init
from .. import nonlinearities
from .. import tensor as T
from ..layers.base import Layer
from ..utils.format import check_list
from ..utils.layers import DictLayer, get_layer_dtype

__all__ = ["GateLayer"]


def _flat_width(layer):
    """Number of features of ``layer`` flattened to ``[batch, features]``; None if a trailing size is unknown."""
    trailing = layer.output_shape[1:]
    if not trailing or any(d is None for d in trailing):
        return None
    return int(np.prod(trailing))


def _per_item(spec, n, what, owner):
    """``spec`` as a list of ``n`` items: a single item is repeated; a list must have length 1 or ``n``."""
    items = check_list(spec)
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise ValueError(f"{owner}: {what} must be a single value or a list of 1 or {n}, got a list of {len(items)}")
    return items


class GateLayer(DictLayer):
    """Stacked gates: ``g_c = f_c(b_c + sum_k flatten(x_k) . W_{k,c})`` for each channel ``c``.

    A channel is an int ``n_c`` (the output is the gate ``g_c`` itself, ``[batch, n_c]``) or a layer ``L_c`` (the
    output is ``g_c * flatten(L_c)``, ``[batch, n_c]`` with ``n_c`` its flattened width). The weights of all channels
    are concatenated per controller, so each controller costs one matmul; the stacked result is then sliced.

    Parameters
    ----------
    gate_controllers : Layer or list of Layer
        The inputs ``x_k`` the gates depend on, each flattened to ``[batch, n_k]``.
    channels : int, Layer or list of those
        One entry per output channel.
    gate_nonlinearities : callable, None or list of those
        One for all channels or one per channel; None is the identity. Default sigmoid.
    bias_init : initializer, None or list of those
        One for all channels or one per channel; None means no bias (a constant zero). Default ``Constant(0)``.
    weight_init : initializer or list
        One for everything, one per channel, or per ``[channel][controller]``. Default ``Normal(0.01)``.
    channel_names : list of str or None
        Names used for parameters and output keys; default the channel layer's name, else ``"gate<i>"``.
    name : str or None
        Output keys are ``name + channel_name`` (in channel order).
    controller_names : list of str or None
        Our addition: names used in the weight names ``W_<controller>_<channel>``; default each controller's
        name, else ``"ctrl<k>"``. Cells built from two GateLayers use it to keep weight names unique.

    Notes
    -----
    Parameters are ``W_<controller name or "ctrl<k>">_<channel_name>`` of shape ``(n_k, n_c)`` and
    ``b_<channel_name>`` of shape ``(n_c,)``, prefixed with ``"<name>."`` when the layer has a name.

    Examples
    --------
    >>> from agentnet.layers import InputLayer
    >>> h = InputLayer((None, 5), name="h")
    >>> gates = GateLayer(h, [3, 4], channel_names=["a", "b"], name="g")
    >>> [p.name for p in gates.get_params()]
    ['g.b_a', 'g.W_h_a', 'g.b_b', 'g.W_h_b']
    >>> gates.keys()
    ['ga', 'gb']
    """

    def __init__(self, gate_controllers, channels, gate_nonlinearities=nonlinearities.sigmoid,
                 bias_init=init.Constant(), weight_init=init.Normal(), channel_names=None, name=None,
                 controller_names=None, **kwargs):
        owner = f"GateLayer {name!r}" if name else "GateLayer"
        controllers = check_list(gate_controllers)
        channels = check_list(channels)
        if controller_names is not None and len(controller_names) != len(controllers):
            raise ValueError(f"{owner}: got {len(controller_names)} controller_names for {len(controllers)} "
                             "controllers")
        if not controllers:
            raise ValueError(f"{owner}: needs at least one gate controller")
        if not channels:
            raise ValueError(f"{owner}: needs at least one channel")
        for c in controllers:
            if not isinstance(c, Layer):
                raise TypeError(f"{owner}: gate controllers must be layers, got {type(c).__name__}")
            if len(c.output_shape) < 2 or _flat_width(c) is None:
                raise ValueError(f"{owner}: controller {c.name!r} has shape {c.output_shape}; it needs a batch axis "
                                 "and known sizes on the other axes")
        widths = []
        for i, c in enumerate(channels):
            if isinstance(c, Layer):
                if len(c.output_shape) < 2 or _flat_width(c) is None:
                    raise ValueError(f"{owner}: channel layer {c.name!r} has shape {c.output_shape}; it needs a "
                                     "batch axis and known sizes on the other axes")
                widths.append(_flat_width(c))
            elif isinstance(c, numbers.Integral) and not isinstance(c, bool) and c > 0:
                widths.append(int(c))
            else:
                raise TypeError(f"{owner}: channel {i} must be a positive int or a layer, got {c!r}")

        names = list(channel_names) if channel_names is not None else [None] * len(channels)
        if len(names) != len(channels):
            raise ValueError(f"{owner}: got {len(names)} channel_names for {len(channels)} channels")
        for i, c in enumerate(channels):
            names[i] = names[i] or (c.name if isinstance(c, Layer) else None) or f"gate{i}"

        batch = next((l.output_shape[0] for l in channels + controllers
                      if isinstance(l, Layer) and l.output_shape[0] is not None), None)
        keys = [(name or "") + n for n in names]
        super().__init__([c for c in channels if isinstance(c, Layer)] + controllers,
                         output_shapes=OrderedDict((k, (batch, w)) for k, w in zip(keys, widths)),
                         output_dtypes=[get_layer_dtype(c) if isinstance(c, Layer) else None for c in channels],
                         name=name, **kwargs)
        self.channels = channels
        self.channel_names = names
        self.channel_widths = widths
        self.gate_controllers = controllers

        n_ch, n_ctrl = len(channels), len(controllers)
        nls = _per_item(gate_nonlinearities, n_ch, "gate_nonlinearities", owner)
        self.gate_nonlinearities = [nonlinearities.identity if f is None else f for f in nls]
        bias_init = _per_item(bias_init, n_ch, "bias_init", owner)
        weight_init = [_per_item(w, n_ctrl, f"weight_init for channel {names[c]!r}", owner)
                       for c, w in enumerate(_per_item(weight_init, n_ch, "weight_init", owner))]

        self._stacked = None  # see _stacked_params
        self.gate_b = []  # [channel]; None where there is no bias
        self.gate_W = [[] for _ in controllers]  # [controller][channel]
        for c, (ch_name, width) in enumerate(zip(names, widths)):
            self.gate_b.append(None if bias_init[c] is None else
                               self.add_param(bias_init[c], (width,), name=f"b_{ch_name}", regularizable=False))
            for k, ctrl in enumerate(controllers):
                given = controller_names[k] if controller_names is not None else None
                ctrl_name = given or ctrl.name or f"ctrl{k}"
                self.gate_W[k].append(self.add_param(weight_init[c][k], (_flat_width(ctrl), width),
                                                     name=f"W_{ctrl_name}_{ch_name}"))

    def _stacked_params(self):
        """``([W_k stacked over channels for each controller k], stacked bias or None)``, built once.

        The expressions are cached so that every tick of an unrolled Recurrence shares one concatenation (and one
        split of its gradient) instead of re-joining the weights at each tick.
        """
        if self._stacked is None:
            ws = [weights[0] if len(weights) == 1 else T.concatenate(weights, axis=1) for weights in self.gate_W]
            b = None
            if any(b is not None for b in self.gate_b):
                biases = [T.zeros((w,)) if b is None else b for b, w in zip(self.gate_b, self.channel_widths)]
                b = biases[0] if len(biases) == 1 else T.concatenate(biases, axis=0)
            self._stacked = (ws, b)
        return self._stacked

    def get_output_for(self, inputs, **kwargs):
        n_layers = len(inputs) - len(self.gate_controllers)
        given, controllers = inputs[:n_layers], inputs[n_layers:]
        # [batch, sum_c n_c]: one matmul per controller over the stacked weights of all channels
        stacked_w, stacked_b = self._stacked_params()
        stacked = None
        for x, w in zip(controllers, stacked_w):
            x = T.flatten(x, 2) if x.ndim != 2 else x
            stacked = T.dot(x, w) if stacked is None else stacked + T.dot(x, w)
        if stacked_b is not None:
            stacked = stacked + stacked_b

        outputs, start, given = [], 0, iter(given)
        for channel, width, f in zip(self.channels, self.channel_widths, self.gate_nonlinearities):
            gate = f(stacked if len(self.channels) == 1 else stacked[:, start:start + width])
            start += width
            if isinstance(channel, Layer):
                value = next(given)
                gate = gate * (T.flatten(value, 2) if value.ndim != 2 else value)
            outputs.append(gate)
        return OrderedDict(zip(self.keys(), outputs))
