"""``agentnet.function``: compiles inputs → outputs (+ shared-value updates) into one engine call."""
import collections
import ctypes
import threading

import numpy as np

from . import _lib
from ._checks import as_int
from ._core import CODES, DTYPES, SharedVariable, Variable, c_i32p, c_i64p, constant, handles, node
from ._lib import check, lib

_lib.declare("agn_function_create", c_i64p, ctypes.c_int64, c_i64p, ctypes.c_int64, c_i64p, c_i64p, ctypes.c_int64,
             ctypes.c_int32, c_i64p)
_lib.declare("agn_function_call", ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)
_lib.declare("agn_function_call_repeat", ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)
_lib.declare("agn_function_output_info", ctypes.c_int64, c_i64p, ctypes.c_int64, c_i32p, c_i32p, c_i64p)

_call = lib.agn_function_call
_call_repeat = lib.agn_function_call_repeat


def _as_variable(x, dtype=None):
    if isinstance(x, Variable):
        return x
    return constant(x, dtype)


class Function:
    """A compiled function (Theano's ``theano.function``). Call it with numpy arrays in input order.

    Compiled once per set of input shapes; float64 inputs are downcast to float32 (the seed's
    ``allow_input_downcast``); a wrong shape or dtype raises an error naming the input.
    """

    def __init__(self, inputs, outputs, updates=None, check_finite=True, name=None):
        self.inputs = list(inputs)
        for i, v in enumerate(self.inputs):
            if not isinstance(v, Variable) or isinstance(v, SharedVariable):
                raise TypeError(f"function input {i} must be a symbolic input such as T.matrix(), got {v!r}")
        self._single = not isinstance(outputs, (list, tuple))
        outs = [outputs] if self._single else list(outputs)
        self.outputs = [_as_variable(o) for o in outs]
        if updates is None:
            updates = []
        elif isinstance(updates, dict):
            updates = list(updates.items())
        else:
            updates = list(updates)
        targets, values = [], []
        for target, value in updates:
            if not isinstance(target, SharedVariable):
                raise TypeError(f"update target {target!r} is not a shared variable")
            value = _as_variable(value, target.dtype)
            if value.dtype != target.dtype:
                value = node("cast", [value], dtype=target.dtype)
            targets.append(target)
            values.append(value)
        self._keep = (targets, values)
        h = ctypes.c_int64()
        shared_handles = (ctypes.c_int64 * max(len(targets), 1))(*[t.shared_handle for t in targets])
        check(lib.agn_function_create(handles(self.inputs), len(self.inputs), handles(self.outputs), len(self.outputs),
                                      shared_handles, handles(values), len(values), int(bool(check_finite)), ctypes.byref(h)))
        self.handle = h.value
        self.name = name
        self._info = {}
        self._templates = {}
        self._input_dtypes = [np.dtype(v.dtype) for v in self.inputs]
        self._input_names = [v.name for v in self.inputs]

    def __del__(self):
        _lib.release(getattr(self, "handle", 0))

    def _convert(self, i, value):
        want = self._input_dtypes[i]
        a = np.asarray(value)
        if a.dtype != want:
            if want.kind == "f" and a.dtype.kind in "fiub":
                a = a.astype(np.float32)
            elif want.kind == "i" and a.dtype.kind in "iub":
                if a.size and a.dtype.itemsize > 4 and (a.max() > 2**31 - 1 or a.min() < -(2**31)):
                    raise ValueError(f"input '{self._input_names[i]}': integer values do not fit in int32")
                a = a.astype(np.int32)
            elif want.kind == "b" and a.dtype.kind in "iu" and a.size and ((a == 0) | (a == 1)).all():
                a = a.astype(np.bool_)
            elif want.kind == "b" and a.size == 0 and a.dtype.kind in "iuf":
                a = a.astype(np.bool_)
            else:
                raise TypeError(f"input '{self._input_names[i]}': expected {want}, got {a.dtype}")
        if not a.flags.c_contiguous:
            a = np.asarray(a, order="C")
        return a

    @staticmethod
    def _describe(arrays, desc):
        for a in arrays:
            desc.append(a.ctypes.data if a.size else 0)
            desc.append(CODES[a.dtype])
            desc.append(a.ndim)
            desc.extend(a.shape)

    def _output_info(self, arrays, key):
        desc = [len(arrays), 0]
        self._describe(arrays, desc)
        d = np.array(desc, dtype=np.int64)
        n = max(len(self.outputs), 1)
        dtypes, ndims, dims = (ctypes.c_int32 * n)(), (ctypes.c_int32 * n)(), (ctypes.c_int64 * (8 * n))()
        check(lib.agn_function_output_info(self.handle, d.ctypes.data_as(c_i64p), len(desc), dtypes, ndims, dims))
        info = [(tuple(dims[i * 8 + j] for j in range(ndims[i])), DTYPES[dtypes[i]]) for i in range(len(self.outputs))]
        self._info[key] = info
        return info

    def _template(self, arrays, key):
        """The call descriptor for these input shapes with the pointer slots zeroed, and the slots' positions."""
        info = self._info.get(key) or self._output_info(arrays, key)
        desc, slots = [len(arrays), len(info)], []
        for shape in [a.shape for a in arrays] + [shape for shape, _ in info]:
            slots.append(len(desc))
            desc.extend((0, 0, len(shape), *shape))
        codes = [CODES[a.dtype] for a in arrays] + [CODES[np.dtype(d)] for _, d in info]
        for slot, code in zip(slots, codes):
            desc[slot + 1] = code
        template = (info, np.array(desc, dtype=np.int64), slots)
        self._templates[key] = template
        return template

    def _arrays(self, args):
        if len(args) != len(self.inputs):
            names = ", ".join(self._input_names)
            raise TypeError(f"function expects {len(self.inputs)} inputs ({names}), got {len(args)}")
        return [self._convert(i, a) for i, a in enumerate(args)]

    def _filled(self, arrays, key):
        """Output arrays and the call descriptor for them: only pointers change between calls of one shape, so
        they are filled into a copy of the cached descriptor (the Python side holds the GIL, so the less it does,
        the better threads overlap in the engine)."""
        info, template, slots = self._templates.get(key) or self._template(arrays, key)
        outs = [np.empty(shape, dtype) for shape, dtype in info]
        d = template.copy()
        for slot, a in zip(slots, arrays + outs):
            if a.size:
                d[slot] = a.ctypes.data
        return outs, d

    def __call__(self, *args):
        arrays = self._arrays(args)
        key = tuple(a.shape for a in arrays)
        for attempt in range(2):
            outs, d = self._filled(arrays, key)
            status = _call(self.handle, d.ctypes.data, len(d))
            if status == _lib.E_OUTPUT_SHAPE and attempt == 0:
                # A shared value changed shape since the output shapes were cached.
                self._info.pop(key, None)
                self._templates.pop(key, None)
                continue
            check(status)
            break
        return outs[0] if self._single else outs

    def repeat(self, times, *args):
        """Runs the function ``times`` times in one engine call and returns the outputs of the last run.

        Each run applies its updates before the next starts, exactly as ``times`` calls would (a training step
        repeated, a rollout on a native env continued), but the arguments cross into the engine once.

        Parameters
        ----------
        times : int
            Number of runs, 1 to 2**31 - 1.
        *args : array_like
            The inputs, as for a call (the same values for every run).

        Returns
        -------
        ndarray or list of ndarray
            The outputs of the last run. If a run fails, the updates of the runs before it stay applied.
        """
        times = as_int(times, "times", 1, 2**31 - 1)
        arrays = self._arrays(args)
        key = tuple(a.shape for a in arrays)
        # Fresh output shapes: the engine checks the buffers before the first run, so a shape that changes on the
        # way (a growing replay pool) is the only output-shape error left, and then the runs have happened.
        self._info.pop(key, None)
        self._templates.pop(key, None)
        outs, d = self._filled(arrays, key)
        check(_call_repeat(self.handle, times, d.ctypes.data, len(d)))
        return outs[0] if self._single else outs

    def __repr__(self):
        ins = ", ".join(self._input_names)
        return f"<agentnet.function ({ins}) -> {len(self.outputs)} output(s)>"


def function(inputs, outputs, updates=None, givens=None, allow_input_downcast=True, check_finite=True, name=None, **kwargs):
    """Compiles a function of symbolic ``inputs`` computing ``outputs`` and applying ``updates``.

    Parameters
    ----------
    inputs : list of Variable
        Symbolic inputs (``T.matrix``, ``T.ivector``...), in call order.
    outputs : Variable or list of Variable
        One output (the call returns an array) or a list (the call returns a list).
    updates : dict, OrderedDict or list of (SharedVariable, expression)
        New values for shared variables, applied in place after the outputs are computed.
    check_finite : bool
        Reject NaN/inf in float inputs with an error naming the input (default True).

    Returns
    -------
    Function
    """
    if givens:
        raise ValueError("givens are not supported: build the graph with the replacement directly")
    return Function(inputs, outputs, updates=updates, check_finite=check_finite, name=name)
