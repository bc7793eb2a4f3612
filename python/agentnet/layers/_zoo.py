"""The Python side of the engine's layer zoo (``Sources/AgentNet/Layers``): a built-in layer class converts its
arguments, creates its parameters, then creates the engine layer of the same kind; its output shape and output
come from that engine layer. Shape inference and argument checks happen in the engine, at construction."""
import ctypes
import json
import numbers

from .. import _lib
from .._core import check, lib
from .base import MergeLayer
from .native import EngineLayer, nonlinearity_name


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


def engine_nonlinearity(f):
    """The engine's name for the nonlinearity ``f`` ("linear" when the engine does not know it: it is then applied
    in Python to the engine layer's output, as a user's function must be)."""
    return nonlinearity_name(f) or "linear"


class EngineBacked:
    """Mixin for a :class:`Layer` or :class:`MergeLayer` computed by the engine layer ``_engine_kind``.

    Subclasses call ``self._create_engine(**attrs)`` at the end of ``__init__``.
    """

    _engine_kind = None

    def _kind(self):
        """The engine kind: ``_engine_kind``, else the name of the nearest built-in class (a user's subclass of a
        built-in layer is computed by the built-in's engine layer)."""
        if self._engine_kind:
            return self._engine_kind
        for cls in type(self).__mro__:
            if cls.__module__.startswith("agentnet.layers.") and cls.__name__ not in ("EngineBacked", "Layer"):
                return cls.__name__
        return type(self).__name__

    def _engine_input_shapes(self):
        return list(self.input_shapes) if isinstance(self, MergeLayer) else [self.input_shape]

    def _create_engine(self, **attrs):
        self._engine_attrs = attrs
        self._engine = EngineLayer(self._kind(), self._engine_input_shapes(),
                                   name=self.name, **attrs)
        self._engine_shape = self._engine.info()[0]

    def _engine_param_shapes(self, **attrs):
        """``{param name: shape}`` of the engine layer created with ``attrs`` (parameters given as constant
        initializers): the engine checks the arguments and derives the shapes; the parameters themselves are then
        created in Python by ``add_param`` from the user's specs."""
        probe = EngineLayer(self._kind(), self._engine_input_shapes(), **attrs)
        n = probe.info()[1]
        shapes = {}
        for i in range(n):
            h, text = ctypes.c_int64(), ctypes.c_char_p()
            check(lib.agn_layer_param(probe.handle, i, ctypes.byref(h), ctypes.byref(text)))
            name = json.loads(text.value)["name"]
            d, r, dims = ctypes.c_int32(), ctypes.c_int32(), (ctypes.c_int64 * 8)()
            try:
                check(lib.agn_shared_info(h.value, ctypes.byref(d), ctypes.byref(r), dims))
            finally:
                _lib.release(h.value)
            shapes[name] = tuple(dims[k] for k in range(r.value))
        return shapes

    def get_output_shape_for(self, input_shape):
        shapes = [tuple(s) for s in input_shape] if isinstance(self, MergeLayer) else [tuple(input_shape)]
        if shapes == [tuple(s) for s in self._engine_input_shapes()]:
            return self._engine_shape
        return EngineLayer(self._kind(), shapes, name=self.name,
                           **self._engine_attrs).info()[0]

    def _engine_inputs(self, input):
        return list(input) if isinstance(self, MergeLayer) else [input]

    def get_output_for(self, input, deterministic=False, **kwargs):
        return self._engine.output(self._engine_inputs(input), deterministic)


#: A parameter placeholder for ``_engine_param_shapes``.
CONSTANT = {"kind": "Constant"}
