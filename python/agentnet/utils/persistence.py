"""``agentnet.utils.persistence``: a network's parameters saved to and loaded from safetensors files, by name.

The seed pickled an unnamed list of arrays; here a file maps parameter names to tensors, opens with
``safetensors.numpy.load_file`` or PyTorch's ``safetensors.torch.load_file``, and is validated before anything is
read (a truncated or hostile file raises instead of crashing or reading out of bounds).

**Names.** Parameters are taken in :func:`agentnet.layers.get_all_params` order (all of them, trainable or not,
so BatchNorm statistics are saved too) and keyed by their names (``"dense.W"``). Each takes the first of
``name``, ``name_1``, ``name_2``, ... that no earlier parameter took, and an unnamed one is ``param<i>`` (its
index in that list) by the same rule. Two unnamed DenseLayers thus save ``W``, ``b``, ``W_1``, ``b_1``; name your
layers (``DenseLayer(l, 64, name="q")``) for keys that survive changes to the network. Parameters that are
symbolic expressions rather than shared variables have no value of their own and are skipped.

**Metadata.** ``format`` (``"agentnet"``), ``agentnet_version`` and ``network`` (the network's repr).

**Atomic saves.** The file is written under a temporary name in the same folder, flushed to disk and renamed
over the target, so a crash or a kill never leaves a half-written file under ``filename`` (an interrupted save
may leave its temporary ``.<name>.tmp-*`` file behind).
"""
import collections
import collections.abc
import ctypes
import json
import os

import numpy as np

from .. import _lib
from .._core import CODES, SharedVariable, as_engine_array
from .._lib import check, lib

__all__ = ["save", "load", "get_state_dict", "set_state_dict", "read_file", "LoadResult", "Mismatch"]

c_i64p = ctypes.POINTER(ctypes.c_int64)
c_i32p = ctypes.POINTER(ctypes.c_int32)
c_strp = ctypes.POINTER(ctypes.c_char_p)
_lib.declare("agn_state_names", ctypes.c_char_p, ctypes.c_int64, c_strp)
_lib.declare("agn_safetensors_save", ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, ctypes.c_char_p)
_lib.declare("agn_safetensors_load", ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, ctypes.c_int32, c_strp)
_lib.declare("agn_state_set", ctypes.c_char_p, c_i64p, ctypes.c_int64, ctypes.c_char_p,
             ctypes.POINTER(ctypes.c_void_p), c_i32p, c_i32p, c_i64p, ctypes.c_int64, ctypes.c_int32, c_strp)
_lib.declare("agn_safetensors_open", ctypes.c_char_p, c_i64p)
_lib.declare("agn_safetensors_info", ctypes.c_int64, c_strp)
_lib.declare("agn_safetensors_read", ctypes.c_int64, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64)

LoadResult = collections.namedtuple("LoadResult", ["missing_keys", "unexpected_keys", "mismatched"])
LoadResult.__doc__ = """What a non-strict load could not use (PyTorch's ``load_state_dict`` result plus mismatches).

missing_keys : list of str
    Parameters of the network with no tensor of that name (left unchanged).
unexpected_keys : list of str
    Tensors with no parameter of that name (ignored).
mismatched : list of Mismatch
    Names present on both sides whose shape or dtype differ (left unchanged).
"""
Mismatch = collections.namedtuple("Mismatch", ["name", "expected_shape", "expected_dtype", "found_shape", "found_dtype"])
Mismatch.__doc__ = "A tensor whose name matched a parameter but whose shape or dtype does not fit it."

# Numpy types of the safetensors dtypes (BF16 is widened to float32; 8-bit floats have no numpy type).
_NUMPY = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2", "I8": "i1",
          "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?", "BF16": "<u2"}


