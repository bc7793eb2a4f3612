"""Engine agents and graph/replay environments as handles: creation by JSON attributes and method calls by name
(``agn_agent_create``/``agn_agent_call``, ``agn_mdp_env_create``/``agn_mdp_env_call``). The engine
(``Sources/AgentNet/Agent/MDPAgent+Registry.swift``, ``Environment/MDPEnvironment+Registry.swift``) checks every
argument; exceptions raised by Python callbacks while it builds a graph (a Python environment's
``get_action_results``) come back as themselves."""
import ctypes
import json

from . import _host, _lib
from ._core import SharedVariable, Variable, c_i64p, constant, lib

_CSTR = ctypes.POINTER(ctypes.c_char_p)
_lib.declare("agn_agent_create", ctypes.c_char_p, c_i64p)
_lib.declare("agn_agent_call", ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, c_i64p,
             ctypes.c_int64, c_i64p, _CSTR)
_lib.declare("agn_mdp_env_create", ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, c_i64p)
_lib.declare("agn_mdp_env_call", ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, c_i64p,
             ctypes.c_int64, c_i64p, _CSTR)

#: Room for the result handles of one method call (the engine fails, creating none, when they do not fit).
_RESULT_CAP = 4096


class Handle:
    """An engine object's handle (an agent or an environment), released with the Python object."""

    def __init__(self, handle):
        self.handle = handle

    def __del__(self):
        _lib.release(getattr(self, "handle", 0))

    def __copy__(self):
        raise TypeError("an engine handle cannot be copied")

    __deepcopy__ = __reduce_ex__ = lambda self, *args: Handle.__copy__(self)


def _expr(x):
    return x if isinstance(x, Variable) else constant(x)


def _arr(values):
    return (ctypes.c_int64 * max(len(values), 1))(*values)


def _dumps(attrs):
    return json.dumps(attrs, allow_nan=False).encode()


def create_agent(attrs):
    h = ctypes.c_int64()
    _host.call(lib.agn_agent_create(_dumps(attrs), ctypes.byref(h)))
    return Handle(h.value)


def create_env(kind, attrs, inputs=()):
    inputs = [_expr(x) for x in inputs]
    h = ctypes.c_int64()
    _host.call(lib.agn_mdp_env_create(kind.encode(), _dumps(attrs), _arr([x.handle for x in inputs]), len(inputs),
                                      ctypes.byref(h)))
    return Handle(h.value)


def _call(fn, handle, method, attrs, inputs, kwargs):
    inputs = [_expr(x) for x in inputs]
    outs, n, reply = (ctypes.c_int64 * _RESULT_CAP)(), ctypes.c_int64(), ctypes.c_char_p()
    with _host.kwargs_scope(kwargs or {}):
        _host.call(fn(handle.handle, method.encode(), _dumps(attrs), _arr([x.handle for x in inputs]), len(inputs),
                      outs, _RESULT_CAP, ctypes.byref(n), ctypes.byref(reply)))
    text = reply.value.decode() if reply.value else "null"
    return [outs[i] for i in range(n.value)], json.loads(text)


def agent_call(agent, method, attrs=None, inputs=(), kwargs=None):
    """``(result handles, JSON reply)`` of an agent method; ``kwargs`` are the get_output flags callbacks see."""
    return _call(lib.agn_agent_call, agent, method, attrs or {}, inputs, kwargs)


def env_call(env, method, attrs=None, inputs=(), kwargs=None):
    """``(result handles, JSON reply)`` of an environment method."""
    return _call(lib.agn_mdp_env_call, env, method, attrs or {}, inputs, kwargs)


def variables(handles):
    return [Variable(h) for h in handles]


def shared_variables(handles):
    return [SharedVariable._adopt(h) for h in handles]


def options(kwargs):
    """get_output's keyword arguments as the engine's options object."""
    return json.loads(_host.options_json(kwargs))
