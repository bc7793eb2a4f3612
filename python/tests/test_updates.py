"""agentnet.updates: training a small linear regression, exact steps against numpy references, norm constraints."""
from collections import OrderedDict

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import updates as U

rng = np.random.RandomState(42)
X_DATA = rng.randn(64, 5).astype(np.float32)
W_TRUE = rng.randn(5, 2).astype(np.float32)
Y_DATA = (X_DATA @ W_TRUE + 0.5).astype(np.float32)
W0 = (rng.randn(5, 2) * 0.1).astype(np.float32)


def _model():
    W = agentnet.shared(W0.copy(), name="W")
    b = agentnet.shared(np.zeros(2, np.float32), name="b")
    X, Y = T.matrix("X"), T.matrix("Y")
    loss = T.mean(T.square(T.dot(X, W) + b - Y))
    return W, b, X, Y, loss


def _np_grads(W, b):
    """Gradients of mean((XW + b - Y)**2) in float64."""
    X, Y = X_DATA.astype(np.float64), Y_DATA.astype(np.float64)
    r = X @ W + b - Y
    n = r.size
    return [2 * X.T @ r / n, 2 * r.sum(axis=0) / n]


OPTIMIZERS = {
    "sgd": lambda l, p: U.sgd(l, p, learning_rate=0.1),
    "momentum": lambda l, p: U.momentum(l, p, learning_rate=0.02, momentum=0.9),
    "nesterov_momentum": lambda l, p: U.nesterov_momentum(l, p, learning_rate=0.02, momentum=0.9),
    "adagrad": lambda l, p: U.adagrad(l, p, learning_rate=0.5),
    "rmsprop": lambda l, p: U.rmsprop(l, p, learning_rate=0.01),
    "adadelta": lambda l, p: U.adadelta(l, p, learning_rate=1.0),
    "adam": lambda l, p: U.adam(l, p, learning_rate=0.05),
    "adamax": lambda l, p: U.adamax(l, p, learning_rate=0.05),
}


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_reduces_loss(name):
    W, b, X, Y, loss = _model()
    updates = OPTIMIZERS[name](loss, [W, b])
    assert isinstance(updates, OrderedDict)
    assert W in updates and b in updates
    train = agentnet.function([X, Y], loss, updates=updates)
    evaluate = agentnet.function([X, Y], loss)
    start = float(evaluate(X_DATA, Y_DATA))
    for _ in range(100):
        train(X_DATA, Y_DATA)
    end = float(evaluate(X_DATA, Y_DATA))
    assert np.isfinite(end)
    # adadelta is slow by design (its steps start at ~sqrt(epsilon)); the others should get far
    assert end < start * (0.9 if name == "adadelta" else 0.2), (name, start, end)


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
def test_optimizer_accepts_gradient_list(name):
    W, b, X, Y, loss = _model()
    grads = T.grad(loss, [W, b])
    updates = OPTIMIZERS[name](grads, [W, b])
    train = agentnet.function([X, Y], loss, updates=updates)
    first = float(train(X_DATA, Y_DATA))
    for _ in range(20):
        last = float(train(X_DATA, Y_DATA))
    assert last < first


def test_state_variables_are_float32_zeros_shaped_like_params():
    W, b, X, Y, loss = _model()
    updates = U.adam(loss, [W, b])
    state = [k for k in updates if k is not W and k is not b]
    assert len(state) == 5  # m, v for each param + t
    for s in state:
        v = s.get_value()
        assert v.dtype == np.float32
        assert not v.any()
    shapes = sorted(s.get_value().shape for s in state)
    assert shapes == sorted([(), (5, 2), (5, 2), (2,), (2,)])


