"""include/agentnet.h declares exactly the functions the library exports, and the ABI guards hold."""
import ctypes
import pathlib
import re
import shutil
import subprocess

import pytest

import agentnet
from agentnet import _lib

HEADER = pathlib.Path(__file__).resolve().parents[2] / "include" / "agentnet.h"


@pytest.mark.skipif(shutil.which("nm") is None or not HEADER.exists(), reason="needs nm and the source checkout")
def test_header_matches_exported_symbols():
    declared = set(re.findall(r"\b(agn_\w+)\s*\(", HEADER.read_text()))
    out = subprocess.run(["nm", "-D", "--defined-only", _lib.lib._name], capture_output=True, text=True, check=True).stdout
    exported = {line.split()[-1] for line in out.splitlines() if line.split() and line.split()[-1].startswith("agn_")}
    assert declared == exported, f"only in header: {sorted(declared - exported)}; only exported: {sorted(exported - declared)}"


def test_abi_version_and_last_error():
    assert _lib.lib.agn_abi_version() == _lib.ABI_VERSION
    assert _lib.lib.agn_release(ctypes.c_int64(0)) == _lib.E_INVALID_HANDLE
    assert "not a live object" in _lib.last_error()


def test_released_handle_is_an_error_not_a_crash():
    x = agentnet.tensor.vector("x")
    h = x.handle
    assert _lib.lib.agn_release(ctypes.c_int64(h)) == 0
    assert _lib.lib.agn_release(ctypes.c_int64(h)) == _lib.E_INVALID_HANDLE
    x.handle = 0
    with pytest.raises(agentnet.AgentNetError, match="not a live object"):
        agentnet.tensor.Variable(h)


def test_wrong_handle_kind_is_named():
    fn = agentnet.function([], agentnet.tensor.zeros((2,)))
    with pytest.raises(agentnet.AgentNetError, match="expected a symbolic expression"):
        agentnet.tensor.Variable(fn.handle)


def test_null_pointers_are_rejected():
    assert _lib.lib.agn_node_create(None, None, None, 0, None) == _lib.E_INVALID_ARGUMENT
    assert _lib.lib.agn_function_call(ctypes.c_int64(1), None, 0) != 0