def _params(nn):
    """The shared variables of ``nn``: a layer, a list/tuple of layers, a dict of layers or a list of shared values."""
    from ..layers.base import Layer
    from ..layers.helper import get_all_params
    if isinstance(nn, dict):
        nn = list(nn.values())
    if isinstance(nn, (list, tuple)) and nn and all(isinstance(p, SharedVariable) for p in nn):
        params = list(nn)
    elif isinstance(nn, Layer) or isinstance(nn, (list, tuple)):
        params = get_all_params(nn)
    else:
        raise TypeError(f"nn must be a Layer, a list or dict of Layers, or a list of shared variables; got "
                        f"{type(nn).__name__}")
    seen, result = set(), []
    for p in params:
        if isinstance(p, SharedVariable) and id(p) not in seen:
            seen.add(id(p))
            result.append(p)
    return result


def _names_json(params):
    return json.dumps([getattr(p, "_given_name", None) or None for p in params]).encode()


def _handles(params):
    return (ctypes.c_int64 * max(len(params), 1))(*[p.shared_handle for p in params])


def _path(filename):
    try:
        path = os.fspath(filename)
    except TypeError:
        raise TypeError(f"filename must be a str, bytes or os.PathLike, got {type(filename).__name__} {filename!r}") from None
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    return path.encode()


def _result(report):
    r = json.loads(report.value.decode())
    mismatched = [Mismatch(m["name"], tuple(m["expected_shape"]), m["expected_dtype"], tuple(m["found_shape"]),
                           m["found_dtype"]) for m in r["mismatched"]]
    return LoadResult(r["missing"], r["unexpected"], mismatched)


def _state_names(params):
    text = ctypes.c_char_p()
    check(lib.agn_state_names(_names_json(params), len(params), ctypes.byref(text)))
    return json.loads(text.value.decode())


def save(nn, filename):
    """Saves every parameter of ``nn`` to a safetensors file, atomically.

    Parameters
    ----------
    nn : Layer, list or dict of Layer, or list of SharedVariable
        The network (all parameters below these layers, as :func:`agentnet.layers.get_all_params` finds them,
        trainable or not).
    filename : str or os.PathLike
        The file to write (replaced whole if it exists).

    Raises
    ------
    OSError
        If the file or its temporary sibling cannot be written (the old file, if any, is then untouched).
    """
    params = _params(nn)
    metadata = json.dumps({"network": repr(nn)}).encode()
    check(lib.agn_safetensors_save(_path(filename), _names_json(params), _handles(params), len(params), metadata))


def load(nn, filename, strict=True):
    """Loads a safetensors file into the parameters of ``nn`` by name.

    Floats of any width load into float32 parameters, integers that fit into int32 ones.

    Parameters
    ----------
    nn : Layer, list or dict of Layer, or list of SharedVariable
        The network whose parameters receive the tensors (named as :func:`save` names them).
    filename : str or os.PathLike
        A safetensors file, written by :func:`save` or by any safetensors writer.
    strict : bool
        True: every parameter must find a tensor of its name and shape and every tensor a parameter, or nothing
        changes. False: the tensors that fit are loaded and the others reported.

    Returns
    -------
    LoadResult
        ``(missing_keys, unexpected_keys, mismatched)``; all empty after a strict load.

    Raises
    ------
    ValueError
        If the file is not a valid safetensors file, or (strict) if it does not fit the network; the message lists
        every missing, unexpected and misshapen tensor with its shape. No parameter is changed then.
    OSError
        If the file cannot be read.
    """
    params = _params(nn)
    report = ctypes.c_char_p()
    check(lib.agn_safetensors_load(_path(filename), _names_json(params), _handles(params), len(params),
                                   1 if strict else 0, ctypes.byref(report)))
    return _result(report)


def get_state_dict(nn):
    """The parameters of ``nn`` as an ordered mapping from name to a copy of its value.

    Parameters
    ----------
    nn : Layer, list or dict of Layer, or list of SharedVariable

    Returns
    -------
    collections.OrderedDict of str to numpy.ndarray
        In :func:`agentnet.layers.get_all_params` order, named as :func:`save` names them; ready for
        ``torch.from_numpy`` or ``safetensors.numpy.save_file``.
    """
    params = _params(nn)
    return collections.OrderedDict(zip(_state_names(params), (p.get_value() for p in params)))


