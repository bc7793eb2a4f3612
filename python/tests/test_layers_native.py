"""Built-in layers are computed by the engine's layer implementations; bad layer specs fail with clear errors."""
import numpy as np
import pytest

import agentnet
from agentnet import layers as L, nonlinearities
from agentnet.layers.native import EngineLayer


def test_dense_layer_runs_in_the_engine_and_matches_numpy():
    inp = L.InputLayer((None, 3, 2))
    dense = L.DenseLayer(inp, 4, nonlinearity=nonlinearities.tanh, name="d")
    assert dense._engine_layer is not None
    assert repr(dense._engine_layer) == "DenseLayer(num_units=4, nonlinearity=tanh) (?, 4)"
    w = np.random.default_rng(0).normal(size=(6, 4)).astype(np.float32)
    b = np.arange(4, dtype=np.float32)
    L.set_all_param_values(dense, [w, b])
    x = np.random.default_rng(1).normal(size=(5, 3, 2)).astype(np.float32)
    out = agentnet.function([inp.input_var], L.get_output(dense))(x)
    np.testing.assert_allclose(out, np.tanh(x.reshape(5, 6) @ w + b), rtol=1e-5, atol=1e-6)


def test_python_only_nonlinearity_is_applied_after_the_engine_layer():
    inp = L.InputLayer((None, 2))
    dense = L.DenseLayer(inp, 3, nonlinearity=nonlinearities.LeakyRectify(0.2))
    w = -np.ones((2, 3), np.float32)
    L.set_all_param_values(dense, [w, np.zeros(3, np.float32)])
    out = agentnet.function([inp.input_var], L.get_output(dense))(np.ones((1, 2), np.float32))
    np.testing.assert_allclose(out, [[-0.4, -0.4, -0.4]], rtol=1e-6)


def test_unknown_layer_kind_and_malformed_attributes():
    with pytest.raises(ValueError, match="unknown layer kind 'Conv9DLayer'"):
        EngineLayer("Conv9DLayer", [(None, 3)])
    with pytest.raises(ValueError, match="num_units"):
        EngineLayer("DenseLayer", [(None, 3)], num_units="many")
    with pytest.raises(ValueError, match="num_units must be positive"):
        EngineLayer("DenseLayer", [(None, 3)], num_units=0)
    with pytest.raises(ValueError, match="unknown nonlinearity"):
        EngineLayer("DenseLayer", [(None, 3)], num_units=2, nonlinearity="swish9")
    with pytest.raises(ValueError, match="unknown initializer"):
        EngineLayer("DenseLayer", [(None, 3)], num_units=2, W={"kind": "Magic"})
    wrong = agentnet.shared(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="must have shape"):
        EngineLayer("DenseLayer", [(None, 3)], num_units=2, W={"shared": wrong.shared_handle})
    with pytest.raises(agentnet.AgentNetError, match="not a live object"):
        EngineLayer("DenseLayer", [(None, 3)], num_units=2, W={"shared": 10**9})


def test_engine_initializers_and_wrong_input_shape():
    layer = EngineLayer("DenseLayer", [(None, 50)], num_units=40, W={"kind": "GlorotUniform"})
    shape, n = layer.info()
    assert shape == (None, 40) and n == 2
    x = agentnet.tensor.matrix("x", shape=(None, 7))
    with pytest.raises(ValueError, match="does not fit the declared"):
        layer.output([x])


def test_engine_layer_parameters_carry_names_and_lasagne_tags():
    import ctypes
    import json
    from agentnet._lib import lib, check, release
    layer = EngineLayer("DenseLayer", [(None, 3)], num_units=2, name="dense")
    infos = []
    for i in range(2):
        h, text = ctypes.c_int64(), ctypes.c_char_p()
        check(lib.agn_layer_param(layer.handle, i, ctypes.byref(h), ctypes.byref(text)))
        infos.append(json.loads(text.value))
        release(h.value)
    assert infos == [{"name": "dense.W", "tags": ["regularizable", "trainable"]}, {"name": "dense.b", "tags": ["trainable"]}]
    with pytest.raises(ValueError, match="out of range"):
        check(lib.agn_layer_param(layer.handle, 5, ctypes.byref(ctypes.c_int64()), ctypes.byref(ctypes.c_char_p())))