def test_sgd_exact():
    W, b, X, Y, loss = _model()
    train = agentnet.function([X, Y], [], updates=U.sgd(loss, [W, b], learning_rate=0.1))
    w, bb = W0.astype(np.float64), np.zeros(2)
    for _ in range(3):
        train(X_DATA, Y_DATA)
        gw, gb = _np_grads(w, bb)
        w, bb = w - 0.1 * gw, bb - 0.1 * gb
    np.testing.assert_allclose(W.get_value(), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.get_value(), bb, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_exact_two_steps(nesterov):
    lr, mu = 0.05, 0.9
    W, b, X, Y, loss = _model()
    rule = U.nesterov_momentum if nesterov else U.momentum
    train = agentnet.function([X, Y], [], updates=rule(loss, [W, b], learning_rate=lr, momentum=mu))
    params = [W0.astype(np.float64), np.zeros(2)]
    vel = [np.zeros_like(p) for p in params]
    for _ in range(2):
        train(X_DATA, Y_DATA)
        grads = _np_grads(*params)
        for i, g in enumerate(grads):
            vel[i] = mu * vel[i] - lr * g
            if nesterov:
                params[i] = params[i] + mu * vel[i] - lr * g
            else:
                params[i] = params[i] + vel[i]
    np.testing.assert_allclose(W.get_value(), params[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(b.get_value(), params[1], rtol=1e-5, atol=1e-6)


def test_adam_matches_paper_three_steps():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    W, b, X, Y, loss = _model()
    updates = U.adam(loss, [W, b], learning_rate=lr, beta1=b1, beta2=b2, epsilon=eps)
    train = agentnet.function([X, Y], [], updates=updates)
    params = [W0.astype(np.float64), np.zeros(2)]
    m = [np.zeros_like(p) for p in params]
    v = [np.zeros_like(p) for p in params]
    for t in range(1, 4):
        train(X_DATA, Y_DATA)
        grads = _np_grads(*params)
        for i, g in enumerate(grads):
            # Kingma & Ba, Algorithm 1
            m[i] = b1 * m[i] + (1 - b1) * g
            v[i] = b2 * v[i] + (1 - b2) * g ** 2
            m_hat = m[i] / (1 - b1 ** t)
            v_hat = v[i] / (1 - b2 ** t)
            params[i] = params[i] - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(W.get_value(), params[0], rtol=1e-5, atol=1e-7)
        np.testing.assert_allclose(b.get_value(), params[1], rtol=1e-5, atol=1e-7)
    t_var = [k for k in updates if k.get_value().shape == ()][0]
    assert t_var.get_value() == 3


def test_adam_first_step_is_learning_rate_times_sign():
    W = agentnet.shared(np.float32([1.0, -2.0, 3.0]))
    X = T.vector()
    loss = T.sum(W * X)
    train = agentnet.function([X], [], updates=U.adam(loss, [W], learning_rate=0.1))
    train(np.float32([2.0, -0.5, 0.25]))
    np.testing.assert_allclose(W.get_value(), [0.9, -1.9, 2.9], rtol=1e-5)


def test_adagrad_rmsprop_adadelta_adamax_exact_two_steps():
    for name in ("adagrad", "rmsprop", "adadelta", "adamax"):
        W, b, X, Y, loss = _model()
        train = agentnet.function([X, Y], [], updates=OPTIMIZERS[name](loss, [W, b]))
        params = [W0.astype(np.float64), np.zeros(2)]
        s1 = [np.zeros_like(p) for p in params]
        s2 = [np.zeros_like(p) for p in params]
        for t in range(1, 3):
            train(X_DATA, Y_DATA)
            grads = _np_grads(*params)
            for i, g in enumerate(grads):
                if name == "adagrad":
                    s1[i] += g ** 2
                    params[i] = params[i] - 0.5 * g / np.sqrt(s1[i] + 1e-6)
                elif name == "rmsprop":
                    s1[i] = 0.9 * s1[i] + 0.1 * g ** 2
                    params[i] = params[i] - 0.01 * g / np.sqrt(s1[i] + 1e-6)
                elif name == "adadelta":
                    s1[i] = 0.95 * s1[i] + 0.05 * g ** 2
                    u = g * np.sqrt(s2[i] + 1e-6) / np.sqrt(s1[i] + 1e-6)
                    params[i] = params[i] - u
                    s2[i] = 0.95 * s2[i] + 0.05 * u ** 2
                else:
                    s1[i] = 0.9 * s1[i] + 0.1 * g
                    s2[i] = np.maximum(0.999 * s2[i], np.abs(g))
                    params[i] = params[i] - 0.05 / (1 - 0.9 ** t) * s1[i] / (s2[i] + 1e-8)
        np.testing.assert_allclose(W.get_value(), params[0], rtol=1e-4, atol=1e-6, err_msg=name)
        np.testing.assert_allclose(b.get_value(), params[1], rtol=1e-4, atol=1e-6, err_msg=name)


def test_shared_learning_rate():
    W, b, X, Y, loss = _model()
    lr = agentnet.shared(np.float32(0.0), name="lr")
    train = agentnet.function([X, Y], [], updates=U.sgd(loss, [W, b], learning_rate=lr))
    train(X_DATA, Y_DATA)
    np.testing.assert_array_equal(W.get_value(), W0)
    lr.set_value(np.float32(0.1))
    train(X_DATA, Y_DATA)
    assert not np.allclose(W.get_value(), W0)


def test_apply_momentum_on_subset_keeps_input_unchanged():
    W, b, X, Y, loss = _model()
    base = U.sgd(loss, [W, b], 0.1)
    keys = list(base)
    out = U.apply_momentum(base, params=[W], momentum=0.5)
    assert list(base) == keys  # not modified
    assert len(out) == 3 and out[b] is base[b]


def test_norm_constraint_matches_numpy():
    w = rng.randn(6, 4).astype(np.float32) * 2
    norms = np.sqrt((w ** 2).sum(axis=0, keepdims=True))
    ref = w * np.clip(norms, 0, 1.5) / (1e-7 + norms)
    np.testing.assert_allclose(U.norm_constraint(w, 1.5), ref, rtol=1e-5)
    Wv = T.matrix()
    np.testing.assert_allclose(agentnet.function([Wv], U.norm_constraint(Wv, 1.5))(w), ref, rtol=1e-5)
    # conv filters: all but the first axis
    f = rng.randn(3, 2, 4, 4).astype(np.float32)
    fn = np.sqrt((f ** 2).sum(axis=(1, 2, 3), keepdims=True))
    np.testing.assert_allclose(U.norm_constraint(f, 2.0), f * np.clip(fn, 0, 2.0) / (1e-7 + fn), rtol=1e-5)
    # explicit axes
    rn = np.sqrt((w ** 2).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(U.norm_constraint(w, 1.0, norm_axes=(1,)), w * np.clip(rn, 0, 1) / (1e-7 + rn), rtol=1e-5)
    with pytest.raises(ValueError, match="norm_axes"):
        U.norm_constraint(np.float32([1, 2]), 1.0)


def test_norm_constraint_on_updates():
    W, b, X, Y, loss = _model()
    updates = U.sgd(loss, [W, b], learning_rate=10.0)
    updates[W] = U.norm_constraint(updates[W], 0.5)
    agentnet.function([X, Y], [], updates=updates)(X_DATA, Y_DATA)
    assert np.all(np.sqrt((W.get_value() ** 2).sum(axis=0)) <= 0.5 + 1e-5)


def test_total_norm_constraint_matches_numpy():
    a = rng.randn(3, 4).astype(np.float32)
    c = rng.randn(5).astype(np.float32)
    norm = np.sqrt((a ** 2).sum() + (c ** 2).sum())
    mult = min(norm, 2.0) / (1e-7 + norm)
    out, n = U.total_norm_constraint([a, c], 2.0, return_norm=True)
    np.testing.assert_allclose(n, norm, rtol=1e-5)
    np.testing.assert_allclose(out[0], a * mult, rtol=1e-5)
    np.testing.assert_allclose(out[1], c * mult, rtol=1e-5)
    A, C = T.matrix(), T.vector()
    scaled = U.total_norm_constraint([A, C], 2.0)
    ra, rc = agentnet.function([A, C], scaled)(a, c)
    np.testing.assert_allclose(ra, a * mult, rtol=1e-5)
    np.testing.assert_allclose(rc, c * mult, rtol=1e-5)
    # below the limit nothing changes (up to epsilon)
    small = U.total_norm_constraint([a, c], 100.0)
    np.testing.assert_allclose(small[0], a, rtol=1e-5)


def test_total_norm_constraint_on_gradients_trains():
    W, b, X, Y, loss = _model()
    grads = U.total_norm_constraint(T.grad(loss, [W, b]), 1.0)
    train = agentnet.function([X, Y], loss, updates=U.adam(grads, [W, b], learning_rate=0.05))
    first = float(train(X_DATA, Y_DATA))
    for _ in range(50):
        last = float(train(X_DATA, Y_DATA))
    assert last < first


def test_bad_inputs():
    W, b, X, Y, loss = _model()
    with pytest.raises(ValueError, match="shared"):
        U.sgd(loss, [W, X], 0.1)
    with pytest.raises(ValueError, match="2 parameters"):
        U.sgd([T.grad(loss, W)], [W, b], 0.1)
    with pytest.raises(ValueError, match="scalar"):
        U.adam(T.dot(X, W), [W])
    with pytest.raises(TypeError):
        U.sgd(1.0, [W], 0.1)
    with pytest.raises(TypeError):
        U.sgd(loss, W, 0.1)
    with pytest.raises(TypeError):
        U.sgd(loss, [W], "fast")
    assert U.get_or_compute_grads([1, 2], [W, b]) == [1, 2]


@pytest.mark.parametrize("rule, kwargs, word", [
    (U.adam, {"beta1": 1.0}, "beta1"), (U.adam, {"beta2": -0.5}, "beta2"), (U.rmsprop, {"rho": 1.5}, "rho"),
    (U.adagrad, {"epsilon": -1e-6}, "epsilon"), (U.adadelta, {"learning_rate": float("inf")}, "learning_rate"),
    (U.momentum, {"learning_rate": 0.1, "momentum": -0.1}, "momentum"),
])
def test_hyperparameters_out_of_range_raise_value_error_naming_them(rule, kwargs, word):
    W, b, X, Y, loss = _model()
    with pytest.raises(ValueError, match=word):
        rule(loss, [W, b], **kwargs)


def test_state_is_named_after_the_parameter_in_lasagnes_order():
    W, b, X, Y, loss = _model()
    names = [k._given_name for k in U.adam(loss, [W, b])]
    assert names == ["W.m", "W.v", "W", "b.m", "b.v", "b", "adam.t"]
    assert [k._given_name for k in U.nesterov_momentum(loss, [W, b], 0.1)] == ["W", "b", "W.velocity", "b.velocity"]


def test_symbolic_momentum_and_apply_nesterov_on_a_subset():
    W, b, X, Y, loss = _model()
    mu = agentnet.shared(np.float32(0.9), name="mu")
    base = U.sgd(loss, [W, b], 0.05)
    out = U.apply_nesterov_momentum(base, params=[W], momentum=mu)
    keys = list(out)
    assert keys[0] is W and keys[1] is b and len(out) == 3 and out[b] is base[b]
    train = agentnet.function([X, Y], loss, updates=out)
    first = float(train(X_DATA, Y_DATA))
    for _ in range(30):
        last = float(train(X_DATA, Y_DATA))
    assert last < first
