"""Layer base classes with Lasagne's contract: :class:`Layer` (one input) and :class:`MergeLayer` (several).

Subclasses (dense, convolution, recurrent...) implement ``get_output_shape_for`` and ``get_output_for`` and
register their parameters with :meth:`Layer.add_param`.
"""
import copy
import json
import numbers
from collections import OrderedDict

import numpy as np

from .. import _host
from .._core import SharedVariable, Variable, shared

__all__ = ["Layer", "MergeLayer", "create_param", "STANDARD_TAGS"]

#: Tags every parameter carries (set to True unless given as False in ``add_param``).
STANDARD_TAGS = ("trainable", "regularizable")


def _shape_str(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def create_param(spec, shape, name=None):
    """A parameter of ``shape`` from ``spec`` (Lasagne's ``utils.create_param``).

    Parameters
    ----------
    spec : SharedVariable, Variable, numpy array, number or callable
        A SharedVariable (used as is, its shape is checked), a symbolic expression (used as is, its rank is
        checked), a numpy array (copied into a new SharedVariable, shape must equal ``shape``) or a callable such
        as an :class:`agentnet.init.Initializer` called with ``shape`` that returns an array or a Variable.
    shape : tuple of int
        The required shape; every dimension must be positive.
    name : str or None
        Name given to a newly created shared variable (and to a given unnamed one).

    Returns
    -------
    SharedVariable or Variable
    """
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"cannot create parameter {name!r}: shape must be a tuple of ints, got {shape!r}") from None
    if any(d <= 0 for d in shape):
        raise ValueError(f"Cannot create param with a non-positive shape dimension. Tried to create param with "
                         f"shape={shape!r}, name={name!r}")
    err_prefix = f"cannot initialize parameter {name}: "
    if isinstance(spec, numbers.Number) or (isinstance(spec, np.generic) and spec.dtype.kind in "biuf"):
        spec = np.asarray(spec)

    if isinstance(spec, Variable):
        if spec.ndim != len(shape):
            raise ValueError(f"{err_prefix}variable has {spec.ndim} dimensions, should be {len(shape)}")
        if isinstance(spec, SharedVariable):
            have = spec.get_value().shape
            if have != shape:
                raise ValueError(f"{err_prefix}shared variable has shape {_shape_str(have)}, should be "
                                 f"{_shape_str(shape)}")
            if name is not None and not spec._given_name:
                spec.name = name
                spec._given_name = name
        else:
            known = spec.static_shape
            if any(k is not None and k != s for k, s in zip(known, shape)):
                raise ValueError(f"{err_prefix}expression has shape {known}, should be {_shape_str(shape)}")
        return spec

    if isinstance(spec, np.ndarray):
        if spec.shape != shape:
            raise ValueError(f"{err_prefix}initialization array has shape {_shape_str(spec.shape)}, should be "
                             f"{_shape_str(shape)}")
        if spec.dtype.kind not in "biuf":
            raise TypeError(f"{err_prefix}initialization array has unsupported dtype {spec.dtype}")
        return shared(spec, name=name)

    if callable(spec):
        value = spec(shape)
        if isinstance(value, Variable):
            return create_param(value, shape, name)
        if not hasattr(value, "shape"):
            raise RuntimeError(f"{err_prefix}callable did not return a symbolic variable or numpy array")
        value = np.asarray(value)
        if value.shape != shape:
            raise RuntimeError(f"{err_prefix}callable returned array of shape {_shape_str(value.shape)}, should be "
                               f"{_shape_str(shape)}")
        return shared(value, name=name)

    raise TypeError(f"{err_prefix}expected a SharedVariable, symbolic expression, numpy array, number or callable, "
                    f"got {type(spec).__name__}")


def _check_tags(tags, known):
    unknown = [t for t in tags if t not in known]
    if unknown:
        raise ValueError(f"unknown parameter tag(s) {', '.join(repr(t) for t in unknown)}; known tags are "
                         f"{', '.join(repr(t) for t in sorted(known))}")


def _filter_params(params, tags):
    """``params`` (an OrderedDict param → set of tags) filtered: tags set True required, tags set False excluded."""
    result = list(params.keys())
    only = {tag for tag, value in tags.items() if value}
    if only:
        result = [p for p in result if not (only - params[p])]
    exclude = {tag for tag, value in tags.items() if not value}
    if exclude:
        result = [p for p in result if not (params[p] & exclude)]
    return result


def _nonlinearity_name(f):
    if f is None:
        return "linear"
    name = getattr(f, "__name__", None)
    return name if name is not None else repr(f)


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
            engine = self._make_engine_layer()
            self.__dict__["_engine_layer"] = engine
            try:
                self._push_incoming()
                self.params._adopt(engine)
            except BaseException:
                del self.__dict__["_engine_layer"]
                raise
            _host.set_label(self._key, f"{type(self).__name__} {self.name!r}" if self.name else type(self).__name__)
        return engine.handle

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


