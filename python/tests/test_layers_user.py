"""User-defined layers: subclassing Layer/MergeLayer with add_param and agentnet.tensor ops, as in Lasagne."""
import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init
from agentnet.agent import Recurrence
from agentnet.layers import (InputLayer, Layer, MergeLayer, get_all_param_values, get_all_params, get_output,
                             get_output_shape, set_all_param_values)


class ScaledTanh(Layer):
    """y = tanh(x * scale + shift) with a per-unit scale and a non-trainable shift."""

    def __init__(self, incoming, scale=init.Constant(2.0), **kwargs):
        super().__init__(incoming, **kwargs)
        n = self.input_shape[1]
        self.scale = self.add_param(scale, (n,), name="scale", special=True)
        self.shift = self.add_param(init.Constant(0.5), (n,), name="shift", trainable=False, regularizable=False)

    def get_output_for(self, input, **kwargs):
        return T.tanh(input * self.scale + self.shift)


class PairwiseProduct(MergeLayer):
    """[B, n] x [B, m] -> [B, n*m] outer products, flattened."""

    def get_output_shape_for(self, input_shapes):
        (b, n), (_, m) = input_shapes
        return (b, n * m)

    def get_output_for(self, inputs, **kwargs):
        a, c = inputs
        return T.reshape(a.dimshuffle(0, 1, "x") * c.dimshuffle(0, "x", 1), (a.shape[0], -1))


def test_user_layer_params_tags_and_output():
    l_in = InputLayer((None, 3))
    layer = ScaledTanh(l_in, name="st")
    assert [p.name for p in layer.get_params()] == ["st.scale", "st.shift"]
    assert [p.name for p in get_all_params(layer, trainable=True)] == ["st.scale"]
    assert [p.name for p in get_all_params(layer, special=True)] == ["st.scale"]
    assert [p.name for p in get_all_params(layer, regularizable=False)] == ["st.shift"]
    with pytest.raises(ValueError, match="unknown parameter tag"):
        get_all_params(layer, nonexistent=True)
    set_all_param_values(layer, [np.array([1, 2, 3], np.float32), np.zeros(3, np.float32)])
    x = np.random.RandomState(0).randn(4, 3).astype(np.float32)
    got = agentnet.function([l_in.input_var], get_output(layer))(x)
    np.testing.assert_allclose(got, np.tanh(x * [1, 2, 3]), rtol=1e-6)
    assert get_output_shape(layer, (7, 3)) == (7, 3)


def test_user_layer_gradient_matches_finite_differences():
    l_in = InputLayer((None, 3))
    layer = ScaledTanh(l_in)
    x = np.random.RandomState(1).randn(4, 3).astype(np.float32)
    loss = T.sum(get_output(layer) ** 2)
    g = agentnet.function([l_in.input_var], T.grad(loss, layer.scale))(x)
    f = agentnet.function([l_in.input_var], loss)
    v, eps = layer.scale.get_value(), 1e-2
    for i in range(3):
        up = v.copy(); up[i] += eps; layer.scale.set_value(up); a = f(x)
        dn = v.copy(); dn[i] -= eps; layer.scale.set_value(dn); b = f(x)
        layer.scale.set_value(v)
        np.testing.assert_allclose(g[i], (a - b) / (2 * eps), rtol=2e-2, atol=1e-3)


def test_user_merge_layer_matches_numpy():
    a, c = InputLayer((None, 2)), InputLayer((None, 3))
    layer = PairwiseProduct([a, c])
    assert layer.output_shape == (None, 6)
    x, y = np.arange(4, dtype=np.float32).reshape(2, 2), np.arange(6, dtype=np.float32).reshape(2, 3)
    got = agentnet.function([a.input_var, c.input_var], get_output(layer))(x, y)
    np.testing.assert_array_equal(got, np.einsum("bi,bj->bij", x, y).reshape(2, 6))


def test_user_layer_inside_recurrence():
    seq = InputLayer((None, 4, 3))
    x_t, h_prev = InputLayer((None, 3)), InputLayer((None, 3))
    from agentnet.layers import ElemwiseSumLayer
    h = ScaledTanh(ElemwiseSumLayer([x_t, h_prev]), name="cell")
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev})
    assert [p.name for p in rec.get_params()] == ["cell.scale", "cell.shift"]
    xs = np.random.RandomState(2).randn(2, 4, 3).astype(np.float32)
    got = agentnet.function([seq.input_var], get_output(rec[h]))(xs)
    hv, ref = np.zeros((2, 3), np.float32), []
    for t in range(4):
        hv = np.tanh((xs[:, t] + hv) * 2 + 0.5)
        ref.append(hv)
    np.testing.assert_allclose(got, np.stack(ref, 1), rtol=1e-5, atol=1e-6)
    assert len(get_all_param_values(rec[h])) == 2


def test_add_param_rejects_bad_specs():
    l_in = InputLayer((None, 3))
    with pytest.raises(ValueError, match=r"shape \(2,\), should be \(3,\)"):
        ScaledTanh(l_in, scale=np.ones(2, np.float32))
    with pytest.raises(ValueError, match="non-positive"):
        Layer(l_in).add_param(init.Normal(), (0, 3))
    with pytest.raises(TypeError):
        ScaledTanh(l_in, scale="big")
