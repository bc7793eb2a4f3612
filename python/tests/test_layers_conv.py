"""Convolution and pooling: engine ops through agentnet.tensor.nnet and the Lasagne-style layers, against numpy
references written with direct loops (and scipy where available), plus finite-difference gradient checks."""
import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init, layers as L, nonlinearities as nl
from agentnet.tensor import nnet
from numeric import numeric_grad as _numeric_grad


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(1))


def _eval(expr):
    return agentnet.function([], expr)()


def _f32(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


# MARK: numpy references

def ref_conv2d(x, w, stride=(1, 1), pad=(0, 0), dilation=(1, 1), flip=True):
    """Direct loops over output positions (float64)."""
    x = x.astype(np.float64)
    w = w.astype(np.float64)
    if flip:
        w = w[:, :, ::-1, ::-1]
    B, C, H, W = x.shape
    F, _, kh, kw = w.shape
    xp = np.zeros((B, C, H + 2 * pad[0], W + 2 * pad[1]))
    xp[:, :, pad[0]:pad[0] + H, pad[1]:pad[1] + W] = x
    oh = (H + 2 * pad[0] - (kh - 1) * dilation[0] - 1) // stride[0] + 1
    ow = (W + 2 * pad[1] - (kw - 1) * dilation[1] - 1) // stride[1] + 1
    out = np.zeros((B, F, oh, ow))
    for i in range(oh):
        for j in range(ow):
            y0, x0 = i * stride[0], j * stride[1]
            patch = xp[:, :, y0:y0 + (kh - 1) * dilation[0] + 1:dilation[0], x0:x0 + (kw - 1) * dilation[1] + 1:dilation[1]]
            out[:, :, i, j] = np.einsum("bchw,fchw->bf", patch, w)
    return out


def ref_pool2d(x, ws, stride, pad, ignore_border, mode):
    """Theano's Pool.perform, written out: windows on the zero-padded input, clipped at its end."""
    x = x.astype(np.float64)
    H, W = x.shape[-2:]
    Hp, Wp = H + 2 * pad[0], W + 2 * pad[1]
    xp = np.zeros(x.shape[:-2] + (Hp, Wp))
    xp[..., pad[0]:pad[0] + H, pad[1]:pad[1] + W] = x

    def length(n, k, s, p):
        return nnet.pool_output_length(n, k, s, p, ignore_border)

    oh, ow = length(H, ws[0], stride[0], pad[0]), length(W, ws[1], stride[1], pad[1])
    out = np.zeros(x.shape[:-2] + (oh, ow))
    for r in range(oh):
        rs, re = r * stride[0], min(r * stride[0] + ws[0], Hp)
        if mode != "average_inc_pad":
            rs, re = max(rs, pad[0]), min(re, H + pad[0])
        for c in range(ow):
            cs, ce = c * stride[1], min(c * stride[1] + ws[1], Wp)
            if mode != "average_inc_pad":
                cs, ce = max(cs, pad[1]), min(ce, W + pad[1])
            win = xp[..., rs:re, cs:ce]
            if mode == "max":
                out[..., r, c] = win.max(axis=(-1, -2))
            elif mode == "sum":
                out[..., r, c] = win.sum(axis=(-1, -2))
            elif mode == "average_inc_pad" and ignore_border:
                out[..., r, c] = win.sum(axis=(-1, -2)) / (ws[0] * ws[1])
            else:
                out[..., r, c] = win.mean(axis=(-1, -2))
    return out


# MARK: T.nnet

def test_reference_matches_scipy_convolution():
    signal = pytest.importorskip("scipy.signal")
    x, w = _f32(1, 1, 6, 7), _f32(1, 1, 3, 2, seed=1)
    np.testing.assert_allclose(ref_conv2d(x, w)[0, 0], signal.convolve2d(x[0, 0], w[0, 0], mode="valid"), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ref_conv2d(x, w, flip=False)[0, 0], signal.correlate2d(x[0, 0], w[0, 0], mode="valid"),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(ref_conv2d(x, w, pad=(2, 1))[0, 0], signal.convolve2d(x[0, 0], w[0, 0], mode="full"),
                               rtol=1e-5, atol=1e-5)
    # and the engine agrees with scipy directly
    np.testing.assert_allclose(nnet.conv2d(x, w, border_mode="full")[0, 0], signal.convolve2d(x[0, 0], w[0, 0]),
                               rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(nnet.conv2d(x, w, filter_flip=False)[0, 0],
                               signal.correlate2d(x[0, 0], w[0, 0], mode="valid"), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("border_mode", ["valid", "full", "half", 1, (2, 0)])
@pytest.mark.parametrize("subsample", [(1, 1), (2, 3)])
@pytest.mark.parametrize("dilation", [(1, 1), (2, 1)])
@pytest.mark.parametrize("flip", [True, False])
def test_conv2d_eager_and_symbolic(border_mode, subsample, dilation, flip):
    x, w = _f32(3, 2, 9, 8), _f32(4, 2, 3, 2, seed=1)
    kh, kw = (3 - 1) * dilation[0] + 1, (2 - 1) * dilation[1] + 1
    pad = {"valid": (0, 0), "full": (kh - 1, kw - 1), "half": (kh // 2, kw // 2)}.get(border_mode, border_mode)
    pad = (pad, pad) if isinstance(pad, int) else pad
    expected = ref_conv2d(x, w, subsample, pad, dilation, flip)
    eager = nnet.conv2d(x, w, border_mode=border_mode, subsample=subsample, filter_flip=flip, filter_dilation=dilation)
    np.testing.assert_allclose(eager, expected, rtol=1e-4, atol=1e-4)
    # symbolic with unknown filter shape: 'full'/'half' resolved by the engine
    xv, wv = T.tensor4("x"), T.tensor4("w")
    y = nnet.conv2d(xv, wv, border_mode=border_mode, subsample=subsample, filter_flip=flip, filter_dilation=dilation)
    out = agentnet.function([xv, wv], y)(x, w)
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)


def test_conv2d_errors():
    x, w = _f32(1, 2, 5, 5), _f32(3, 4, 3, 3)
    with pytest.raises(ValueError, match="channels"):
        nnet.conv2d(x, w)
    with pytest.raises(ValueError, match="do not fit"):
        nnet.conv2d(_f32(1, 4, 2, 2), w)
    with pytest.raises(ValueError):
        nnet.conv2d(x, _f32(3, 2, 3, 3), subsample=(0, 1))
    with pytest.raises(ValueError):
        nnet.conv2d(x, _f32(3, 2, 3, 3), border_mode="bogus")
    with pytest.raises(ValueError):
        nnet.conv2d(_f32(2, 5, 5), _f32(3, 2, 3, 3))
    with pytest.raises(ValueError):
        nnet.pool_2d(x, (2, 2), ignore_border=True, pad=(2, 0))


@pytest.mark.parametrize("mode", ["max", "sum", "average_inc_pad", "average_exc_pad"])
@pytest.mark.parametrize("ws,stride,pad,ignore_border", [
    ((2, 2), None, (0, 0), True), ((2, 2), None, (0, 0), False), ((3, 2), (2, 1), (0, 0), False),
    ((3, 3), (2, 2), (1, 1), True), ((3, 2), (1, 2), (2, 1), True), ((2, 3), (3, 3), (0, 0), False)])
def test_pool2d_matches_reference(mode, ws, stride, pad, ignore_border):
    x = _f32(2, 3, 7, 6)
    out = nnet.pool_2d(x, ws, ignore_border=ignore_border, stride=stride, pad=pad, mode=mode)
    expected = ref_pool2d(x, ws, stride or ws, pad, ignore_border, mode)
    assert out.shape == expected.shape
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_pool2d_max_with_padding_ignores_pad_zeros():
    x = -np.abs(_f32(1, 1, 4, 4)) - 1
    out = nnet.pool_2d(x, (3, 3), ignore_border=True, stride=(2, 2), pad=(1, 1), mode="max")
    assert (out < 0).all()
    np.testing.assert_allclose(out, ref_pool2d(x, (3, 3), (2, 2), (1, 1), True, "max"), rtol=1e-6)


def test_pool2d_any_rank():
    x = _f32(2, 3, 4, 5, 6)
    out = nnet.pool_2d(x, (2, 2), ignore_border=False)
    np.testing.assert_allclose(out, ref_pool2d(x, (2, 2), (2, 2), (0, 0), False, "max"), rtol=1e-6)
    np.testing.assert_allclose(nnet.pool_2d(x[0, 0], (2, 3), ignore_border=True, mode="average_exc_pad"),
                               ref_pool2d(x[0, 0], (2, 3), (2, 3), (0, 0), True, "average_exc_pad"), rtol=1e-5)


# MARK: gradients

def _check_grads(build, values, eps=1e-2, tol=2e-2):
    """T.grad of sum(build(*vars) * R) against central differences for every input."""
    vars_ = [T.tensor(ndim=v.ndim, name=f"v{i}") for i, v in enumerate(values)]
    out = build(*vars_)
    shape = agentnet.function(vars_, out)(*values).shape
    R = np.float32(np.random.RandomState(7).randn(*shape))
    cost = T.sum(out * R)
    grads = T.grad(cost, vars_)
    analytic = agentnet.function(vars_, grads)(*values)
    f = agentnet.function(vars_, cost)
    for k, v in enumerate(values):
        def at(xk, k=k):
            args = list(values)
            args[k] = xk.astype(np.float32)
            return f(*args)
        numeric = _numeric_grad(at, v.astype(np.float64), eps)
        err = np.abs(numeric - analytic[k]) / np.maximum(1, np.abs(numeric))
        assert err.max() < tol, f"input {k}: max relative error {err.max()}"


@pytest.mark.parametrize("border_mode,subsample,dilation,flip", [
    ("valid", (1, 1), (1, 1), True), ("full", (2, 1), (1, 1), False), ("half", (1, 2), (2, 1), True),
    ((1, 2), (2, 2), (1, 2), False)])
def test_conv2d_gradients(border_mode, subsample, dilation, flip):
    x, w = _f32(2, 2, 6, 5), _f32(3, 2, 3, 2, seed=1)
    _check_grads(lambda a, b: nnet.conv2d(a, b, border_mode=border_mode, subsample=subsample, filter_flip=flip,
                                          filter_dilation=dilation), [x, w])


def test_conv2d_second_derivative():
    # d/dw of ||d cost / dx||^2: goes through the gradient ops' own gradients.
    x, w = _f32(1, 2, 5, 5) * 0.3, _f32(2, 2, 3, 3, seed=1) * 0.3
    _check_grads(lambda a, b: T.sum(T.square(T.grad(T.sum(T.square(nnet.conv2d(a, b, border_mode=1))), a))),
                 [x, w], tol=5e-2)


@pytest.mark.parametrize("mode", ["max", "sum", "average_inc_pad", "average_exc_pad"])
@pytest.mark.parametrize("ws,stride,pad,ignore_border", [
    ((2, 2), None, (0, 0), False), ((3, 2), (2, 1), (1, 1), True), ((2, 3), (1, 1), (0, 0), True)])
def test_pool2d_gradients(mode, ws, stride, pad, ignore_border):
    # distinct values (no near-ties inside a window) so max pooling is differentiable at the point
    x = (np.random.RandomState(3).permutation(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) * 0.1 - 5).astype(np.float32)
    _check_grads(lambda a: nnet.pool_2d(a, ws, ignore_border=ignore_border, stride=stride, pad=pad, mode=mode), [x])


def test_max_pool_second_derivative_through_gradient():
    # out = d/da sum(pool(a) * g) = max_pool_grad(a, g): its own gradient w.r.t. g (a gather) and a (zero)
    a = (np.random.RandomState(4).permutation(36).reshape(1, 1, 6, 6) * 0.1).astype(np.float32)
    g = _f32(1, 1, 3, 3, seed=5)
    _check_grads(lambda x, y: T.grad(T.sum(nnet.pool_2d(x, (2, 2), ignore_border=True) * y), x), [a, g])


# MARK: layers

@pytest.mark.parametrize("pad", ["valid", "full", "same", 1, (2, 0)])
@pytest.mark.parametrize("stride", [1, (2, 3)])
@pytest.mark.parametrize("flip", [True, False])
@pytest.mark.parametrize("dilation", [1, (2, 1)])
def test_conv2d_layer_matches_reference(pad, stride, flip, dilation):
    l_in = L.InputLayer((None, 3, 10, 9))
    l = L.Conv2DLayer(l_in, 4, (3, 5), stride=stride, pad=pad, flip_filters=flip, filter_dilation=dilation,
                      nonlinearity=nl.tanh)
    W, b = _f32(4, 3, 3, 5, seed=2) * 0.3, _f32(4, seed=3)
    L.set_all_param_values(l, [W, b])
    x = _f32(2, 3, 10, 9, seed=4)
    out = agentnet.function([l_in.input_var], L.get_output(l))(x)
    s = (stride, stride) if isinstance(stride, int) else stride
    d = (dilation, dilation) if isinstance(dilation, int) else dilation
    k = ((3 - 1) * d[0] + 1, (5 - 1) * d[1] + 1)
    p = {"valid": (0, 0), "full": (k[0] - 1, k[1] - 1), "same": (k[0] // 2, k[1] // 2)}.get(pad, pad)
    p = (p, p) if isinstance(p, int) else p
    expected = np.tanh(ref_conv2d(x, W, s, p, d, flip) + b[None, :, None, None])
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert l.output_shape == (None,) + out.shape[1:]


def test_conv2d_layer_untie_biases_and_no_bias():
    l_in = L.InputLayer((None, 2, 6, 6))
    l = L.Conv2DLayer(l_in, 3, 3, pad="same", untie_biases=True, nonlinearity=None)
    assert l.b.get_value().shape == (3, 6, 6)
    W, b = _f32(3, 2, 3, 3, seed=1), _f32(3, 6, 6, seed=2)
    L.set_all_param_values(l, [W, b])
    x = _f32(2, 2, 6, 6, seed=3)
    out = agentnet.function([l_in.input_var], L.get_output(l))(x)
    np.testing.assert_allclose(out, ref_conv2d(x, W, pad=(1, 1)) + b[None], rtol=1e-4, atol=1e-4)
    l2 = L.Conv2DLayer(l_in, 3, 3, b=None)
    assert len(l2.get_params()) == 1 and "b=None" in repr(l2)
    assert l2.get_params(regularizable=True) == [l2.W]
    assert l.get_params(regularizable=False) == [l.b]


def test_conv_layer_errors_and_repr():
    l_in = L.InputLayer((None, 2, 6, 6))
    with pytest.raises(NotImplementedError):
        L.Conv2DLayer(l_in, 3, 4, pad="same")
    with pytest.raises(ValueError):
        L.Conv2DLayer(L.InputLayer((None, 2, 6)), 3, 3)
    with pytest.raises(ValueError):
        L.Conv1DLayer(l_in, 3, 3)
    with pytest.raises(ValueError):
        L.Conv2DLayer(l_in, 3, (3, 3, 3))
    with pytest.raises(ValueError):
        L.Conv2DLayer(l_in, 0, 3)
    with pytest.raises(ValueError):
        L.Conv2DLayer(l_in, 3, 3, pad="bogus")
    l = L.Conv2DLayer(l_in, 8, 3, stride=2, pad="full")
    assert repr(l) == "Conv2DLayer(num_filters=8, filter_size=(3, 3), stride=(2, 2), pad='full', nonlinearity=rectify) (None, 8, 4, 4)"
    assert l.W.get_value().shape == (8, 2, 3, 3)


@pytest.mark.parametrize("pad", ["valid", "full", "same", 2])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("flip", [True, False])
@pytest.mark.parametrize("dilation", [1, 2])
def test_conv1d_layer_matches_reference(pad, stride, flip, dilation):
    l_in = L.InputLayer((None, 3, 11))
    l = L.Conv1DLayer(l_in, 4, 3, stride=stride, pad=pad, flip_filters=flip, filter_dilation=dilation, nonlinearity=None)
    W, b = _f32(4, 3, 3, seed=2), _f32(4, seed=3)
    L.set_all_param_values(l, [W, b])
    x = _f32(2, 3, 11, seed=4)
    out = agentnet.function([l_in.input_var], L.get_output(l))(x)
    k = (3 - 1) * dilation + 1
    p = {"valid": 0, "full": k - 1, "same": k // 2}.get(pad, pad)
    expected = ref_conv2d(x[:, :, None], W[:, :, None], (1, stride), (0, p), (1, dilation), flip)[:, :, 0] + b[None, :, None]
    np.testing.assert_allclose(out, expected, rtol=1e-4, atol=1e-4)
    assert l.output_shape == (None,) + out.shape[1:]


def test_conv1d_gradients():
    x, w = _f32(2, 2, 7), _f32(3, 2, 3, seed=1)
    _check_grads(lambda a, b: nnet.conv1d(a, b, border_mode="half", subsample=2, filter_flip=False), [x, w])


@pytest.mark.parametrize("mode", ["max", "average_inc_pad", "average_exc_pad"])
@pytest.mark.parametrize("pool_size,stride,pad,ignore_border", [
    (2, None, 0, True), (2, None, 0, False), (3, 2, 1, True), ((3, 2), (1, 2), 0, False)])
def test_pool2d_layer_matches_reference(mode, pool_size, stride, pad, ignore_border):
    l_in = L.InputLayer((None, 3, 7, 8))
    l = L.Pool2DLayer(l_in, pool_size, stride=stride, pad=pad, ignore_border=ignore_border, mode=mode)
    x = _f32(2, 3, 7, 8)
    out = agentnet.function([l_in.input_var], L.get_output(l))(x)
    ws = (pool_size,) * 2 if isinstance(pool_size, int) else pool_size
    st = ws if stride is None else ((stride,) * 2 if isinstance(stride, int) else stride)
    expected = ref_pool2d(x, ws, st, (pad, pad), ignore_border, mode)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)
    assert l.output_shape == (None,) + out.shape[1:]


@pytest.mark.parametrize("size,pool,stride,expected", [
    (5, 2, None, 3), (6, 2, None, 3), (5, 3, 1, 3), (7, 3, 2, 3), (5, 3, 3, 2), (2, 3, 1, 1), (1, 2, None, 1),
    (8, 3, 2, 4)])
def test_pool_output_shape_without_ignore_border(size, pool, stride, expected):
    l = L.MaxPool2DLayer(L.InputLayer((None, 2, size, size)), pool, stride=stride, ignore_border=False)
    assert l.output_shape == (None, 2, expected, expected)
    out = _eval(L.get_output(l, _f32(1, 2, size, size)))
    assert out.shape == (1, 2, expected, expected)


def test_maxpool_layers_and_1d():
    l = L.MaxPool2DLayer(L.InputLayer((None, 2, 6, 6)), 2)
    assert repr(l) == "MaxPool2DLayer(pool_size=(2, 2)) (None, 2, 3, 3)"
    l1 = L.MaxPool1DLayer(L.InputLayer((None, 2, 7)), 3, stride=2, ignore_border=False)
    x = _f32(3, 2, 7)
    out = _eval(L.get_output(l1, x))
    assert out.shape == (3, 2, 3) == (3,) + l1.output_shape[1:]
    np.testing.assert_allclose(out, ref_pool2d(x[:, :, None], (1, 3), (1, 2), (0, 0), False, "max")[:, :, 0])
    la = L.Pool1DLayer(L.InputLayer((None, 2, 7)), 2, mode="average_exc_pad")
    np.testing.assert_allclose(_eval(L.get_output(la, x)), x[:, :, :6].reshape(3, 2, 3, 2).mean(-1), rtol=1e-6)
    with pytest.raises(ValueError):
        L.Pool2DLayer(L.InputLayer((None, 2, 6)), 2)
    with pytest.raises(ValueError):
        L.Pool2DLayer(L.InputLayer((None, 2, 6, 6)), 2, mode="median")
    with pytest.raises(ValueError):
        L.Pool2DLayer(L.InputLayer((None, 2, 6, 6)), 2, pad=2)
    with pytest.raises(NotImplementedError):
        L.Pool2DLayer(L.InputLayer((None, 2, 6, 6)), 3, pad=1, ignore_border=False)


def test_global_pool_layer():
    x = _f32(2, 3, 4, 5)
    l_in = L.InputLayer((None, 3, 4, 5))
    l = L.GlobalPoolLayer(l_in)
    assert l.output_shape == (None, 3)
    np.testing.assert_allclose(_eval(L.get_output(l, x)), x.mean(axis=(2, 3)), rtol=1e-5, atol=1e-6)
    lm = L.GlobalPoolLayer(l_in, pool_function=T.max)
    np.testing.assert_allclose(_eval(L.get_output(lm, x)), x.max(axis=(2, 3)))
    l1 = L.GlobalPoolLayer(L.InputLayer((None, 3, 7)), pool_function=T.sum)
    np.testing.assert_allclose(_eval(L.get_output(l1, x[:, :, 0])), x[:, :, 0].sum(-1), rtol=1e-5)
    with pytest.raises(ValueError):
        L.GlobalPoolLayer(L.InputLayer((None, 3)))


def test_atari_stack_shapes_and_training_step():
    l_in = L.InputLayer((None, 4, 84, 84))
    c1 = L.Conv2DLayer(l_in, 32, 8, stride=4)
    c2 = L.Conv2DLayer(c1, 64, 4, stride=2)
    c3 = L.Conv2DLayer(c2, 64, 3, stride=1)
    assert c1.output_shape == (None, 32, 20, 20)
    assert c2.output_shape == (None, 64, 9, 9)
    assert c3.output_shape == (None, 64, 7, 7)
    out = L.DenseLayer(c3, 6, nonlinearity=None)
    params = L.get_all_params(out, trainable=True)
    assert len(params) == 8
    x = np.random.RandomState(0).rand(2, 4, 84, 84).astype(np.float32)
    loss = T.mean(T.square(L.get_output(out)))
    grads = T.grad(loss, params)
    f = agentnet.function([l_in.input_var], [L.get_output(c3), loss] + grads)
    res = f(x)
    assert res[0].shape == (2, 64, 7, 7)
    assert all(g.shape == p.get_value().shape for g, p in zip(res[2:], params))
    assert all(np.isfinite(g).all() for g in res[2:])


def test_conv_layer_gradients_vs_finite_differences():
    l_in = L.InputLayer((None, 2, 5, 5))
    l = L.Conv2DLayer(l_in, 2, 3, stride=2, pad="full", nonlinearity=nl.tanh, untie_biases=True)
    lp = L.MaxPool2DLayer(l, 2, ignore_border=False)
    params = L.get_all_params(lp)
    values = [p.get_value() for p in params]
    x = _f32(2, 2, 5, 5, seed=5)
    cost = T.sum(L.get_output(lp) * _f32(2, 2, 2, 2, seed=6))
    grads = agentnet.function([l_in.input_var], T.grad(cost, params))(x)
    f = agentnet.function([l_in.input_var], cost)
    for p, v, g in zip(params, values, grads):
        def at(val, p=p, v=v):
            p.set_value(val.astype(np.float32))
            try:
                return f(x)
            finally:
                p.set_value(v)
        numeric = _numeric_grad(at, v.astype(np.float64), 1e-3)
        np.testing.assert_allclose(g, numeric, rtol=3e-2, atol=3e-2)
