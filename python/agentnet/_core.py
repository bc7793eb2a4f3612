"""Symbolic expressions and shared values as Python handles to engine nodes, plus the helpers every module uses
to turn numpy arrays and Python numbers into engine constants and back."""
import ctypes
import json

import numpy as np

from . import _lib
from ._checks import MAX_RANK, as_dims, as_int
from ._lib import check, lib

c_i64p = ctypes.POINTER(ctypes.c_int64)
c_i32p = ctypes.POINTER(ctypes.c_int32)

_lib.declare("agn_input_create", ctypes.c_char_p, ctypes.c_int32, ctypes.c_int32, c_i64p, c_i64p)
_lib.declare("agn_constant_create", ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, c_i64p, c_i64p)
_lib.declare("agn_node_create", ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, c_i64p)
_lib.declare("agn_random_node_create", ctypes.c_int64, ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, c_i64p)
_lib.declare("agn_node_info", ctypes.c_int64, c_i32p, c_i32p, c_i64p)
_lib.declare("agn_node_repr", ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p))
_lib.declare("agn_node_set_name", ctypes.c_int64, ctypes.c_char_p)
_lib.declare("agn_shared_create", ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, c_i64p, ctypes.c_char_p, c_i64p)
_lib.declare("agn_shared_node", ctypes.c_int64, c_i64p)
_lib.declare("agn_shared_info", ctypes.c_int64, c_i32p, c_i32p, c_i64p)
_lib.declare("agn_shared_get", ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)
_lib.declare("agn_shared_set", ctypes.c_int64, ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, c_i64p)
_lib.declare("agn_grad", ctypes.c_int64, c_i64p, ctypes.c_int64, c_i64p, ctypes.c_int64, ctypes.c_int32, c_i64p)
_lib.declare("agn_random_state_create", ctypes.c_uint64, c_i64p)
_lib.declare("agn_random_state_seed", ctypes.c_int64, ctypes.c_uint64)
_lib.declare("agn_set_num_threads", ctypes.c_int32)

DTYPES = {0: np.dtype(np.float32), 1: np.dtype(np.int32), 2: np.dtype(np.bool_)}
CODES = {np.dtype(np.float32): 0, np.dtype(np.int32): 1, np.dtype(np.bool_): 2}


def dtype_code(dtype):
    """Engine dtype code for a numpy dtype or name (float64 → float32, int64 → int32, as the seed's floatX did)."""
    if dtype in ("floatX", None):
        return 0
    d = np.dtype(dtype)
    if d.kind == "f":
        return 0
    if d.kind in "iu":
        return 1
    if d.kind == "b":
        return 2
    raise TypeError(f"unsupported dtype {d}: AgentNet computes in float32, int32 and bool")


def as_engine_array(value, dtype=None):
    """numpy array in an engine dtype, C-contiguous. Integers that do not fit in int32 are an error."""
    a = np.asarray(value)
    if a.dtype == object:
        raise TypeError(f"cannot convert {type(value).__name__} to a tensor")
    code = dtype_code(dtype if dtype is not None else a.dtype)
    target = DTYPES[code]
    if a.dtype.kind in "iu" and code == 1 and a.size and (a.max() > 2**31 - 1 or a.min() < -(2**31)):
        raise ValueError("integer values do not fit in int32")
    return np.asarray(a, dtype=target, order="C")


def _dims(shape):
    arr = (ctypes.c_int64 * max(len(shape), 1))(*shape)
    return arr


class Variable:
    """A symbolic tensor expression (Theano's ``TensorVariable``): a handle to an engine node.

    Supports numpy-style operators, indexing (``x[:, 1:3]``, ``q[T.arange(n), actions]``), reductions as
    methods (``x.sum(axis=1)``) and ``x.shape`` as a symbolic int vector usable inside expressions.
    """

    __array_priority__ = 1000

    def __init__(self, handle, name=None):
        self.handle = handle
        d, r, dims = ctypes.c_int32(), ctypes.c_int32(), (ctypes.c_int64 * 8)()
        check(lib.agn_node_info(handle, ctypes.byref(d), ctypes.byref(r), dims))
        self.dtype = str(DTYPES[d.value])
        self.ndim = r.value
        self.static_shape = tuple(None if dims[i] < 0 else dims[i] for i in range(r.value))
        if name is not None:
            self.name = name

    def __del__(self):
        _lib.release(getattr(self, "handle", 0))

    @property
    def name(self):
        text = ctypes.c_char_p()
        check(lib.agn_node_repr(self.handle, ctypes.byref(text)))
        return text.value.decode()

    @name.setter
    def name(self, value):
        check(lib.agn_node_set_name(self.handle, str(value).encode()))

    def __repr__(self):
        shape = "(" + ", ".join("?" if d is None else str(d) for d in self.static_shape) + ("," if self.ndim == 1 else "") + ")"
        return f"<Variable {self.name} {self.dtype}{shape}>"

    def __bool__(self):
        raise TypeError("the truth value of a symbolic expression is unknown until it is computed; use T.where or a compiled function")

    def __len__(self):
        raise TypeError("len() of a symbolic expression is unknown; use x.shape[0]")

    def __iter__(self):
        raise TypeError("a symbolic expression cannot be iterated over")

    # Expressions are immutable engine nodes: a copy is the same expression (copying the handle would release
    # it twice). Pickling cannot carry an engine handle to another process.
    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce_ex__(self, protocol):
        raise TypeError(f"{type(self).__name__} objects are engine handles and cannot be pickled; save parameter "
                        "values (get_all_param_values, agentnet.utils.persistence) instead")

    # The operator and method set is attached by agentnet.tensor (which owns the op builders).


