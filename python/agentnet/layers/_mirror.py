"""A Python layer's engine counterpart: every :class:`agentnet.layers.Layer` has one (created on first use), and
its incoming layers and parameters are kept in step with it, so the engine's graph walks (``get_output``,
``get_all_params``...) see what Python sees. Layers the engine implements create their own kind; any other layer
is an engine ``CallbackLayer`` that asks the Python object for ``get_output_for`` while a graph is built."""
import copy
import json
import numbers
from collections import OrderedDict

from .. import _host
from .._core import Variable


class _Tags(set):
    """A parameter's tag set that tells the engine when it is edited in place (``params[p].discard("trainable")``)."""

    def __init__(self, tags, owner=None, param=None):
        super().__init__(tags)
        self._owner, self._param = owner, param

    def _changed(self):
        if self._owner is not None:
            self._owner._push_tags(self._param, self)


def _mutator(name):
    base = getattr(set, name)

    def method(self, *args):
        result = base(self, *args)
        self._changed()
        return result
    method.__name__ = name
    return method


for _name in ("add", "remove", "discard", "pop", "clear", "update", "difference_update", "intersection_update",
              "symmetric_difference_update", "__ior__", "__iand__", "__isub__", "__ixor__"):
    setattr(_Tags, _name, _mutator(_name))


class ParamDict(OrderedDict):
    """A layer's parameters ``{param: set of tags}`` in registration order, mirrored in the engine layer: adding,
    deleting or retagging an entry (``del layer.params[layer.b]``) changes the engine's parameter list too, so
    :func:`get_all_params` (computed by the engine) sees it."""

    def __init__(self, items=(), layer=None):
        super().__init__()
        self._layer = layer
        for k, v in (items.items() if isinstance(items, dict) else items):
            self[k] = v

    def _engine(self):
        layer = self.__dict__.get("_layer")
        return None if layer is None else layer.__dict__.get("_engine_layer")

    def __setitem__(self, param, tags):
        if not isinstance(param, Variable):
            raise TypeError(f"layer parameters must be shared variables or expressions, got {type(param).__name__}")
        new = param not in self
        tags = _Tags(tags, self, param)
        super().__setitem__(param, tags)
        engine = self._engine()
        if engine is not None:
            if new:
                engine.add_param(param, tags)
            else:
                engine.set_param_tags(self._index(param), tags)

    def _push_tags(self, param, tags):
        engine = self._engine()
        if engine is not None and param in self:
            engine.set_param_tags(self._index(param), tags)

    def _index(self, param):
        for i, p in enumerate(self):
            if p is param:
                return i
        raise KeyError(param)

    def __delitem__(self, param):
        index = self._index(param)
        super().__delitem__(param)
        engine = self._engine()
        if engine is not None:
            engine.remove_param(index)

    def pop(self, param, *default):
        if param not in self:
            if default:
                return default[0]
            raise KeyError(param)
        tags = self[param]
        del self[param]
        return tags

    def popitem(self, last=True):
        if not self:
            raise KeyError("popitem(): dictionary is empty")
        param = next(reversed(self)) if last else next(iter(self))
        return param, self.pop(param)

    def clear(self):
        for p in list(self):
            del self[p]

    def setdefault(self, param, default=None):
        if param not in self:
            self[param] = default if default is not None else set()
        return self[param]

    def move_to_end(self, key, last=True):
        raise TypeError("the order of a layer's parameters is fixed (it is their order in get_all_params)")

    def _adopt(self, engine):
        """Makes ``engine``'s parameter list this dict's (after the engine layer was created)."""
        engine.clear_params()
        for p, tags in self.items():
            engine.add_param(p, tags)

    def __reduce__(self):
        return (OrderedDict, (list(self.items()),))