class Layer(_EngineMirror):
    """Base class for layers with a single input.

    Parameters
    ----------
    incoming : Layer or tuple
        The layer feeding into this layer, or the expected input shape (``None`` for unknown dimensions, usually
        the batch axis).
    name : str or None
        Layer name; parameters are then named ``"<name>.<param>"``.

    Attributes
    ----------
    input_shape : tuple
        Shape of the input (from ``incoming``).
    input_layer : Layer or None
    params : OrderedDict
        Maps each parameter (a SharedVariable) to its set of tags (``trainable``, ``regularizable``, ...).
    get_output_kwargs : list of str
        Extra keyword arguments ``get_output_for`` accepts besides those in its signature.
    """

    def __init__(self, incoming, name=None):
        if isinstance(incoming, tuple):
            self.input_shape = incoming
            self.input_layer = None
        elif isinstance(incoming, Layer):
            self.input_shape = incoming.output_shape
            self.input_layer = incoming
        else:
            raise TypeError(f"{type(self).__name__}: incoming must be a Layer or a shape tuple, got "
                            f"{type(incoming).__name__}")
        self.name = name
        self.params = OrderedDict()
        self.get_output_kwargs = []
        if isinstance(self.input_shape, dict):
            raise TypeError(f"{type(self).__name__} {name!r}: its incoming {type(incoming).__name__} "
                            f"{getattr(incoming, 'name', None)!r} has several outputs "
                            f"{list(self.input_shape)}; pass one of them, e.g. layer[{next(iter(self.input_shape))!r}]")
        if any(d is not None and (not isinstance(d, numbers.Integral) or d <= 0) for d in self.input_shape):
            raise ValueError(f"Could not create Layer {self.name!r} ({type(self).__name__}) with a non-positive or "
                             f"non-integer input_shape {self.input_shape!r}")

    @property
    def output_shape(self):
        """The output shape: ``get_output_shape_for(input_shape)``; ``None`` marks unknown dimensions."""
        shape = self.get_output_shape_for(self.input_shape)
        if any(isinstance(s, Variable) for s in shape):
            raise ValueError(f"{type(self).__name__} returned a symbolic output shape from get_output_shape_for: "
                             f"{shape!r}. Shapes should be tuples of ints or None")
        return shape

    def get_params(self, unwrap_shared=True, **tags):
        """This layer's parameters, optionally filtered by tags.

        Parameters
        ----------
        unwrap_shared : bool
            Accepted for Lasagne compatibility. Parameters given as symbolic expressions are returned as is (the
            engine's graph is not introspected from Python).
        **tags
            ``tag=True`` keeps only parameters with that tag, ``tag=False`` drops those with it, e.g.
            ``get_params(trainable=True, regularizable=False)``. A tag no parameter of this layer has (besides
            ``trainable`` and ``regularizable``) is an error.

        Returns
        -------
        list of SharedVariable
        """
        _check_tags(tags, self._known_tags())
        return _filter_params(self.params, tags)

    def _known_tags(self):
        known = set(STANDARD_TAGS)
        for t in self.params.values():
            known |= t
        return known

    def get_output_shape_for(self, input_shape):
        """Output shape for a given input shape (tuple); the identity unless overridden."""
        return input_shape

    def get_output_for(self, input, **kwargs):
        """The symbolic output for a given input expression.

        Parameters
        ----------
        input : Variable
            Output of the incoming layer.
        **kwargs
            Options such as ``deterministic=True`` (disable dropout/noise); ignored by layers without them.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_output_for")

    def add_param(self, spec, shape, name=None, **tags):
        """Registers and returns a new parameter.

        Parameters
        ----------
        spec : SharedVariable, numpy array, callable or Initializer
            How to create the parameter (see :func:`create_param`).
        shape : tuple of int
            Its shape.
        name : str or None
            Its name; prefixed with ``"<layer name>."`` when the layer has a name.
        **tags
            Tags as booleans; ``trainable`` and ``regularizable`` default to True.

        Returns
        -------
        SharedVariable
        """
        if name is not None and self.name is not None:
            name = f"{self.name}.{name}"
        param = create_param(spec, shape, name)
        tags["trainable"] = tags.get("trainable", True)
        tags["regularizable"] = tags.get("regularizable", True)
        self.params[param] = {tag for tag, value in tags.items() if value}
        return param

    def _repr_args(self):
        """``key=value`` strings shown by ``repr``; subclasses override."""
        return []

    def __repr__(self):
        args = list(self._repr_args())
        if self.name is not None:
            args.append(f"name={self.name!r}")
        try:
            shape = _shape_str(self.output_shape)
        except Exception:  # pragma: no cover - repr must not fail
            shape = "(?)"
        return f"{type(self).__name__}({', '.join(args)}) {shape}"


class MergeLayer(Layer):
    """Base class for layers with several inputs.

    Parameters
    ----------
    incomings : list of Layer or tuple
        The layers feeding into this layer, or their expected shapes.
    name : str or None

    Attributes
    ----------
    input_shapes : list of tuple
    input_layers : list of Layer or None
    """

    def __init__(self, incomings, name=None):
        incomings = list(incomings)
        for inc in incomings:
            if not isinstance(inc, (tuple, Layer)):
                raise TypeError(f"{type(self).__name__}: each incoming must be a Layer or a shape tuple, got "
                                f"{type(inc).__name__}")
        self.input_shapes = [inc if isinstance(inc, tuple) else inc.output_shape for inc in incomings]
        for inc, shape in zip(incomings, self.input_shapes):
            if isinstance(shape, dict):
                raise TypeError(f"{type(self).__name__} {name!r}: its incoming {type(inc).__name__} "
                                f"{getattr(inc, 'name', None)!r} has several outputs {list(shape)}; pass one of "
                                f"them, e.g. layer[{next(iter(shape))!r}]")
        self.input_layers = [None if isinstance(inc, tuple) else inc for inc in incomings]
        self.name = name
        self.params = OrderedDict()
        self.get_output_kwargs = []

    @Layer.output_shape.getter
    def output_shape(self):
        shape = self.get_output_shape_for(self.input_shapes)
        if any(isinstance(s, Variable) for s in shape):
            raise ValueError(f"{type(self).__name__} returned a symbolic output shape from get_output_shape_for: "
                             f"{shape!r}. Shapes should be tuples of ints or None")
        return shape

    def get_output_shape_for(self, input_shapes):
        """Output shape for a list of input shapes."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_output_shape_for")

    def get_output_for(self, inputs, **kwargs):
        """The symbolic output for a list of input expressions (in ``input_layers`` order)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement get_output_for")