class SharedVariable(Variable):
    """A persistent value (parameter or optimizer state) that compiled functions read and update in place."""

    def __init__(self, value, name=None):
        a = as_engine_array(value)
        h = ctypes.c_int64()
        check(lib.agn_shared_create(a.ctypes.data if a.size else None, CODES[a.dtype], a.ndim, _dims(a.shape),
                                    _name(name), ctypes.byref(h)))
        self.shared_handle = h.value
        node = ctypes.c_int64()
        check(lib.agn_shared_node(self.shared_handle, ctypes.byref(node)))
        super().__init__(node.value)
        self._given_name = name

    @classmethod
    def _adopt(cls, shared_handle):
        """The Python handle for a shared value the engine created (optimizer state), named as the engine named it."""
        self = cls.__new__(cls)
        self.shared_handle = shared_handle
        node = ctypes.c_int64()
        check(lib.agn_shared_node(shared_handle, ctypes.byref(node)))
        Variable.__init__(self, node.value)
        self._given_name = self.name
        return self

    def __del__(self):
        _lib.release(getattr(self, "shared_handle", 0))
        super().__del__()

    def _info(self):
        d, r, dims = ctypes.c_int32(), ctypes.c_int32(), (ctypes.c_int64 * 8)()
        check(lib.agn_shared_info(self.shared_handle, ctypes.byref(d), ctypes.byref(r), dims))
        return DTYPES[d.value], tuple(dims[i] for i in range(r.value))

    def get_value(self, borrow=False):
        """A copy of the current value as a numpy array (``borrow`` is accepted for Theano compatibility)."""
        # Another thread may change the shape (set_value) between reading it and copying the data: try again
        # until the shape read before and after the copy agree.
        for _ in range(100):
            dtype, shape = self._info()
            out = np.empty(shape, dtype)
            status = lib.agn_shared_get(self.shared_handle, out.ctypes.data if out.size else None, out.nbytes)
            if status == _lib.OK and self._info()[1] == shape:
                return out
            if status not in (_lib.OK, _lib.E_SHAPE):
                check(status)
        check(status)
        raise _lib.AgentNetError(f"shared {self._given_name or 'value'} kept changing shape while being read")

    def set_value(self, value, borrow=False):
        """Replaces the value; dtype must match (float64 is downcast), rank must stay the same."""
        dtype, shape = self._info()
        a = np.asarray(value)
        if a.dtype.kind == "f" and dtype.kind != "f":
            raise TypeError(f"shared {self._given_name or ''} is {dtype}; cannot set a {a.dtype} value")
        a = as_engine_array(a, dtype)
        check(lib.agn_shared_set(self.shared_handle, a.ctypes.data if a.size else None, CODES[a.dtype], a.ndim, _dims(a.shape)))

    def __deepcopy__(self, memo):
        """An independent shared variable holding a copy of the current value."""
        copy = SharedVariable(self.get_value(), name=self._given_name)
        memo[id(self)] = copy
        return copy

    def __repr__(self):
        dtype, shape = self._info()
        return f"<SharedVariable {self._given_name or 'shared'} {dtype}{shape}>"


def shared(value, name=None, **kwargs):
    """A shared variable holding ``value`` (Theano's ``theano.shared``); float64 values become float32."""
    return SharedVariable(value, name=name)


def constant(value, dtype=None):
    a = as_engine_array(value, dtype)
    h = ctypes.c_int64()
    check(lib.agn_constant_create(a.ctypes.data if a.size else None, CODES[a.dtype], a.ndim, _dims(a.shape), ctypes.byref(h)))
    return Variable(h.value)


def _name(name):
    if name is not None and not isinstance(name, str):
        raise TypeError(f"name must be a string or None, got {type(name).__name__} {name!r}")
    return name.encode() if name else None


def input_var(name, dtype, ndim, shape=None):
    ndim = as_int(ndim, "ndim", 0, MAX_RANK)
    shape = tuple(shape) if shape is not None else (None,) * ndim
    if len(shape) != ndim:
        raise ValueError(f"shape {shape} does not have ndim={ndim} dimensions")
    h = ctypes.c_int64()
    dims = _dims(as_dims([-1 if d is None else d for d in shape], "shape", allow_unknown=True))
    check(lib.agn_input_create(_name(name), dtype_code(dtype), ndim, dims, ctypes.byref(h)))
    return Variable(h.value)


def handles(vars_):
    return (ctypes.c_int64 * max(len(vars_), 1))(*[v.handle for v in vars_])


def node(kind, inputs, **attrs):
    """Creates an engine node of ``kind`` from Variables, with JSON attributes."""
    h = ctypes.c_int64()
    check(lib.agn_node_create(kind.encode(), json.dumps(attrs).encode(), handles(inputs), len(inputs), ctypes.byref(h)))
    return Variable(h.value)


def random_node(state, kind, inputs, **attrs):
    h = ctypes.c_int64()
    check(lib.agn_random_node_create(state, kind.encode(), json.dumps(attrs).encode(), handles(inputs), len(inputs),
                                     ctypes.byref(h)))
    return Variable(h.value)


def set_num_threads(n):
    """Sets the number of threads OpenBLAS uses for the engine's matrix products (numpy keeps its own pool)."""
    check(lib.agn_set_num_threads(as_int(n, "n", 1, 1024)))
