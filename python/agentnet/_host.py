"""The build-time callback bridge (ARCHITECTURE §3): Python objects the engine holds by key and asks for pieces of
graph while it builds one — a user's ``Layer`` subclass, ``ExpressionLayer``, a Python nonlinearity (later a Python
environment).

One C function is installed at import and kept alive here. The engine calls it with a request kind, the object's
key, an options JSON and input expressions; it answers with expressions (or a JSON reply). An exception raised
inside is stashed for the calling thread and the callback returns an error status; :func:`call` re-raises that
same exception (with its traceback) once the engine call returns. Nothing calls back while a compiled function
runs: the engine calls back only while it builds graphs.
"""
import ctypes
import itertools
import json
import threading
import weakref

import numpy as np

from . import _lib
from ._core import Variable, c_i64p, constant
from ._lib import check, lib

OUTPUT, OUTPUT_SHAPE, APPLY, RELEASE = 1, 2, 3, 4

HOST_FN = ctypes.CFUNCTYPE(ctypes.c_int32, ctypes.c_int32, ctypes.c_int64, ctypes.c_char_p, c_i64p, ctypes.c_int64,
                           c_i64p, ctypes.c_int64, c_i64p, ctypes.POINTER(ctypes.c_char_p))
_lib.declare("agn_host_install", HOST_FN)

_keys = itertools.count(1)
#: key -> weak reference (objects that own their engine counterpart, e.g. layers) or the object itself (objects
#: the engine owns, e.g. a callable nonlinearity, dropped on the engine's RELEASE request).
_objects = {}
_labels = {}
_state = threading.local()


def register(obj, weak=True, label=None):
    """A new key for ``obj``; the engine then refers to it by that key."""
    key = next(_keys)
    _objects[key] = weakref.ref(obj, lambda _, k=key: _objects.pop(k, None)) if weak else obj
    _labels[key] = label or type(obj).__name__
    return key


def unregister(key):
    _objects.pop(key, None)


def lookup(key):
    """The object for ``key``, or None when it was deleted."""
    ref = _objects.get(key)
    if isinstance(ref, weakref.ref):
        return ref()
    return ref


def set_label(key, label):
    _labels[key] = label


def _as_variable(x, what):
    if isinstance(x, Variable):
        return x
    try:
        return constant(x)
    except (TypeError, ValueError) as e:
        raise TypeError(f"{what} returned {type(x).__name__}, not an expression: {e}") from None


def _answer(request, key, options, inputs):
    if request == RELEASE:
        _objects.pop(key, None)
        _labels.pop(key, None)
        return [], None
    obj = lookup(key)
    if obj is None:
        raise ReferenceError(f"the Python object behind engine key {key} ({_labels.get(key, 'unknown')}) was deleted; "
                             "keep the Python layer alive as long as a network uses it")
    if request == APPLY:
        return [_as_variable(obj(*inputs), f"{_labels.get(key)}")], None
    return obj._host_request(request, options, inputs)


@HOST_FN
def _callback(request, key, options, handles, n, outs, cap, n_out, reply):
    try:
        inputs = [Variable(handles[i]) for i in range(n)]
        opts = options.decode() if options else "{}"
        nodes, text = _answer(request, key, opts, inputs)
        if len(nodes) > cap:
            raise ValueError(f"{_labels.get(key)} returned {len(nodes)} expressions; at most {cap} are supported")
        for i, v in enumerate(nodes):
            outs[i] = v.handle
        n_out[0] = len(nodes)
        # The engine resolves the handles as soon as we return; keep them (and the reply text) alive until then.
        _state.reply = (nodes, text.encode() if text is not None else None)
        reply[0] = _state.reply[1]
        return 0
    except BaseException as e:  # noqa: BLE001 - every exception must go back to the caller, not into C
        _state.pending = e
        message = f"{type(e).__name__} in a Python callback ({_labels.get(key, key)}): {e}".encode("utf-8", "replace")
        _state.reply = ([], message)
        reply[0] = message
        return 1


def call(status):
    """Re-raises an exception a callback stashed during the engine call that returned ``status``, else checks it."""
    pending = getattr(_state, "pending", None)
    if pending is not None:
        _state.pending = None
        raise pending
    check(status)


def _json_scalar(v):
    """``(True, value)`` for a value JSON can carry (numpy scalars as Python numbers), else ``(False, None)``."""
    if v is None or isinstance(v, (bool, int, float, str)):
        return True, v
    if isinstance(v, np.generic) and v.dtype.kind in "biuf":
        return True, v.item()
    return False, None


def options_json(kwargs):
    """get_output's keyword arguments as the engine's options JSON (those JSON can carry). ``recurrence_flags``
    goes as an object: a Recurrence merges it into its one-tick layers' options."""
    flags = {"deterministic": bool(kwargs.get("deterministic", False))}
    for k, v in kwargs.items():
        if k == "recurrence_flags" and isinstance(v, dict):
            carried = {str(f): _json_scalar(x) for f, x in v.items()}
            flags[k] = {f: x for f, (ok, x) in carried.items() if ok}
        elif k == "recurrence_flags" and v is not None:
            flags[k] = repr(v)  # the engine says it must be a dict
        elif k != "deterministic" and (v is None or isinstance(v, (bool, int, float, str))):
            flags[k] = v
    return json.dumps(flags).encode()


class kwargs_scope:
    """Makes ``kwargs`` the get_output arguments callbacks on this thread see (Python objects included)."""

    def __init__(self, kwargs):
        self.kwargs = kwargs

    def __enter__(self):
        stack = getattr(_state, "kwargs", None)
        if stack is None:
            stack = _state.kwargs = []
        stack.append(self.kwargs)

    def __exit__(self, *exc):
        _state.kwargs.pop()


def current_kwargs(options):
    """The get_output keyword arguments of the engine call being served (Python objects included). Inside a
    Recurrence's one-tick graph the engine has merged ``recurrence_flags`` into the options and dropped that key;
    the same merge is made here, so the one-tick layers get ``recurrence_flags`` as keyword arguments."""
    stack = getattr(_state, "kwargs", None)
    if not stack:
        return json.loads(options)
    kwargs = stack[-1]
    flags = kwargs.get("recurrence_flags")
    if isinstance(flags, dict) and "recurrence_flags" not in json.loads(options):
        kwargs = {k: v for k, v in kwargs.items() if k != "recurrence_flags"}
        kwargs.update(flags)
    return kwargs


check(lib.agn_host_install(_callback))
