import numpy as np
import pytest

from agentnet import init


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(0))


def test_constant():
    a = init.Constant(3.5)((2, 3))
    assert a.dtype == np.float32 and a.shape == (2, 3) and np.all(a == 3.5)
    assert np.all(init.Constant()((4,)) == 0)


def test_normal_and_uniform():
    a = init.Normal(std=0.5, mean=1.0).sample((200, 200))
    assert a.dtype == np.float32 and a.shape == (200, 200)
    assert abs(a.mean() - 1.0) < 0.01 and abs(a.std() - 0.5) < 0.01
    u = init.Uniform(range=0.2)((200, 200))
    assert u.min() >= -0.2 and u.max() <= 0.2 and abs(u.std() - 0.2 / np.sqrt(3)) < 0.002
    u = init.Uniform(range=(1.0, 2.0))((1000,))
    assert u.min() >= 1.0 and u.max() <= 2.0
    u = init.Uniform(std=0.3, mean=0.5)((300, 300))
    assert abs(u.std() - 0.3) < 0.005 and abs(u.mean() - 0.5) < 0.005


def test_glorot():
    shape = (300, 500)
    u = init.GlorotUniform()(shape)
    a = np.sqrt(6.0 / 800)
    assert u.dtype == np.float32 and u.min() >= -a and u.max() <= a
    assert abs(u.std() - np.sqrt(2.0 / 800)) < 1e-3
    n = init.GlorotNormal(gain="relu")(shape)
    assert abs(n.std() - np.sqrt(2) * np.sqrt(2.0 / 800)) < 1e-3
    # conv receptive field: fan_in = 16*9, fan_out = 32*9
    c = init.GlorotNormal()((32, 16, 3, 3))
    assert abs(c.std() - np.sqrt(2.0 / (48 * 9))) < 2e-3
    # c01b: fan_in = shape[0]*rows*cols, fan_out = shape[3]*rows*cols
    c = init.GlorotNormal(c01b=True)((16, 3, 3, 32))
    assert abs(c.std() - np.sqrt(2.0 / (48 * 9))) < 2e-3
    with pytest.raises(RuntimeError):
        init.GlorotUniform()((5,))
    with pytest.raises(RuntimeError):
        init.GlorotUniform(c01b=True)((5, 5))


def test_he():
    n = init.HeNormal()((400, 300))
    assert abs(n.std() - np.sqrt(1.0 / 400)) < 1e-3
    u = init.HeUniform(gain="relu")((400, 300))
    assert abs(u.std() - np.sqrt(2.0 / 400)) < 1e-3
    assert np.abs(u).max() <= np.sqrt(3) * np.sqrt(2.0 / 400) + 1e-6
    c = init.HeNormal()((64, 16, 3, 3))
    assert abs(c.std() - np.sqrt(1.0 / 144)) < 2e-3
    c = init.HeNormal(c01b=True)((16, 3, 3, 64))
    assert abs(c.std() - np.sqrt(1.0 / 144)) < 2e-3


def test_orthogonal():
    w = init.Orthogonal()((50, 80))
    assert w.dtype == np.float32 and w.shape == (50, 80)
    np.testing.assert_allclose(w @ w.T, np.eye(50), atol=1e-5)
    w = init.Orthogonal(gain=2.0)((80, 50))
    np.testing.assert_allclose(w.T @ w, 4 * np.eye(50), atol=1e-4)
    w = init.Orthogonal()((8, 2, 3)).reshape(8, 6)
    np.testing.assert_allclose(w.T @ w, np.eye(6), atol=1e-5)
    with pytest.raises(RuntimeError):
        init.Orthogonal()((5,))


def test_rng_reproducible():
    init.set_rng(np.random.RandomState(42))
    a = init.GlorotUniform()((3, 4))
    init.set_rng(np.random.RandomState(42))
    b = init.GlorotUniform()((3, 4))
    np.testing.assert_array_equal(a, b)
    assert init.get_rng() is not None
    with pytest.raises(TypeError):
        init.set_rng(42)


def test_bad_shape():
    with pytest.raises(ValueError):
        init.Constant()((-1, 2))


def test_sparse_and_engine_sampling_follow_set_rng():
    w = init.Sparse(sparsity=0.25, std=1.0)((40, 7))
    assert w.dtype == np.float32 and ((w != 0).sum(axis=0) == 10).all()
    with pytest.raises(RuntimeError):
        init.Sparse()((4, 4, 4))
    init.set_rng(np.random.RandomState(7))
    a = [init.Orthogonal()((5, 5)), init.Normal()((3,)), init.HeUniform(c01b=True)((2, 3, 3, 4))]
    init.set_rng(np.random.RandomState(7))
    b = [init.Orthogonal()((5, 5)), init.Normal()((3,)), init.HeUniform(c01b=True)((2, 3, 3, 4))]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_user_distribution_class_in_glorot_gets_the_std():
    class Laplace(init.Initializer):
        def __init__(self, std):
            self.std = std

        def sample(self, shape):
            return np.random.RandomState(0).laplace(0, self.std / np.sqrt(2), size=shape).astype(np.float32)

    w = init.Glorot(Laplace)((300, 500))
    assert abs(w.std() - np.sqrt(2.0 / 800)) < 2e-3