def _as_array(key, value):
    if hasattr(value, "detach") and hasattr(value, "cpu"):  # a torch tensor (possibly requiring grad, on a device)
        value = value.detach().cpu()
        if str(getattr(value, "dtype", "")) == "torch.bfloat16":
            value = value.float()
        value = value.numpy()
    try:
        return as_engine_array(np.asarray(value))
    except (TypeError, ValueError) as e:
        raise type(e)(f"state dict entry {key!r}: {e}") from None


def set_state_dict(nn, state_dict, strict=True):
    """Sets the parameters of ``nn`` from a mapping of names to arrays, with :func:`load`'s rules.

    Parameters
    ----------
    nn : Layer, list or dict of Layer, or list of SharedVariable
    state_dict : mapping of str to array_like
        numpy arrays or anything ``numpy.asarray`` accepts (torch tensors too, also ones requiring grad);
        float64 becomes float32 and int64 int32 as everywhere in AgentNet.
    strict : bool
        As in :func:`load`.

    Returns
    -------
    LoadResult

    Raises
    ------
    ValueError
        (strict) If the names or shapes do not fit; nothing is changed then.
    """
    params = _params(nn)
    if not isinstance(state_dict, collections.abc.Mapping):
        raise TypeError(f"state_dict must be a mapping of names to arrays, got {type(state_dict).__name__}")
    keys = [str(k) for k in state_dict.keys()]
    arrays = [_as_array(k, state_dict[k]) for k in state_dict.keys()]
    n = len(arrays)
    data = (ctypes.c_void_p * max(n, 1))(*[a.ctypes.data if a.size else None for a in arrays])
    dtypes = (ctypes.c_int32 * max(n, 1))(*[CODES[a.dtype] for a in arrays])
    ndims = (ctypes.c_int32 * max(n, 1))(*[a.ndim for a in arrays])
    flat = [d for a in arrays for d in a.shape]
    dims = (ctypes.c_int64 * max(len(flat), 1))(*flat)
    report = ctypes.c_char_p()
    check(lib.agn_state_set(_names_json(params), _handles(params), len(params), json.dumps(keys).encode(), data,
                            dtypes, ndims, dims, n, 1 if strict else 0, ctypes.byref(report)))
    return _result(report)


def read_file(filename):
    """Reads every tensor of a safetensors file, without a network.

    Parameters
    ----------
    filename : str or os.PathLike

    Returns
    -------
    tensors : collections.OrderedDict of str to numpy.ndarray
        In the file's buffer order, in the file's own dtypes (BF16 widened to float32).
    metadata : dict of str to str

    Raises
    ------
    ValueError
        If the file is not a valid safetensors file.
    TypeError
        If a tensor is an 8-bit float, which numpy cannot hold.
    """
    handle = ctypes.c_int64()
    check(lib.agn_safetensors_open(_path(filename), ctypes.byref(handle)))
    try:
        text = ctypes.c_char_p()
        check(lib.agn_safetensors_info(handle, ctypes.byref(text)))
        info = json.loads(text.value.decode())
        tensors = collections.OrderedDict()
        for i, t in enumerate(info["tensors"]):
            if t["dtype"] not in _NUMPY:
                raise TypeError(f"tensor {t['name']!r} is {t['dtype']}, which numpy has no type for")
            a = np.empty(tuple(t["shape"]), np.dtype(_NUMPY[t["dtype"]]))
            check(lib.agn_safetensors_read(handle, i, a.ctypes.data if a.nbytes else None, a.nbytes))
            if t["dtype"] == "BF16":
                a = (a.astype(np.uint32) << 16).view(np.float32)
            tensors[t["name"]] = a
        return tensors, info["metadata"]
    finally:
        _lib.release(handle.value)
