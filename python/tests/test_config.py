"""show_config / get_config, the OpenBLAS kernel selection (in subprocesses: OpenBLAS picks its core once per
process), and flush-to-zero in compiled calls with the caller's MXCSR restored."""
import json
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

import agentnet
from agentnet import tensor as T

X86 = platform.machine() in ("x86_64", "AMD64")
FTZ, DAZ = 1 << 15, 1 << 6
CONTROL = ~0x3F  # MXCSR without its sticky exception flags


def test_get_config_describes_blas_simd_float_mode_and_cpu():
    c = agentnet.get_config()
    assert set(c) >= {"blas", "simd", "flush_denormal", "caller_mxcsr", "cpu"}
    b = c["blas"]
    assert b["version"].startswith("OpenBLAS") and "openblas" in b["library"]
    assert b["core"] and b["threads"] >= 1 and isinstance(b["auto_selected"], bool) and b["selection"]
    assert c["simd"] in ("AVX2", "baseline")
    assert c["flush_denormal"] is True
    assert c["cpu"]["level"] in ("SSE", "AVX", "AVX2", "AVX-512")
    if X86:
        assert c["caller_mxcsr"] & (FTZ | DAZ) == 0  # Python's thread runs IEEE


def test_show_config_prints_every_field(capsys):
    agentnet.show_config()
    out = capsys.readouterr().out
    c = agentnet.get_config()
    for label in ("BLAS library", "BLAS version", "BLAS core", "core selection", "BLAS threads", "SIMD path",
                  "float mode", "CPU"):
        assert label in out
    assert c["blas"]["core"] in out and c["blas"]["version"] in out and c["simd"] in out


def test_benchmark_header_names_the_cpu_blas_core_and_float_mode():
    from agentnet._config import config_summary
    c = agentnet.get_config()
    line = config_summary()
    cpu = c["cpu"]
    assert line.startswith("CPU: ") and f"family {cpu['family']} model {cpu['model_number']}" in line
    assert f"BLAS core: {c['blas']['core']}" in line and "float mode: FTZ/DAZ on" in line


def test_set_num_threads_is_reported():
    agentnet.set_num_threads(2)
    try:
        assert agentnet.get_config()["blas"]["threads"] == 2
    finally:
        agentnet.set_num_threads(1)
    assert agentnet.get_config()["blas"]["threads"] == 1


def _config_in_subprocess(**env):
    """get_config() and a small product's result in a fresh interpreter with these environment variables."""
    code = ("import json, numpy as np, agentnet; from agentnet import tensor as T; "
            "a = T.matrix('a'); f = agentnet.function([a], T.dot(a, a)); "
            "m = np.arange(16, dtype=np.float32).reshape(4, 4) / 7; "
            "print(json.dumps([agentnet.get_config(), f(m).tolist(), (m @ m).tolist()]))")
    full = dict(os.environ)
    for k in ("OPENBLAS_CORETYPE", "AGENTNET_BLAS_SELECT", "AGENTNET_BLAS_SIMULATE_FALLBACK", "AGENTNET_BLAS_LIBRARY"):
        full.pop(k, None)
    full.update(env)
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True, check=True).stdout
    config, ours, numpys = json.loads(out.strip().splitlines()[-1])
    np.testing.assert_allclose(ours, numpys, rtol=1e-5)
    return config


def _best_family_level(config):
    return config["cpu"]["level"] in ("AVX2", "AVX-512")


@pytest.mark.skipif(not X86, reason="x86-64 kernel families")
def test_a_generic_core_is_replaced_by_the_cpus_family():
    c = _config_in_subprocess(AGENTNET_BLAS_SIMULATE_FALLBACK="Prescott")
    b = c["blas"]
    assert b["reported_core"] == "Prescott"
    if _best_family_level(c):
        assert b["auto_selected"] and b["core"] != "Prescott"
        assert "selected " + b["core"] in b["selection"]
    else:
        assert not b["auto_selected"]


