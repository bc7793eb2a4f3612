"""agentnet.objectives against numpy references, eager and compiled."""
import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import objectives as O

rng = np.random.RandomState(0)


def _probs(n, c):
    p = rng.rand(n, c).astype(np.float32) + 0.05
    return p / p.sum(axis=1, keepdims=True)


def _compiled(fn, *arrays, kinds=None):
    kinds = kinds or [None] * len(arrays)
    inputs = []
    for a, k in zip(arrays, kinds):
        if k is not None:
            inputs.append(k())
        else:
            inputs.append(T.tensor("int32" if a.dtype.kind in "iu" else "float32", ndim=a.ndim))
    return agentnet.function(inputs, fn(*inputs))(*arrays)


def test_squared_error():
    a, b = rng.randn(5, 4).astype(np.float32), rng.randn(5, 4).astype(np.float32)
    ref = (a - b) ** 2
    np.testing.assert_allclose(O.squared_error(a, b), ref, rtol=1e-6)
    np.testing.assert_allclose(_compiled(O.squared_error, a, b), ref, rtol=1e-6)


def test_squared_error_aligns_column_predictions():
    a, b = rng.randn(5, 1).astype(np.float32), rng.randn(5).astype(np.float32)
    ref = (a - b[:, None]) ** 2
    out = O.squared_error(a, b)
    assert out.shape == (5, 1)
    np.testing.assert_allclose(out, ref, rtol=1e-6)
    A = T.matrix(shape=(None, 1))
    B = T.vector()
    np.testing.assert_allclose(agentnet.function([A, B], O.squared_error(A, B))(a, b), ref, rtol=1e-6)


def test_binary_crossentropy():
    p = rng.uniform(0.05, 0.95, size=(6, 3)).astype(np.float32)
    t = (rng.rand(6, 3) > 0.5).astype(np.float32)
    ref = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(O.binary_crossentropy(p, t), ref, rtol=1e-5)
    np.testing.assert_allclose(_compiled(O.binary_crossentropy, p, t), ref, rtol=1e-5)


def test_categorical_crossentropy_indices():
    p = _probs(7, 4)
    t = rng.randint(0, 4, size=7).astype(np.int32)
    ref = -np.log(p[np.arange(7), t])
    np.testing.assert_allclose(O.categorical_crossentropy(p, t), ref, rtol=1e-5)
    np.testing.assert_allclose(_compiled(O.categorical_crossentropy, p, t), ref, rtol=1e-5)
    # int64 targets from numpy are accepted
    np.testing.assert_allclose(O.categorical_crossentropy(p, t.astype(np.int64)), ref, rtol=1e-5)


def test_categorical_crossentropy_onehot_and_soft():
    p = _probs(7, 4)
    t = rng.randint(0, 4, size=7)
    onehot = np.eye(4, dtype=np.float32)[t]
    ref = -np.log(p[np.arange(7), t])
    np.testing.assert_allclose(O.categorical_crossentropy(p, onehot), ref, rtol=1e-5)
    np.testing.assert_allclose(_compiled(O.categorical_crossentropy, p, onehot), ref, rtol=1e-5)
    soft = _probs(7, 4)
    ref_soft = -(soft * np.log(p)).sum(axis=1)
    np.testing.assert_allclose(_compiled(O.categorical_crossentropy, p, soft), ref_soft, rtol=1e-5)


def test_categorical_crossentropy_mixed_symbolic_numpy():
    p = _probs(5, 3)
    t = rng.randint(0, 3, size=5).astype(np.int32)
    P = T.matrix()
    out = agentnet.function([P], O.categorical_crossentropy(P, t))(p)
    np.testing.assert_allclose(out, -np.log(p[np.arange(5), t]), rtol=1e-5)


def test_categorical_crossentropy_gradient():
    p = _probs(5, 3)
    t = rng.randint(0, 3, size=5).astype(np.int32)
    P, Tt = T.matrix(), T.ivector()
    loss = O.aggregate(O.categorical_crossentropy(P, Tt), mode="sum")
    g = agentnet.function([P, Tt], T.grad(loss, P))(p, t)
    ref = np.zeros_like(p)
    ref[np.arange(5), t] = -1 / p[np.arange(5), t]
    np.testing.assert_allclose(g, ref, rtol=1e-5)


def test_categorical_crossentropy_bad_inputs():
    p = _probs(3, 2)
    with pytest.raises(TypeError):
        O.categorical_crossentropy(p, np.float32([0, 1, 1]))
    with pytest.raises(ValueError):
        O.categorical_crossentropy(p, np.zeros((3, 2, 1), np.float32))
    with pytest.raises(ValueError):
        O.categorical_crossentropy(p[0], np.int32([0]))


@pytest.mark.parametrize("delta", [1, 0.5, 2.0])
def test_huber_loss(delta):
    p, t = rng.randn(8, 3).astype(np.float32) * 2, rng.randn(8, 3).astype(np.float32) * 2
    d = np.abs(t - p)
    ref = np.where(d <= delta, 0.5 * d ** 2, delta * (d - delta / 2))
    np.testing.assert_allclose(O.huber_loss(p, t, delta=delta), ref, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_compiled(lambda a, b: O.huber_loss(a, b, delta=delta), p, t), ref, rtol=1e-5, atol=1e-6)


def test_huber_loss_default_delta():
    out = O.huber_loss(np.float32([0, 1, 3]), np.float32([0.5, -1, 3.2]))
    np.testing.assert_allclose(out, [0.125, 1.5, 0.02], rtol=1e-5)


def test_aggregate_modes():
    loss = rng.rand(4, 3).astype(np.float32)
    w = rng.rand(4, 3).astype(np.float32)
    np.testing.assert_allclose(O.aggregate(loss), loss.mean(), rtol=1e-6)
    np.testing.assert_allclose(O.aggregate(loss, mode="sum"), loss.sum(), rtol=1e-6)
    np.testing.assert_allclose(O.aggregate(loss, w), (loss * w).mean(), rtol=1e-6)
    np.testing.assert_allclose(O.aggregate(loss, w, mode="sum"), (loss * w).sum(), rtol=1e-6)
    np.testing.assert_allclose(O.aggregate(loss, w, mode="normalized_sum"), (loss * w).sum() / w.sum(), rtol=1e-6)


def test_aggregate_compiled_with_row_weights():
    loss = rng.rand(6).astype(np.float32)
    mask = np.float32([1, 1, 0, 1, 0, 1])
    L, M = T.vector(), T.vector()
    f = agentnet.function([L, M], [O.aggregate(L, M, "mean"), O.aggregate(L, M, "sum"),
                                   O.aggregate(L, M, "normalized_sum"), O.aggregate(L)])
    mean, total, norm, plain = f(loss, mask)
    np.testing.assert_allclose(mean, (loss * mask).mean(), rtol=1e-6)
    np.testing.assert_allclose(total, (loss * mask).sum(), rtol=1e-6)
    np.testing.assert_allclose(norm, (loss * mask).sum() / mask.sum(), rtol=1e-6)
    np.testing.assert_allclose(plain, loss.mean(), rtol=1e-6)
    assert np.ndim(mean) == 0


def test_aggregate_errors():
    loss = np.float32([1, 2])
    with pytest.raises(ValueError, match="mode"):
        O.aggregate(loss, mode="median")
    with pytest.raises(ValueError, match="weights"):
        O.aggregate(loss, mode="normalized_sum")