class _EngineMirror:
    """What every layer shares: its engine counterpart (created on first use), its key for callbacks, its
    incoming layers and parameters kept in step with that counterpart."""

    @property
    def params(self):
        d = self.__dict__.get("_params")
        if d is None:
            d = self.__dict__["_params"] = ParamDict(layer=self)
        return d

    @params.setter
    def params(self, value):
        self.__dict__["_params"] = ParamDict(value, layer=self)
        engine = self.__dict__.get("_engine_layer")
        if engine is not None:
            self.__dict__["_params"]._adopt(engine)

    @property
    def input_layer(self):
        if "_input_layer" not in self.__dict__:
            raise AttributeError("input_layer")
        return self.__dict__["_input_layer"]

    @input_layer.setter
    def input_layer(self, layer):
        self.__dict__["_input_layer"] = layer
        self._push_incoming()

    @property
    def input_layers(self):
        if "_input_layers" not in self.__dict__:
            raise AttributeError("input_layers")
        return self.__dict__["_input_layers"]

    @input_layers.setter
    def input_layers(self, layers):
        self.__dict__["_input_layers"] = list(layers)
        self._push_incoming()

    def _incoming(self):
        if "_input_layers" in self.__dict__:
            return list(self.__dict__["_input_layers"])
        return [self.__dict__.get("_input_layer")] if "_input_layer" in self.__dict__ else []

    def _incoming_shapes(self):
        if "_input_layers" in self.__dict__:
            return list(self.input_shapes)
        return [self.input_shape] if "_input_layer" in self.__dict__ else []

    def _push_incoming(self):
        engine = self.__dict__.get("_engine_layer")
        incoming = self._incoming()
        if engine is not None and incoming:
            engine.set_incoming([l._handle if l is not None else 0 for l in incoming])

    @property
    def _key(self):
        key = self.__dict__.get("_host_key")
        if key is None:
            key = self.__dict__["_host_key"] = _host.register(self)
        return key

    @property
    def _handle(self):
        """The engine layer's handle, creating the engine layer on first use."""
        engine = self.__dict__.get("_engine_layer")
        if engine is None:
            engine = self._attach_engine(self._make_engine_layer())
        return engine.handle

    def _attach_engine(self, engine):
        """Makes ``engine`` this layer's counterpart: connects its incoming layers and gives it this layer's
        parameters. Returns ``engine``."""
        self.__dict__["_engine_layer"] = engine
        try:
            self._push_incoming()
            self.params._adopt(engine)
        except BaseException:
            del self.__dict__["_engine_layer"]
            raise
        _host.set_label(self._key, f"{type(self).__name__} {self.name!r}" if self.name else type(self).__name__)
        return engine

    def _make_engine_layer(self):
        """The engine counterpart: a CallbackLayer that asks this object for ``get_output_for``. Layers the engine
        implements override this to create their own kind."""
        from .native import EngineLayer, dtype_name
        try:
            shape = self.output_shape
        except Exception:  # the engine only shows it; get_output_for gives the real one
            shape = ()
        count = 1
        if isinstance(shape, dict):
            count = len(shape)
            shape = next(iter(shape.values()))
        dtype = getattr(self, "output_dtype", None)
        return EngineLayer("CallbackLayer", self._incoming_shapes(), host_key=self._key, host_kind=type(self).__name__,
                           output_shape=[d if isinstance(d, numbers.Integral) else None for d in shape],
                           output_count=count, output_dtype=dtype_name(dtype if isinstance(dtype, str) else None),
                           name=self.name)

    def __deepcopy__(self, memo):
        """An independent copy of the layer and of everything below it: parameters get new shared variables holding
        copies of their values, and the copy gets its own engine layer."""
        cls = type(self)
        new = cls.__new__(cls)
        memo[id(self)] = new
        for k, v in self.__dict__.items():
            if k not in ("_engine_layer", "_host_key", "_params"):
                new.__dict__[k] = copy.deepcopy(v, memo)
        new.__dict__["_params"] = ParamDict([(copy.deepcopy(p, memo), set(t)) for p, t in self.params.items()],
                                            layer=new)
        if "_engine_layer" in self.__dict__:
            new._handle
        return new

    def __copy__(self):
        """A layer sharing this one's incoming layers and parameter objects, with its own engine layer."""
        cls = type(self)
        new = cls.__new__(cls)
        new.__dict__.update((k, v) for k, v in self.__dict__.items() if k not in ("_engine_layer", "_host_key", "_params"))
        new.__dict__["_params"] = ParamDict([(p, set(t)) for p, t in self.params.items()], layer=new)
        return new

    def __reduce_ex__(self, protocol):
        raise TypeError(f"{type(self).__name__} cannot be pickled: layers hold engine objects. Save the weights "
                        "(get_all_param_values, agentnet.utils.persistence) and rebuild the network instead; "
                        "copy.deepcopy gives an independent copy in this process")

    def _host_request(self, request, options, inputs):
        """Answers the engine's callback: outputs for input expressions, or the output shape for input shapes."""
        merge = "_input_layers" in self.__dict__
        if request == _host.OUTPUT_SHAPE:
            shapes = [tuple(s) for s in json.loads(options)["input_shapes"]]
            out = self.get_output_shape_for(shapes if merge else shapes[0])
            out = list(out.values()) if isinstance(out, dict) else [out]
            return [], json.dumps([list(s) for s in out])
        out = self.get_output_for(inputs if merge else inputs[0], **_host.current_kwargs(options))
        if isinstance(out, dict):
            keys = self.keys() if hasattr(self, "keys") else list(out)
            missing = [k for k in keys if k not in out]
            if missing:
                raise ValueError(f"{type(self).__name__} {self.name!r}: get_output_for returned no output for key "
                                 f"{missing[0]!r} (it returned {list(out)})")
            return [_host._as_variable(out[k], f"{type(self).__name__}.get_output_for") for k in keys], None
        return [_host._as_variable(out, f"{type(self).__name__}.get_output_for")], None
