"""BatchNormLayer and the batch_norm helper against numpy, in training and deterministic mode, with running
averages updated through get_updates / get_batch_norm_updates."""
import warnings

import numpy as np
import pytest

import agentnet
from agentnet import init
from agentnet.layers import InputLayer, DenseLayer, get_output, get_all_params, set_all_param_values
from agentnet.layers.normalization import BatchNormLayer, batch_norm, get_batch_norm_updates
from test_layers_more import _eval, _f32, _net


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(3))


# MARK: batch normalization

def _np_bn(x, axes, beta, gamma, mean, inv_std):
    shape = [1 if a in axes else s for a, s in enumerate(x.shape)]
    r = lambda v: v.reshape(shape)
    return (x - r(mean)) * r(gamma * inv_std) + r(beta)


def test_batch_norm_layer_train_and_deterministic():
    x = _f32(8, 3, 5) * 2 + 1
    l = _net(BatchNormLayer, (None, 3, 5))
    assert l.axes == (0, 2) and l.output_shape == (None, 3, 5)
    assert [p.name for p in get_all_params(l)] == ["beta", "gamma", "mean", "inv_std"] or len(get_all_params(l)) == 4
    assert get_all_params(l, trainable=True) == [l.beta, l.gamma]
    assert get_all_params(l, regularizable=True) == [l.gamma]
    beta, gamma = _f32(3, seed=1), _f32(3, seed=2)
    mean, inv_std = _f32(3, seed=3), np.abs(_f32(3, seed=4)) + 0.5
    set_all_param_values(l, [beta, gamma, mean, inv_std])

    bmean = x.mean(axis=(0, 2))
    binv = 1 / np.sqrt(x.var(axis=(0, 2)) + 1e-4)
    out = get_output(l)
    updates = l.get_updates()
    assert list(updates.keys()) == [l.mean, l.inv_std]
    f = agentnet.function([l._ins[0].input_var], out, updates=updates)
    np.testing.assert_allclose(f(x), _np_bn(x, (0, 2), beta, gamma, bmean, binv), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(l.mean.get_value(), 0.9 * mean + 0.1 * bmean, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(l.inv_std.get_value(), 0.9 * inv_std + 0.1 * binv, rtol=1e-5, atol=1e-6)

    mean2, inv2 = l.mean.get_value(), l.inv_std.get_value()
    before = l.get_updates()
    det = _eval(l, x, deterministic=True)
    np.testing.assert_allclose(det, _np_bn(x, (0, 2), beta, gamma, mean2, inv2), rtol=1e-4, atol=1e-4)
    assert list(l.get_updates().values())[0] is list(before.values())[0]  # deterministic records nothing
    assert get_batch_norm_updates(l).keys() == before.keys()


def test_batch_norm_options_and_batch_norm_helper():
    x = _f32(6, 4)
    l = _net(BatchNormLayer, (None, 4), beta=None, gamma=None, epsilon=0.0)
    assert len(get_all_params(l)) == 2
    out = _eval(l, x, batch_norm_use_averages=False, deterministic=True)
    np.testing.assert_allclose(out, (x - x.mean(0)) / x.std(0), rtol=1e-4, atol=1e-4)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        get_output(l, batch_norm_update_averages=False)
    l_in = InputLayer((None, 5))
    dense = DenseLayer(l_in, 4)
    top = batch_norm(dense)
    top._ins = [l_in]
    assert dense.b is None and type(top).__name__ == "NonlinearityLayer"
    xx = _f32(6, 5)
    W = dense.W.get_value()
    h = xx @ W
    np.testing.assert_allclose(_eval(top, xx), np.maximum((h - h.mean(0)) / np.sqrt(h.var(0) + 1e-4), 0),
                               rtol=1e-3, atol=1e-4)


def test_batch_norm_bad_config():
    with pytest.raises(ValueError, match="needs specified input sizes"):
        BatchNormLayer(InputLayer((None, None)))
    with pytest.raises(ValueError):
        BatchNormLayer(InputLayer((None, 3)), axes=(0, 2))
    with pytest.raises(ValueError):
        BatchNormLayer(InputLayer((None, 3)), alpha=2)
    with pytest.raises(TypeError):
        BatchNormLayer(InputLayer((None, 3)), axes="batch")
