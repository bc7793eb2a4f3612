import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init, layers as L, nonlinearities as nl


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(1))


def _run(expr, *args, inputs=()):
    return agentnet.function(list(inputs), expr)(*args)


def test_nonlinearities_eager():
    x = np.float32([-2.0, -0.5, 0.0, 1.5])
    np.testing.assert_allclose(nl.rectify(x), np.maximum(x, 0))
    np.testing.assert_allclose(nl.leaky_rectify(x), np.where(x > 0, x, 0.01 * x), rtol=1e-6)
    np.testing.assert_allclose(nl.LeakyRectify(0.1)(x), np.where(x > 0, x, 0.1 * x), rtol=1e-6)
    np.testing.assert_allclose(nl.sigmoid(x), 1 / (1 + np.exp(-x)), rtol=1e-5)
    np.testing.assert_allclose(nl.tanh(x), np.tanh(x), rtol=1e-5)
    np.testing.assert_allclose(nl.ScaledTanH(2 / 3, 1.7159)(x), 1.7159 * np.tanh(2 * x / 3), rtol=1e-5)
    np.testing.assert_allclose(nl.elu(x), np.where(x > 0, x, np.exp(x) - 1), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(nl.softplus(x), np.log1p(np.exp(x)), rtol=1e-5)
    s = nl.softmax(np.float32([[1, 2, 3], [0, 0, 0]]))
    np.testing.assert_allclose(s.sum(axis=1), 1, rtol=1e-6)
    assert nl.linear(x) is x and nl.identity(x) is x


def test_input_layer():
    l = L.InputLayer((None, 3, 5), name="x")
    assert l.input_var.ndim == 3 and l.output_shape == (None, 3, 5)
    assert l.input_var.static_shape == (None, 3, 5)
    v = T.matrix("m")
    assert L.InputLayer((None, 4), input_var=v).input_var is v
    with pytest.raises(ValueError):
        L.InputLayer((None, 4, 2), input_var=v)
    with pytest.raises(ValueError):
        L.InputLayer((None, 0))


def test_dense_matches_numpy_and_repr():
    l_in = L.InputLayer((None, 5))
    l = L.DenseLayer(l_in, 3, nonlinearity=nl.tanh)
    assert repr(l) == "DenseLayer(num_units=3, nonlinearity=tanh) (None, 3)"
    W = np.random.RandomState(0).randn(5, 3).astype(np.float32)
    b = np.float32([0.1, -0.2, 0.3])
    L.set_all_param_values(l, [W, b])
    x = np.random.RandomState(1).randn(7, 5).astype(np.float32)
    out = _run(L.get_output(l), x, inputs=[l_in.input_var])
    np.testing.assert_allclose(out, np.tanh(x @ W + b), rtol=1e-5, atol=1e-6)
    # numpy array as the input
    out2 = _run(L.get_output(l, x))
    np.testing.assert_allclose(out2, out, rtol=1e-6)
    # dict inputs with a different variable
    y = T.matrix("y")
    out3 = _run(L.get_output(l, {l_in: y}), x, inputs=[y])
    np.testing.assert_allclose(out3, out, rtol=1e-6)


def test_dense_flattens_and_leading_axes():
    l_in = L.InputLayer((None, 4, 3))
    l = L.DenseLayer(l_in, 6, nonlinearity=None)
    assert l.W.get_value().shape == (12, 6) and l.output_shape == (None, 6)
    x = np.random.randn(2, 4, 3).astype(np.float32)
    W, b = L.get_all_param_values(l)
    np.testing.assert_allclose(_run(L.get_output(l, x)), x.reshape(2, 12) @ W + b, rtol=1e-5, atol=1e-5)

    l2 = L.DenseLayer(l_in, 6, num_leading_axes=2, nonlinearity=nl.rectify)
    assert l2.output_shape == (None, 4, 6) and l2.W.get_value().shape == (3, 6)
    W = np.random.randn(3, 6).astype(np.float32)
    b = np.random.randn(6).astype(np.float32)
    L.set_all_param_values(l2, [W, b])
    np.testing.assert_allclose(_run(L.get_output(l2, x)), np.maximum(x @ W + b, 0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="num_leading_axes"):
        L.DenseLayer(l_in, 6, num_leading_axes=3)
    with pytest.raises(ValueError, match="fixed input shape"):
        L.DenseLayer(L.InputLayer((None, None)), 6)


def test_params_tags_and_count():
    l_in = L.InputLayer((None, 4))
    h = L.DenseLayer(l_in, 64, name="hid")
    o = L.DenseLayer(h, 2, nonlinearity=None)
    params = L.get_all_params(o)
    assert params == [h.W, h.b, o.W, o.b]
    assert h.W.name.endswith("hid.W") or h.W._given_name == "hid.W"
    assert L.get_all_params(o, trainable=True) == params
    assert L.get_all_params(o, regularizable=True) == [h.W, o.W]
    assert L.get_all_params(o, regularizable=False) == [h.b, o.b]
    assert L.count_params(o) == 4 * 64 + 64 + 64 * 2 + 2
    assert L.count_params(o, regularizable=True) == 4 * 64 + 64 * 2
    assert L.get_all_layers(o) == [l_in, h, o]
    assert L.get_output_shape(o) == (None, 2)
    assert L.get_output_shape(o, (10, 4)) == (10, 2)
    with pytest.raises(ValueError, match="unknown parameter tag"):
        L.get_all_params(o, trainabel=True)
    # custom tags and untrainable params
    lay = L.DenseLayer(l_in, 3, b=None)
    lay.add_param(init.Constant(1.0), (3,), name="gamma", trainable=False, special=True)
    assert len(lay.get_params(trainable=True)) == 1 and len(lay.get_params(special=True)) == 1
    assert lay.b is None


def test_add_param_specs():
    l_in = L.InputLayer((None, 2))
    W = agentnet.shared(np.ones((2, 3), np.float32), name="shared_W")
    l = L.DenseLayer(l_in, 3, W=W, b=np.float32([1, 2, 3]))
    assert l.W is W
    np.testing.assert_array_equal(l.b.get_value(), [1, 2, 3])
    l2 = L.DenseLayer(l_in, 3, W=lambda shape: np.zeros(shape))
    assert l2.W.get_value().dtype == np.float32
    with pytest.raises(ValueError, match="shape"):
        L.DenseLayer(l_in, 3, W=np.ones((3, 3), np.float32))
    with pytest.raises(ValueError, match="shape"):
        L.DenseLayer(l_in, 4, W=W)
    with pytest.raises(TypeError):
        L.DenseLayer(l_in, 3, W="glorot")


def test_bad_inputs():
    l_in = L.InputLayer((None, 4))
    with pytest.raises(ValueError, match="num_units"):
        L.DenseLayer(l_in, 0)
    with pytest.raises(ValueError, match="num_units"):
        L.DenseLayer(l_in, -3)
    with pytest.raises(TypeError):
        L.DenseLayer(l_in, 2.5)
    l = L.DenseLayer(l_in, 3)
    before = L.get_all_param_values(l)
    with pytest.raises(ValueError, match="mismatch: got 1 values to set 2 parameters"):
        L.set_all_param_values(l, [np.zeros((4, 3))])
    with pytest.raises(ValueError, match=r"shape \(4, 3\) but value to set has shape \(3, 4\)"):
        L.set_all_param_values(l, [np.zeros((3, 4)), np.zeros(3)])
    for a, b in zip(before, L.get_all_param_values(l)):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="multiple input layers"):
        m = MergeSum([L.InputLayer((None, 4)), L.InputLayer((None, 4))])
        L.get_output(m, np.zeros((2, 4)))
    with pytest.raises(TypeError):
        L.DenseLayer("not a layer", 3)


class MergeSum(L.MergeLayer):
    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]

    def get_output_for(self, inputs, **kwargs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


def test_merge_layer_and_dict_inputs():
    a, b = L.InputLayer((None, 3)), L.InputLayer((None, 3))
    m = MergeSum([a, b])
    d = L.DenseLayer(m, 2, nonlinearity=None)
    assert L.get_all_layers(d) == [a, b, m, d]
    xa, xb = np.ones((2, 3), np.float32), 2 * np.ones((2, 3), np.float32)
    W, bias = L.get_all_param_values(d)
    out = _run(L.get_output(d, {a: xa, b: xb}))
    np.testing.assert_allclose(out, (xa + xb) @ W + bias, rtol=1e-5)
    # substituting an intermediate layer's output
    out = _run(L.get_output(d, {m: np.zeros((2, 3), np.float32)}))
    np.testing.assert_allclose(out, np.broadcast_to(bias, (2, 2)), rtol=1e-6)
    outs = L.get_output([m, d], {a: xa, b: xb}, deterministic=True)
    assert len(outs) == 2
    with pytest.warns(UserWarning, match="unused kwargs"):
        L.get_output(d, {a: xa, b: xb}, bogus=1)


def test_mlp_sgd_reduces_mse():
    rng = np.random.RandomState(0)
    X = rng.randn(256, 4).astype(np.float32)
    Y = np.stack([np.sin(X[:, 0]) + X[:, 1] * X[:, 2], np.cos(X[:, 3])], axis=1).astype(np.float32)
    l_in = L.InputLayer((None, 4))
    h = L.DenseLayer(l_in, 64)
    o = L.DenseLayer(h, 2, nonlinearity=None)
    target = T.matrix("y")
    loss = T.mean(T.square(L.get_output(o) - target))
    params = L.get_all_params(o, trainable=True)
    grads = T.grad(loss, params)
    updates = [(p, p - 0.05 * g) for p, g in zip(params, grads)]
    train = agentnet.function([l_in.input_var, target], loss, updates=updates)
    evaluate = agentnet.function([l_in.input_var, target], loss)
    start = evaluate(X, Y)
    for _ in range(300):
        train(X, Y)
    end = evaluate(X, Y)
    assert end < 0.5 * start, (start, end)


def test_grad_wrt_W_matches_finite_differences():
    l_in = L.InputLayer((None, 3))
    l = L.DenseLayer(l_in, 4, nonlinearity=nl.tanh)
    x = np.random.RandomState(2).randn(5, 3).astype(np.float32)
    cost = T.sum(L.get_output(l))
    g = agentnet.function([l_in.input_var], T.grad(cost, l.W))(x)
    f = agentnet.function([l_in.input_var], cost)
    W0 = l.W.get_value().astype(np.float64)
    num = np.zeros_like(W0)
    eps = 1e-2
    for i in range(W0.shape[0]):
        for j in range(W0.shape[1]):
            Wp, Wm = W0.copy(), W0.copy()
            Wp[i, j] += eps
            Wm[i, j] -= eps
            l.W.set_value(Wp)
            fp = float(f(x))
            l.W.set_value(Wm)
            fm = float(f(x))
            num[i, j] = (fp - fm) / (2 * eps)
    l.W.set_value(W0)
    np.testing.assert_allclose(g, num, rtol=2e-2, atol=2e-3)


def test_nonlinearity_layer():
    l_in = L.InputLayer((None, 3))
    l = L.NonlinearityLayer(l_in, nl.softmax)
    assert repr(l) == "NonlinearityLayer(nonlinearity=softmax) (None, 3)"
    x = np.float32([[1, 2, 3]])
    e = np.exp(x - x.max())
    np.testing.assert_allclose(_run(L.get_output(l, x)), e / e.sum(), rtol=1e-5)
    assert L.get_all_params(l) == []
