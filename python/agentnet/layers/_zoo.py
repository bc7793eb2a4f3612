"""The Python side of the engine's layer zoo (``Sources/AgentNet/Layers``): a built-in layer class converts its
arguments, creates its parameters, then creates the engine layer of the same kind; its output shape and output
come from that engine layer. Shape inference and argument checks happen in the engine, at construction."""
import ctypes
import json
import numbers

from .. import _lib
from .._core import check, lib
from .base import MergeLayer
from .native import EngineLayer, shared_ref


def is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, bool)


def jsonable(x):
    """``x`` with numpy scalars as Python numbers and tuples as lists, ready for ``json.dumps``; other values
    (strings, floats, None) pass through for the engine to check."""
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, bool):
        return x
    if isinstance(x, numbers.Integral):
        return int(x)
    if isinstance(x, numbers.Real):
        return float(x)
    return x


class EngineBacked:
    """Mixin for a :class:`Layer` or :class:`MergeLayer` whose engine counterpart is the engine layer of kind
    ``_engine_kind`` (see :mod:`agentnet.layers._mirror`): the engine computes its output and shape.

    Subclasses create their parameters with ``add_param``, then call ``self._create_engine(**attrs)`` at the end of
    ``__init__`` with the other attributes; the parameters named in ``_engine_params`` are passed from the layer's
    current attributes (so a deep copy's engine layer gets the copy's parameters). A layer that applies a user's
    Python function (``_computed_by_engine()`` False) is a callback layer instead and composes in Python.
    """

    _engine_kind = None
    _engine_params = ()

    def _kind(self):
        """The engine kind: ``_engine_kind``, else the name of the nearest built-in class (a user's subclass of a
        built-in layer is computed by the built-in's engine layer)."""
        if self._engine_kind:
            return self._engine_kind
        for cls in type(self).__mro__:
            if cls.__module__.startswith("agentnet.layers.") and cls.__name__ not in ("EngineBacked", "Layer"):
                return cls.__name__
        return type(self).__name__

    def _computed_by_engine(self):
        return True

    def _engine_input_shapes(self):
        return list(self.input_shapes) if isinstance(self, MergeLayer) else [self.input_shape]

    def _engine_attrs(self):
        attrs = dict(self.__dict__["_engine_config"])
        attrs.update((n, shared_ref(getattr(self, n))) for n in self._engine_params)
        return attrs

    def _create_engine(self, **attrs):
        self._engine_config = attrs
        self._handle  # the engine checks the arguments now, not at the first get_output

    def _make_engine_layer(self):
        if not self._computed_by_engine():
            return super()._make_engine_layer()
        return EngineLayer(self._kind(), self._engine_input_shapes(), name=self.name, host_key=self._key,
                           **self._engine_attrs())

    def _compute_layer(self):
        """The engine layer that computes this layer's output: its counterpart, or for a callback layer a new one
        of the engine kind (it applies the engine's part, e.g. dropout with a symbolic rate)."""
        if self._computed_by_engine():
            self._handle
            return self.__dict__["_engine_layer"]
        return EngineLayer(self._kind(), self._engine_input_shapes(), name=self.name, **self._engine_attrs())

    def _engine_param_shapes(self, **attrs):
        """``{param name: shape}`` of the engine layer created with ``attrs`` (parameters given as constant
        initializers): the engine checks the arguments and derives the shapes; the parameters themselves are then
        created by ``add_param`` from the user's specs."""
        return engine_param_shapes(self._kind(), self._engine_input_shapes(), **attrs)

    def get_output_shape_for(self, input_shape):
        shapes = [tuple(s) for s in input_shape] if isinstance(self, MergeLayer) else [tuple(input_shape)]
        if shapes == [tuple(s) for s in self._engine_input_shapes()]:
            return self._compute_layer().info()[0]
        return EngineLayer(self._kind(), shapes, **self._engine_attrs()).info()[0]

    def _engine_inputs(self, input):
        return list(input) if isinstance(self, MergeLayer) else [input]

    def get_output_for(self, input, deterministic=False, **kwargs):
        return self._compute_layer().output(self._engine_inputs(input), deterministic)


def engine_param_shapes(kind, input_shapes, **attrs):
    """``{param name: shape}`` of a probe engine layer of ``kind`` for ``input_shapes`` created with ``attrs``; the
    engine checks the arguments on the way (a layer that must check them before its Python base is set up calls
    this directly)."""
    return {name: shape for name, shape, _ in engine_param_infos(EngineLayer(kind, input_shapes, **attrs))}


def engine_param_infos(engine):
    """``[(name, shape, tags)]`` of the parameters of an engine layer, in its order."""
    infos = []
    for i in range(engine.info()[1]):
        h, text = ctypes.c_int64(), ctypes.c_char_p()
        check(lib.agn_layer_param(engine.handle, i, ctypes.byref(h), ctypes.byref(text)))
        info = json.loads(text.value)
        d, r, dims = ctypes.c_int32(), ctypes.c_int32(), (ctypes.c_int64 * 8)()
        try:
            check(lib.agn_shared_info(h.value, ctypes.byref(d), ctypes.byref(r), dims))
        finally:
            _lib.release(h.value)
        infos.append((info["name"], tuple(dims[k] for k in range(r.value)), set(info["tags"])))
    return infos


def _map_slots(layout, f):
    """``layout`` (nested lists and dicts) with every leaf ``x`` replaced by ``f(x)``."""
    if isinstance(layout, dict):
        return {k: _map_slots(v, f) for k, v in layout.items()}
    if isinstance(layout, list):
        return [_map_slots(v, f) for v in layout]
    return f(layout)


class ParamProbe:
    """The parameters of an engine layer as the engine makes them, created from the user's own specs.

    ``specs`` maps attribute names to nested lists (or dicts) whose leaves are the user's parameter specs
    (initializers, arrays, shared variables, expressions) or None for no parameter. A probe engine layer of
    ``kind`` made with constant placeholders in the same layout names, shapes and tags the parameters and tells
    which slot each takes (its ``param_slots`` fact), so the names, shapes, tags and order are the engine's.
    ``create(layer)`` then makes each parameter from its spec and returns the layout with the parameters.
    """

    def __init__(self, kind, input_shapes, specs, **attrs):
        placeholders = {k: _map_slots(v, lambda x: None if x is None else CONSTANT) for k, v in specs.items()}
        probe = EngineLayer(kind, input_shapes, **attrs, **placeholders)
        self.specs = specs
        self.facts = probe.describe()
        self.infos = engine_param_infos(probe)

    @property
    def output_shapes(self):
        return [tuple(s) for s in self.facts["output_shapes"]]

    def create(self, layer):
        from .base import create_param
        params = _map_slots(self.specs, lambda x: None)
        for (name, shape, tags), slot in zip(self.infos, self.facts["param_slots"]):
            slot = [k if isinstance(k, str) else int(k) for k in slot]
            spec, target = self.specs, params
            for k in slot[:-1]:
                spec, target = spec[k], target[k]
            param = create_param(spec[slot[-1]], shape, name)
            layer.params[param] = tags
            target[slot[-1]] = param
        return params


def param_refs(layout):
    """``layout`` of parameters as engine attributes: ``{"shared": h}`` for a shared variable, ``{"expression": h}``
    for an expression, None for no parameter."""
    from .._core import SharedVariable

    def ref(p):
        if p is None or isinstance(p, SharedVariable):
            return shared_ref(p)
        return {"expression": p.handle}
    return _map_slots(layout, ref)


#: A parameter placeholder for ``_engine_param_shapes``.
CONSTANT = {"kind": "Constant"}
