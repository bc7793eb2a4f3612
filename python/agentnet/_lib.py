"""Loads the bundled engine library (``libagentnet.so``) and turns its status codes into Python exceptions.

Everything in the Python package talks to the engine through :data:`lib` and :func:`check`.
"""
import ctypes
import numbers
import os
import pathlib

ABI_VERSION = 1


class AgentNetError(RuntimeError):
    """An error reported by the AgentNet engine; the message is the engine's own.

    Engine errors of the kinds numpy reports with a builtin exception are raised as subclasses of both, so
    ``except ValueError`` and ``except agentnet.AgentNetError`` each catch them.
    """


class AgentNetValueError(AgentNetError, ValueError):
    """An argument or shape the engine rejected (numpy would raise ValueError)."""


class AgentNetTypeError(AgentNetError, TypeError):
    """A dtype the engine rejected (numpy would raise TypeError)."""


class AgentNetIndexError(AgentNetError, IndexError):
    """An index outside its axis."""


class AgentNetMemoryError(AgentNetError, MemoryError):
    """An allocation over the engine's memory limit (see :func:`agentnet.set_memory_limit`)."""


class AgentNetOSError(AgentNetError, OSError):
    """A file the engine could not read or write."""


# Status codes (include/agentnet.h).
OK = 0
E_INVALID_ARGUMENT = 1
E_INVALID_HANDLE = 2
E_SHAPE = 3
E_DTYPE = 4
E_RUNTIME = 5
E_IO = 6
E_OUTPUT_SHAPE = 7
E_MEMORY = 8
E_INDEX = 9

_ERRORS = {
    E_INVALID_ARGUMENT: AgentNetValueError,
    E_SHAPE: AgentNetValueError,
    E_OUTPUT_SHAPE: AgentNetValueError,
    E_DTYPE: AgentNetTypeError,
    E_IO: AgentNetOSError,
    E_MEMORY: AgentNetMemoryError,
    E_INDEX: AgentNetIndexError,
}


def _candidates():
    env = os.environ.get("AGENTNET_LIB")
    if env:
        yield pathlib.Path(env)
    here = pathlib.Path(__file__).resolve().parent
    yield here / "lib" / "libagentnet.so"
    # A development checkout: python/agentnet/ next to .build/release/.
    yield here.parent.parent / ".build" / "release" / "libagentnet.so"


def _load():
    tried = []
    for path in _candidates():
        tried.append(str(path))
        if path.is_file():
            # The engine loads OpenBLAS itself, single-threaded and with kernels that fit the CPU
            # (Sources/AgentNet/Platform/BLAS.swift); nothing to prepare here.
            return ctypes.CDLL(str(path))
    raise ImportError(
        "AgentNet's engine library was not found (looked in: " + ", ".join(tried) + "). "
        "Install the package with `pip install .` from the AgentNet checkout, or set AGENTNET_LIB."
    )


lib = _load()
lib.agn_last_error.restype = ctypes.c_char_p
lib.agn_abi_version.restype = ctypes.c_int32
if lib.agn_abi_version() != ABI_VERSION:
    raise ImportError(
        f"AgentNet engine ABI version {lib.agn_abi_version()} does not match the Python package's {ABI_VERSION}; "
        "reinstall AgentNet so both come from the same build."
    )


def last_error():
    return lib.agn_last_error().decode("utf-8", "replace")


def check(status):
    """Raises the exception that matches an engine status code; returns None on success."""
    if status == OK:
        return
    raise _ERRORS.get(status, AgentNetError)(last_error())


def handle_out():
    return ctypes.c_int64(0)


def release(handle):
    """Releases an engine handle; silently ignores a library already unloaded at interpreter exit."""
    if lib is not None and handle:
        lib.agn_release(ctypes.c_int64(handle))


def _declare(name, *argtypes):
    fn = getattr(lib, name)
    fn.argtypes = list(argtypes)
    fn.restype = ctypes.c_int32
    return fn


_declare("agn_release", ctypes.c_int64)
_declare("agn_live_handles", ctypes.POINTER(ctypes.c_int64))
_declare("agn_set_memory_limit", ctypes.c_int64)
_declare("agn_memory_info", ctypes.POINTER(ctypes.c_int64), ctypes.POINTER(ctypes.c_int64))


def set_memory_limit(nbytes=None):
    """Sets the engine's allocation limit in bytes (None: the default, 3/4 of physical memory).

    Every tensor buffer the engine holds counts against it; a call that would go over raises
    :class:`MemoryError` (``agentnet.AgentNetMemoryError``) instead of letting the system's OOM killer end the process.
    The environment variable ``AGENTNET_MEMORY_LIMIT`` sets the initial limit.
    """
    if nbytes is None:
        nbytes = 0
    elif isinstance(nbytes, bool) or not isinstance(nbytes, numbers.Integral):
        raise TypeError(f"set_memory_limit: nbytes must be an integer number of bytes or None, got {nbytes!r}")
    elif not 0 < nbytes < 2**63:
        raise ValueError(f"set_memory_limit: nbytes must be positive, got {nbytes}")
    check(lib.agn_set_memory_limit(int(nbytes)))


def memory_info():
    """``(limit, in_use)`` in bytes: the engine's allocation limit and what its live tensor buffers hold."""
    limit, used = ctypes.c_int64(), ctypes.c_int64()
    check(lib.agn_memory_info(ctypes.byref(limit), ctypes.byref(used)))
    return limit.value, used.value
declare = _declare
