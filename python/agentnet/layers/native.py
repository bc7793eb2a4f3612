"""Bridge to layers implemented in the engine (``Sources/AgentNet/Layers``): creation by kind + JSON attributes,
output for input expressions, parameters. Built-in Python layer classes are handles to these; user-defined layers
subclass :class:`agentnet.layers.base.Layer` and compose ``agentnet.tensor`` ops instead."""
import ctypes
import json

from .. import _core, _lib, nonlinearities
from .._core import SharedVariable, Variable, c_i32p, c_i64p, check, lib

_lib.declare("agn_layer_create", ctypes.c_char_p, ctypes.c_char_p, c_i64p, c_i32p, ctypes.c_int64, c_i64p)
_lib.declare("agn_layer_output", ctypes.c_int64, c_i64p, ctypes.c_int64, ctypes.c_char_p, c_i64p)
_lib.declare("agn_layer_info", ctypes.c_int64, c_i32p, c_i64p, c_i64p)
_lib.declare("agn_layer_param", ctypes.c_int64, ctypes.c_int64, c_i64p, ctypes.POINTER(ctypes.c_char_p))
_lib.declare("agn_layer_repr", ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p))

#: Nonlinearities the engine applies itself, by the Python function that stands for each.
ENGINE_NONLINEARITIES = {
    nonlinearities.linear: "linear", nonlinearities.identity: "linear", nonlinearities.sigmoid: "sigmoid",
    nonlinearities.tanh: "tanh", nonlinearities.rectify: "rectify", nonlinearities.softmax: "softmax",
    nonlinearities.elu: "elu", nonlinearities.softplus: "softplus",
}


def nonlinearity_name(f):
    """The engine's name for ``f``, or None when it is a Python callable the engine does not know."""
    try:
        return ENGINE_NONLINEARITIES.get(f)
    except TypeError:  # unhashable callables
        return None


class EngineLayer:
    """An engine layer handle: ``create(kind, input_shapes, **attrs)``, then ``output(inputs)``."""

    def __init__(self, kind, input_shapes, **attrs):
        flat = [(-1 if d is None else int(d)) for s in input_shapes for d in s]
        dims = (ctypes.c_int64 * max(len(flat), 1))(*flat)
        ranks = (ctypes.c_int32 * max(len(input_shapes), 1))(*[len(s) for s in input_shapes])
        h = ctypes.c_int64()
        check(lib.agn_layer_create(kind.encode(), json.dumps(attrs).encode(), dims, ranks, len(input_shapes),
                                   ctypes.byref(h)))
        self.handle = h.value

    def __del__(self):
        _lib.release(getattr(self, "handle", 0))

    def output(self, inputs, deterministic=False):
        inputs = [x if isinstance(x, Variable) else _core.constant(x) for x in inputs]
        h = ctypes.c_int64()
        check(lib.agn_layer_output(self.handle, _core.handles(inputs), len(inputs),
                                   json.dumps({"deterministic": bool(deterministic)}).encode(), ctypes.byref(h)))
        return Variable(h.value)

    def info(self):
        ndim, dims, n = ctypes.c_int32(), (ctypes.c_int64 * 8)(), ctypes.c_int64()
        check(lib.agn_layer_info(self.handle, ctypes.byref(ndim), dims, ctypes.byref(n)))
        return tuple(None if dims[i] < 0 else dims[i] for i in range(ndim.value)), n.value

    def __repr__(self):
        text = ctypes.c_char_p()
        check(lib.agn_layer_repr(self.handle, ctypes.byref(text)))
        return text.value.decode()


def shared_ref(value):
    """The JSON attribute for a parameter: ``{"shared": handle}`` for a shared variable, None for no parameter."""
    if value is None:
        return None
    if not isinstance(value, SharedVariable):
        raise TypeError("engine layers take shared variables as parameters")
    return {"shared": value.shared_handle}
