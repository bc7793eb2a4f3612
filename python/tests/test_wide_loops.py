"""The engine's AVX2 sigmoid/tanh loops (taken at run time on CPUs that have AVX2) give exactly the results of the
baseline loops that ``AGENTNET_SIMD=baseline`` forces: each variant runs in its own process, since the choice is
made once per process."""
import os
import subprocess
import sys

import numpy as np

SCRIPT = r"""
import sys
import numpy as np
import agentnet, agentnet.tensor as T
x = T.vector()
f = agentnet.function([x], [T.sigmoid(x), T.tanh(x)], check_finite=False)
xs = np.concatenate([np.linspace(-100, 100, 20001, dtype=np.float32), np.arange(-40, 40, dtype=np.float32) / 64,
                     np.array([np.nan, np.inf, -np.inf, 1e-30, -1e-30, 0.625, -0.625], np.float32)])
np.save(sys.argv[1], np.stack(f(xs)).view(np.uint32))
"""


def run(tmp_path, name, env_extra):
    out = tmp_path / f"{name}.npy"
    env = dict(os.environ, **env_extra)
    subprocess.run([sys.executable, "-c", SCRIPT, str(out)], check=True, env=env)
    return np.load(out)


def test_wide_and_baseline_loops_agree_bit_for_bit(tmp_path):
    default = run(tmp_path, "default", {})
    baseline = run(tmp_path, "baseline", {"AGENTNET_SIMD": "baseline"})
    assert default.shape == baseline.shape
    np.testing.assert_array_equal(default, baseline)


def test_values_are_sigmoid_and_tanh(tmp_path):
    bits = run(tmp_path, "values", {})
    s, t = bits[0].view(np.float32), bits[1].view(np.float32)
    xs = np.linspace(-100, 100, 20001, dtype=np.float32).astype(np.float64)
    np.testing.assert_allclose(s[:20001], 1 / (1 + np.exp(-xs)), rtol=1e-6, atol=1e-37)
    np.testing.assert_allclose(t[:20001], np.tanh(xs), rtol=1e-6, atol=1e-37)
