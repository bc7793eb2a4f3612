"""What the engine runs on (``show_config``, like ``numpy.show_config``) and its flush-to-zero switch."""
import ctypes
import json

import numpy as np

from . import _lib
from ._lib import check, lib

_lib.declare("agn_config_json", ctypes.POINTER(ctypes.c_char_p))
_lib.declare("agn_set_flush_denormal", ctypes.c_int32)


def get_config():
    """The engine's configuration as a dict.

    Returns
    -------
    dict
        ``blas``: ``library`` (file loaded, None on the built-in reference gemm), ``version``
        (``openblas_get_config``), ``core`` (``openblas_get_corename``), ``reported_core`` (OpenBLAS's own choice),
        ``auto_selected`` and ``selection`` (whether and why the engine chose the core), ``threads``;
        ``simd`` (``"AVX2"`` or ``"baseline"``: the engine's own vector loops); ``flush_denormal`` (compiled calls
        flush denormals); ``caller_mxcsr`` (the calling thread's SSE control register, None off x86-64);
        ``cpu``: ``model``, ``vendor``, ``family``, ``model_number``, ``level`` (best instruction set: SSE, AVX,
        AVX2, AVX-512).
    """
    text = ctypes.c_char_p()
    check(lib.agn_config_json(ctypes.byref(text)))
    return json.loads(text.value.decode("utf-8"))


def _float_mode(config):
    return "FTZ/DAZ on" if config["flush_denormal"] else "FTZ/DAZ off (IEEE denormals)"


def config_summary(config=None):
    """One line for benchmark headers: CPU model, BLAS core and float mode."""
    c = config or get_config()
    b = c["blas"]
    core = b["core"] + (" (auto-selected, OpenBLAS chose %s)" % b["reported_core"] if b["auto_selected"] else "")
    cpu = c["cpu"]
    return "CPU: %s (family %s model %s, %s) | BLAS core: %s, %d thread(s) | float mode: %s" % (
        cpu["model"] or "unknown", cpu["family"], cpu["model_number"], cpu["level"], core, b["threads"], _float_mode(c))


def show_config():
    """Prints the BLAS library, its version, core and thread count, the SIMD path, the float mode and the CPU."""
    c = get_config()
    b, cpu = c["blas"], c["cpu"]
    rows = [
        ("BLAS library", b["library"] or "none (built-in reference gemm)"),
        ("BLAS version", b["version"]),
        ("BLAS core", b["core"] + (" (auto-selected)" if b["auto_selected"] else "")),
        ("core selection", b["selection"]),
        ("BLAS threads", str(b["threads"])),
        ("SIMD path", c["simd"]),
        ("float mode", _float_mode(c) + " in compiled calls"),
        ("CPU", "%s (%s, family %s model %s, %s)" % (cpu["model"] or "unknown", cpu["vendor"] or "unknown vendor",
                                                     cpu["family"], cpu["model_number"], cpu["level"])),
    ]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print("%s : %s" % (k.ljust(width), v))


def set_flush_denormal(enabled):
    """Turns flush-to-zero in compiled calls on (the default) or off, engine-wide.

    With it on, compiled calls set the SSE FTZ and DAZ modes (denormal results and inputs become 0, which avoids the
    up-to-100× slowdown of denormal arithmetic as training values decay) and restore the caller's mode on return, so
    numpy keeps IEEE denormals. Environments always step with IEEE semantics.

    Parameters
    ----------
    enabled : bool
    """
    if not (isinstance(enabled, (bool, np.bool_)) or isinstance(enabled, int) and enabled in (0, 1)):
        raise TypeError("set_flush_denormal: enabled must be a bool, got %r" % (enabled,))
    check(lib.agn_set_flush_denormal(1 if enabled else 0))
