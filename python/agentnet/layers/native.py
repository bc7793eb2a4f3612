"""Bridge to layers implemented in the engine (``Sources/AgentNet/Layers``): creation by kind + JSON attributes,
incoming layers, parameters. Every Python layer has an engine counterpart (see :class:`agentnet.layers.Layer`):
an engine kind such as ``DenseLayer``, or a ``CallbackLayer`` that asks the Python object for its
``get_output_for`` while the engine builds a graph."""
import ctypes
import json

from .. import _core, _host, _lib, nonlinearities
from .._core import SharedVariable, Variable, c_i32p, c_i64p, check, lib

_lib.declare("agn_layer_create", ctypes.c_char_p, ctypes.c_char_p, c_i64p, c_i32p, ctypes.c_int64, c_i64p)
_lib.declare("agn_layer_output", ctypes.c_int64, c_i64p, ctypes.c_int64, ctypes.c_char_p, c_i64p)
_lib.declare("agn_layer_outputs", ctypes.c_int64, c_i64p, ctypes.c_int64, ctypes.c_char_p, c_i64p, ctypes.c_int64,
             c_i64p)
_lib.declare("agn_layer_info", ctypes.c_int64, c_i32p, c_i64p, c_i64p)
_lib.declare("agn_layer_param", ctypes.c_int64, ctypes.c_int64, c_i64p, ctypes.POINTER(ctypes.c_char_p))
_lib.declare("agn_layer_repr", ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p))
_lib.declare("agn_layer_describe", ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p))
_lib.declare("agn_layer_set_incoming", ctypes.c_int64, c_i64p, ctypes.c_int64)
_lib.declare("agn_layer_add_param", ctypes.c_int64, ctypes.c_int64, ctypes.c_int32, ctypes.c_char_p, ctypes.c_char_p)
_lib.declare("agn_layer_remove_param", ctypes.c_int64, ctypes.c_int64)
_lib.declare("agn_layer_set_param_tags", ctypes.c_int64, ctypes.c_int64, ctypes.c_char_p)
_lib.declare("agn_layer_set_nonlinearity", ctypes.c_int64, ctypes.c_char_p)
_lib.declare("agn_layer_remove_bias", ctypes.c_int64)

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


def nonlinearity_spec(f):
    """The engine's JSON for nonlinearity ``f``: a name, Leaky ReLU with its leakiness, or (any other Python
    callable) a host object the engine applies through the build-time callback."""
    if f is None:
        return {"nonlinearity": "linear"}
    name = nonlinearity_name(f)
    if name is not None:
        return {"nonlinearity": name}
    if type(f) is nonlinearities.LeakyRectify:
        return {"nonlinearity": "leaky_rectify", "leakiness": float(f.leakiness)}
    label = getattr(f, "__name__", None) or repr(f)
    return {"host_key": _host.register(f, weak=False, label=f"nonlinearity {label}"), "label": label}


def dtype_name(dtype):
    """The engine's name for a dtype (``'float32'``, ``'int32'`` or ``'bool'``); None means float32."""
    if dtype is None or str(dtype) == "None":
        return "float32"
    return {0: "float32", 1: "int32", 2: "bool"}[_core.dtype_code(dtype)]


def _handles(xs):
    return (ctypes.c_int64 * max(len(xs), 1))(*xs)


