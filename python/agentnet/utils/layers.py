"""Layer utilities from the seed's ``agentnet.utils.layers``: multi-output layers and small layer shortcuts.

:class:`DictLayer` is a layer with several named outputs (GateLayer channels, attention's ``attn`` and ``probs``,
a Recurrence's sequences). ``get_output(dict_layer)`` gives a dict ``{key: expression}``; ``dict_layer[key]`` is an
ordinary one-output layer to feed into the rest of the network.
"""
import numbers
from collections import OrderedDict

from .. import tensor as T
from ..layers._zoo import EngineBacked
from ..layers.base import Layer, MergeLayer, _shape_str
from ..layers.merge import ElemwiseMergeLayer, ElemwiseSumLayer
from .format import check_list

__all__ = ["DictLayer", "DictElementLayer", "get_layer_dtype", "clip_grads", "mul", "add"]

_FLOATX = "float32"


def get_layer_dtype(layer, default=None):
    """The layer's ``output_dtype`` attribute if it has one, else ``default`` (``'float32'`` when None)."""
    dtype = getattr(layer, "output_dtype", None)
    if dtype is None:
        return default or _FLOATX
    return dtype


def _check_shape(shape, what):
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"{what}: a shape must be a tuple of ints or None, got {shape!r}") from None
    if any(d is not None and (isinstance(d, bool) or not isinstance(d, numbers.Integral) or d <= 0) for d in shape):
        raise ValueError(f"{what}: a shape must contain positive ints or None, got {shape!r}")
    return tuple(None if d is None else int(d) for d in shape)


class DictLayer(MergeLayer):
    """A layer with several named outputs.

    Subclasses implement ``get_output_for(inputs, **kwargs)`` returning ``{key: expression}`` for every key of
    ``output_shapes``. By default the outputs are the inputs themselves, one per key in order, which requires as
    many inputs as keys.

    Parameters
    ----------
    incomings : Layer or list of Layer
    output_shapes : dict or list
        ``{key: shape}``; a list of shapes gives keys ``0, 1, ...``. Shapes use None for unknown dimensions.
    output_dtypes : None, str, dict or list
        Output dtypes by key (or in key order); None means ``'float32'`` for all.
    name : str or None

    Notes
    -----
    ``layer[key]`` returns a :class:`DictElementLayer` (cached, so the same key always gives the same layer);
    iterating a DictLayer yields these element layers in key order, so ``cell, out = some_dict_layer`` works.
    """

    _multi_output = True

    def __init__(self, incomings, output_shapes, output_dtypes=None, **kwargs):
        super().__init__(check_list(incomings), **kwargs)
        what = f"{type(self).__name__} {self.name!r}" if self.name else type(self).__name__
        if isinstance(output_shapes, dict):
            items = list(output_shapes.items())
        elif isinstance(output_shapes, (list, tuple)):
            items = list(enumerate(output_shapes))
        else:
            raise TypeError(f"{what}: output_shapes must be a dict or a list of shapes, got "
                            f"{type(output_shapes).__name__}")
        if not items:
            raise ValueError(f"{what}: output_shapes is empty; a DictLayer needs at least one output")
        self._output_shapes = OrderedDict((k, _check_shape(s, what)) for k, s in items)
        keys = list(self._output_shapes)
        if output_dtypes is None or isinstance(output_dtypes, str):
            dtypes = {k: output_dtypes or _FLOATX for k in keys}
        elif isinstance(output_dtypes, dict):
            missing = [k for k in keys if k not in output_dtypes]
            extra = [k for k in output_dtypes if k not in self._output_shapes]
            if missing or extra:
                raise ValueError(f"{what}: output_dtypes keys must match output_shapes keys; missing {missing}, "
                                 f"unknown {extra}")
            dtypes = dict(output_dtypes)
        else:
            output_dtypes = list(output_dtypes)
            if len(output_dtypes) != len(keys):
                raise ValueError(f"{what}: got {len(output_dtypes)} output_dtypes for {len(keys)} outputs")
            dtypes = dict(zip(keys, output_dtypes))
        self.output_dtypes = OrderedDict((k, str(dtypes[k])) for k in keys)
        self._elements = {}

    # -- outputs -----------------------------------------------------------------------------------------------
    def keys(self):
        """Output keys in order."""
        return list(self._output_shapes.keys())

    def values(self):
        """The element layers ``[self[k] for k in keys()]``."""
        return [self[k] for k in self.keys()]

    def items(self):
        return [(k, self[k]) for k in self.keys()]

    def __iter__(self):
        return iter(self.values())

    def __len__(self):
        return len(self._output_shapes)

    def __getitem__(self, key):
        if key not in self._output_shapes:
            raise KeyError(f"{type(self).__name__} {self.name!r} has no output {key!r}; its outputs are "
                           f"{self.keys()}")
        if key not in self._elements:
            self._elements[key] = DictElementLayer(self, key)
        return self._elements[key]

    def get_output_shape_for(self, input_shapes):
        return OrderedDict(self._output_shapes)

    @MergeLayer.output_shape.getter
    def output_shape(self):
        return self.get_output_shape_for(self.input_shapes)

    def _make_engine_layer(self):
        if type(self).get_output_for is not DictLayer.get_output_for or len(self.input_shapes) != len(self):
            return super()._make_engine_layer()  # a subclass's own outputs, through the callback
        from ..layers.native import EngineLayer, dtype_name
        return EngineLayer("DictLayer", self.input_shapes, keys=[str(k) for k in self.keys()],
                           output_shapes=[list(s) for s in self._output_shapes.values()],
                           output_dtypes=[dtype_name(d) for d in self.output_dtypes.values()], name=self.name,
                           host_key=self._key)

    def get_output_for(self, inputs, **kwargs):
        keys = self.keys()
        if len(inputs) != len(keys):
            raise ValueError(f"{type(self).__name__} {self.name!r}: the default get_output_for passes the inputs "
                             f"through, one per key, but there are {len(inputs)} inputs and {len(keys)} keys; "
                             "override get_output_for")
        return OrderedDict(zip(keys, inputs))

    def __repr__(self):
        shapes = ", ".join(f"{k!r}: {_shape_str(s)}" for k, s in self._output_shapes.items())
        name = f"name={self.name!r}" if self.name is not None else ""
        return f"{type(self).__name__}({name}) {{{shapes}}}"