@pytest.mark.skipif(not X86, reason="x86-64 kernel families")
def test_selection_can_be_turned_off_and_the_users_coretype_wins():
    off = _config_in_subprocess(AGENTNET_BLAS_SIMULATE_FALLBACK="Prescott", AGENTNET_BLAS_SELECT="0")["blas"]
    assert off["core"] == "Prescott" and not off["auto_selected"] and "off" in off["selection"]
    user = _config_in_subprocess(OPENBLAS_CORETYPE="Prescott", AGENTNET_BLAS_SIMULATE_FALLBACK="Nehalem")["blas"]
    assert user["core"] == "Prescott" and not user["auto_selected"]
    assert "OPENBLAS_CORETYPE=Prescott set by the user" == user["selection"]


def test_without_openblas_the_reference_gemm_gives_the_same_products():
    c = _config_in_subprocess(AGENTNET_BLAS_LIBRARY="none")
    assert c["blas"]["library"] is None and c["blas"]["core"] == "reference"


def test_loading_leaves_the_process_environment_unchanged():
    code = "import os, agentnet; agentnet.get_config(); print(repr((os.environ.get('OPENBLAS_NUM_THREADS'), os.environ.get('OPENBLAS_CORETYPE'))))"
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE")}
    env["AGENTNET_BLAS_SIMULATE_FALLBACK"] = "Prescott"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.strip() == "(None, None)"


# Flush-to-zero


@pytest.fixture
def flush_restored():
    yield
    agentnet.set_flush_denormal(True)


@pytest.mark.skipif(not X86, reason="MXCSR is x86-64's")
def test_a_denormal_flushes_inside_a_function_only_when_enabled(flush_restored):
    x, y = T.scalar("x"), T.scalar("y")
    f = agentnet.function([x, y], [x * y, x * 1.5])
    tiny = np.float32(1e-40)
    assert f(tiny, np.float32(1))[0] == 0 and f(tiny, np.float32(1))[1] == 0  # DAZ
    assert f(np.float32(1e-20), np.float32(1e-20))[0] == 0  # FTZ
    agentnet.set_flush_denormal(False)
    assert agentnet.get_config()["flush_denormal"] is False
    assert f(tiny, np.float32(1))[0] == tiny
    assert f(np.float32(1e-20), np.float32(1e-20))[0] == np.float32(1e-20) * np.float32(1e-20) != 0


@pytest.mark.skipif(not X86, reason="MXCSR is x86-64's")
def test_numpy_keeps_denormals_after_a_call_and_on_error():
    before = agentnet.get_config()["caller_mxcsr"]
    x = T.vector("x")
    f = agentnet.function([x], x * 2)
    f(np.full(3, 1e-39, np.float32))
    after = agentnet.get_config()["caller_mxcsr"]
    assert after & CONTROL == before & CONTROL and after & (FTZ | DAZ) == 0
    assert np.float32(1e-39) * np.float32(1) != 0
    assert np.float32(1e-20) * np.float32(1e-20) > 0
    with pytest.raises(agentnet.AgentNetError):
        f(np.array([np.nan, 1, 2], np.float32))  # fails inside the call (non-finite input check)
    assert agentnet.get_config()["caller_mxcsr"] & CONTROL == before & CONTROL
    assert np.float32(1e-20) * np.float32(1e-20) > 0


def test_set_flush_denormal_checks_its_argument(flush_restored):
    for bad in ("yes", 2, None, 0.5):
        with pytest.raises(TypeError, match="enabled"):
            agentnet.set_flush_denormal(bad)
    agentnet.set_flush_denormal(np.bool_(False))
    assert agentnet.get_config()["flush_denormal"] is False
    agentnet.set_flush_denormal(1)
    assert agentnet.get_config()["flush_denormal"] is True


def test_the_c_function_rejects_other_values():
    from agentnet._lib import lib, E_INVALID_ARGUMENT
    assert lib.agn_set_flush_denormal(5) == E_INVALID_ARGUMENT
    assert agentnet.get_config()["flush_denormal"] is True