class EngineLayer:
    """An engine layer handle: ``EngineLayer(kind, input_shapes, **attrs)``, then ``output(inputs)``."""

    def __init__(self, kind, input_shapes, **attrs):
        flat = [(-1 if d is None else int(d)) for s in input_shapes for d in s]
        dims = (ctypes.c_int64 * max(len(flat), 1))(*flat)
        ranks = (ctypes.c_int32 * max(len(input_shapes), 1))(*[len(s) for s in input_shapes])
        h = ctypes.c_int64()
        check(lib.agn_layer_create(kind.encode(), json.dumps(attrs).encode(), dims, ranks, len(input_shapes),
                                   ctypes.byref(h)))
        self.handle = h.value

    @classmethod
    def _adopt(cls, handle, keep=None):
        """The handle of an engine layer the engine made (a clone), owning ``handle``; ``keep`` is held as long as
        this handle is (the Python objects the engine layer calls back into)."""
        self = cls.__new__(cls)
        self.handle = handle
        self._keep = keep
        return self

    def __del__(self):
        _lib.release(getattr(self, "handle", 0))

    def __copy__(self):
        raise TypeError("an EngineLayer handle cannot be copied; copy the Python layer that owns it instead")

    __deepcopy__ = __reduce_ex__ = lambda self, *args: EngineLayer.__copy__(self)

    def output(self, inputs, deterministic=False, **flags):
        """The output for ``inputs``; ``flags`` are further get_output options (JSON values, e.g.
        ``batch_norm_use_averages``)."""
        inputs = [x if isinstance(x, Variable) else _core.constant(x) for x in inputs]
        h = ctypes.c_int64()
        options = json.dumps(dict(flags, deterministic=bool(deterministic))).encode()
        _host.call(lib.agn_layer_output(self.handle, _core.handles(inputs), len(inputs), options, ctypes.byref(h)))
        return Variable(h.value)

    def outputs(self, inputs, deterministic=False, **flags):
        """Every output for ``inputs`` (several for a multi-output layer), as a list."""
        inputs = [x if isinstance(x, Variable) else _core.constant(x) for x in inputs]
        options = json.dumps(dict(flags, deterministic=bool(deterministic))).encode()
        cap = 4
        while True:
            outs, n = (ctypes.c_int64 * cap)(), ctypes.c_int64()
            _host.call(lib.agn_layer_outputs(self.handle, _core.handles(inputs), len(inputs), options, outs, cap,
                                             ctypes.byref(n)))
            if n.value <= cap:
                return [Variable(outs[i]) for i in range(n.value)]
            cap = n.value

    def info(self):
        ndim, dims, n = ctypes.c_int32(), (ctypes.c_int64 * 8)(), ctypes.c_int64()
        check(lib.agn_layer_info(self.handle, ctypes.byref(ndim), dims, ctypes.byref(n)))
        return tuple(None if dims[i] < 0 else dims[i] for i in range(ndim.value)), n.value

    def describe(self):
        """The engine's description: ``output_shapes``, ``output_dtypes`` and the layer's own facts (a dict)."""
        text = ctypes.c_char_p()
        check(lib.agn_layer_describe(self.handle, ctypes.byref(text)))
        return json.loads(text.value)

    def set_incoming(self, handles):
        check(lib.agn_layer_set_incoming(self.handle, _handles(handles), len(handles)))

    def add_param(self, param, tags):
        shared = isinstance(param, SharedVariable)
        name = (param._given_name if shared else None) or param.name
        check(lib.agn_layer_add_param(self.handle, param.shared_handle if shared else param.handle, int(shared),
                                      str(name).encode(), json.dumps(sorted(tags)).encode()))

    def remove_param(self, index):
        check(lib.agn_layer_remove_param(self.handle, index))

    def clear_params(self):
        for i in reversed(range(self.info()[1])):
            self.remove_param(i)

    def set_param_tags(self, index, tags):
        check(lib.agn_layer_set_param_tags(self.handle, index, json.dumps(sorted(tags)).encode()))

    def set_nonlinearity(self, f):
        check(lib.agn_layer_set_nonlinearity(self.handle, json.dumps(nonlinearity_spec(f)).encode()))

    def remove_bias(self):
        check(lib.agn_layer_remove_bias(self.handle))

    def __repr__(self):
        text = ctypes.c_char_p()
        check(lib.agn_layer_repr(self.handle, ctypes.byref(text)))
        return text.value.decode()


def shared_ref(value):
    """The JSON attribute for a parameter: ``{"shared": handle}`` for a shared variable, None for no parameter."""
    if value is None:
        return None
    if not isinstance(value, SharedVariable):
        raise TypeError("engine layers take shared variables as parameters, not symbolic expressions")
    return {"shared": value.shared_handle}
