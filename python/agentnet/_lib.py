"""Loads the bundled engine library (``libagentnet.so``) and turns its status codes into Python exceptions.

Everything in the Python package talks to the engine through :data:`lib` and :func:`check`.
"""
import ctypes
import os
import pathlib

ABI_VERSION = 1


class AgentNetError(RuntimeError):
    """An error reported by the AgentNet engine; the message is the engine's own."""


# Status codes (include/agentnet.h).
OK = 0
E_INVALID_ARGUMENT = 1
E_INVALID_HANDLE = 2
E_SHAPE = 3
E_DTYPE = 4
E_RUNTIME = 5
E_IO = 6
E_OUTPUT_SHAPE = 7


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
    message = last_error()
    if status in (E_SHAPE, E_INVALID_ARGUMENT):
        raise ValueError(message)
    if status == E_DTYPE:
        raise TypeError(message)
    if status == E_IO:
        raise OSError(message)
    raise AgentNetError(message)


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
declare = _declare
