"""``GateLayer``: several gates computed from the same controllers with one matmul per controller.

Computed by the engine (``Sources/AgentNet/Memory/GateLayer.swift``), which checks the shapes, names the
parameters and output keys at construction; this class converts the arguments and creates the parameters from
the given initializers.
"""
import numbers
from collections import OrderedDict

from .. import init
from .. import nonlinearities
from ..layers._zoo import EngineBacked, ParamProbe, param_refs
from ..layers.base import Layer
from ..layers.native import nonlinearity_spec
from ..utils.format import check_list
from ..utils.layers import DictLayer, get_layer_dtype

__all__ = ["GateLayer"]


def _per_item(spec, n, what, owner):
    """``spec`` as a list of ``n`` items: a single item is repeated; a list must have length 1 or ``n``."""
    items = check_list(spec)
    if len(items) == 1:
        return items * n
    if len(items) != n:
        raise ValueError(f"{owner}: {what} must be a single value or a list of 1 or {n}, got a list of {len(items)}")
    return items


def _layers(layers, what, owner):
    for x in layers:
        if not isinstance(x, Layer):
            raise TypeError(f"{owner}: {what} must be layers, got {type(x).__name__}")
    return layers


class GateLayer(EngineBacked, DictLayer):
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

    _engine_kind = "GateLayer"

    def __init__(self, gate_controllers, channels, gate_nonlinearities=nonlinearities.sigmoid,
                 bias_init=init.Constant(), weight_init=init.Normal(), channel_names=None, name=None,
                 controller_names=None, **kwargs):
        owner = f"GateLayer {name!r}" if name else "GateLayer"
        controllers = _layers(check_list(gate_controllers), "gate controllers", owner)
        channels = check_list(channels)
        if controller_names is not None and len(controller_names) != len(controllers):
            raise ValueError(f"{owner}: got {len(controller_names)} controller_names for {len(controllers)} "
                             "controllers")
        if not controllers:
            raise ValueError(f"{owner}: needs at least one gate controller")
        if not channels:
            raise ValueError(f"{owner}: needs at least one channel")
        for i, c in enumerate(channels):
            if not isinstance(c, Layer) and not (isinstance(c, numbers.Integral) and not isinstance(c, bool)
                                                 and c > 0):
                raise TypeError(f"{owner}: channel {i} must be a positive int or a layer, got {c!r}")
        names = list(channel_names) if channel_names is not None else [None] * len(channels)
        if len(names) != len(channels):
            raise ValueError(f"{owner}: got {len(names)} channel_names for {len(channels)} channels")

        n_ch, n_ctrl = len(channels), len(controllers)
        nls = _per_item(gate_nonlinearities, n_ch, "gate_nonlinearities", owner)
        biases = _per_item(bias_init, n_ch, "bias_init", owner)
        shown = [n or (c.name if isinstance(c, Layer) else None) or f"gate{i}"
                 for i, (n, c) in enumerate(zip(names, channels))]
        weights = [_per_item(w, n_ctrl, f"weight_init for channel {shown[c]!r}", owner)
                   for c, w in enumerate(_per_item(weight_init, n_ch, "weight_init", owner))]
        layer_channels = [c for c in channels if isinstance(c, Layer)]
        incomings = layer_channels + controllers
        config = dict(channels=[None if isinstance(c, Layer) else int(c) for c in channels],
                      channel_names=names, controller_names=controller_names,
                      input_names=[l.name for l in incomings])
        probe = ParamProbe("GateLayer", [l.output_shape for l in incomings], {"b": biases, "W": weights}, name=name,
                           **config)
        keys = probe.facts["keys"]
        super().__init__(incomings, output_shapes=OrderedDict(zip(keys, probe.output_shapes)),
                         output_dtypes=[get_layer_dtype(c) if isinstance(c, Layer) else None for c in channels],
                         name=name, **kwargs)
        self.channels = channels
        self.channel_names = probe.facts["channel_names"]
        self.channel_widths = [s[1] for s in probe.output_shapes]
        self.gate_controllers = controllers
        self.gate_nonlinearities = [nonlinearities.identity if f is None else f for f in nls]
        self._param_layout = probe.create(self)
        self.gate_b = self._param_layout["b"]  # [channel]; None where there is no bias
        self.gate_W = [list(w) for w in zip(*self._param_layout["W"])]  # [controller][channel]
        self._create_engine(**config)

    def _engine_attrs(self):
        # host callables get a fresh key per engine layer (the engine releases it with that layer)
        return dict(super()._engine_attrs(), **param_refs(self._param_layout),
                    gate_nonlinearities=[nonlinearity_spec(f) for f in self.gate_nonlinearities])

    get_output_shape_for = DictLayer.get_output_shape_for

    def get_output_for(self, inputs, **kwargs):
        outs = self._compute_layer().outputs(list(inputs), kwargs.pop("deterministic", False))
        return OrderedDict(zip(self.keys(), outs))