class DictElementLayer(Layer):
    """One output of a :class:`DictLayer`, usable as an ordinary layer. Created by ``dict_layer[key]``."""

    def __init__(self, dict_layer, key, name=None):
        if not isinstance(dict_layer, DictLayer):
            raise TypeError(f"DictElementLayer: expected a DictLayer, got {type(dict_layer).__name__}")
        self.input_layer = dict_layer
        self.input_shape = dict_layer.output_shape
        self.key = key
        if name is None and dict_layer.name:
            label = key.name if isinstance(key, Layer) and key.name else key
            name = f"{dict_layer.name}[{label!r}]"
        self.name = name
        self.params = OrderedDict()
        self.get_output_kwargs = []
        self.output_dtype = dict_layer.output_dtypes[key]

    def _make_engine_layer(self):
        from ..layers.native import EngineLayer, dtype_name
        return EngineLayer("ElementLayer", [], source=self.input_layer._handle,
                           index=self.input_layer.keys().index(self.key), output_shape=list(self.output_shape),
                           output_dtype=dtype_name(self.output_dtype), name=self.name, host_key=self._key)

    def _incoming_shapes(self):
        return [self.output_shape]

    def get_output_shape_for(self, input_shape):
        if isinstance(input_shape, dict):
            return input_shape[self.key]
        return input_shape

    def get_output_for(self, input, **kwargs):
        if isinstance(input, dict):
            try:
                return input[self.key]
            except KeyError:
                raise ValueError(f"{type(self.input_layer).__name__} {self.input_layer.name!r}: get_output_for "
                                 f"returned no output for key {self.key!r} (it returned {list(input)})") from None
        raise TypeError(f"{type(self.input_layer).__name__}.get_output_for must return a dict, got "
                        f"{type(input).__name__}")

    def __repr__(self):
        return f"{self.input_layer!r}[{self.key!r}] {_shape_str(self.output_shape)}"


class GradClipLayer(EngineBacked, Layer):
    """The identity whose gradient is clipped to ``[-clipping_bound, clipping_bound]`` (made by :func:`clip_grads`).

    Parameters
    ----------
    incoming : Layer or tuple
    clipping_bound : float
        Positive.
    name : str or None
    """

    _engine_kind = "GradClipLayer"

    def __init__(self, incoming, clipping_bound, **kwargs):
        super().__init__(incoming, **kwargs)
        self.clipping_bound = float(clipping_bound)
        self._create_engine(clipping_bound=self.clipping_bound)

    def _repr_args(self):
        return [f"clipping_bound={self.clipping_bound!r}"]


def clip_grads(layer, clipping_bound):
    """``layer``'s output with its gradient clipped to ``[-clipping_bound, clipping_bound]`` (identity forward)."""
    return GradClipLayer(layer, clipping_bound,
                         name=f"{layer.name}.clipgrads" if getattr(layer, "name", None) else None)


def mul(*args, **kwargs):
    """Elementwise product of layers: ``ElemwiseMergeLayer(args, T.mul, **kwargs)``."""
    return ElemwiseMergeLayer(args, T.mul, **kwargs)


def add(*args, **kwargs):
    """Elementwise sum of layers: ``ElemwiseSumLayer(args, **kwargs)``."""
    return ElemwiseSumLayer(args, **kwargs)


from .broadcast import BroadcastLayer, UnbroadcastLayer, UpcastLayer  # noqa: E402  (re-exported, seed path)

__all__ += ["BroadcastLayer", "UnbroadcastLayer", "UpcastLayer"]
