"""Tests for the shape, merge, special, noise and embedding layers (normalization: test_layers_normalization.py)."""
import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init
from agentnet.layers import InputLayer, get_output, get_output_shape, get_all_params, \
    set_all_param_values
from agentnet.layers.shape import ReshapeLayer, FlattenLayer, DimshuffleLayer, SliceLayer, PadLayer
from agentnet.layers.merge import ConcatLayer, ElemwiseSumLayer, ElemwiseMergeLayer
from agentnet.layers.special import ExpressionLayer, BiasLayer, ScaleLayer
from agentnet.layers.noise import DropoutLayer, GaussianNoiseLayer
from agentnet.layers.embedding import EmbeddingLayer
from agentnet.layers.normalization import BatchNormLayer
from numeric import numeric_grad as _numeric_grad


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(3))


def _f32(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def _eval(layer, *arrays, **kwargs):
    """Output of ``layer`` for numpy inputs fed to its InputLayers (in the order given by ``layer.ins``)."""
    ins = layer._ins
    out = get_output(layer, **kwargs)
    return agentnet.function([l.input_var for l in ins], out)(*arrays)


def _net(cls, shape, *args, **kwargs):
    l_in = InputLayer(shape)
    layer = cls(l_in, *args, **kwargs)
    layer._ins = [l_in]
    return layer


# MARK: shape layers

def test_reshape_layer():
    x = _f32(2, 3, 4)
    l = _net(ReshapeLayer, (None, 3, 4), ([0], -1))
    assert l.output_shape == (None, 12)
    np.testing.assert_array_equal(_eval(l, x), x.reshape(2, 12))
    l = _net(ReshapeLayer, (None, 3, 4), ([0], [2], 3))
    assert l.output_shape == (None, 4, 3)
    np.testing.assert_array_equal(_eval(l, x), x.reshape(2, 4, 3))
    l = _net(ReshapeLayer, (2, 3, 4), (-1, 6))
    assert l.output_shape == (4, 6)
    np.testing.assert_array_equal(_eval(l, x), x.reshape(4, 6))
    l = _net(ReshapeLayer, (None, 3, 4), (-1, 6))
    assert l.output_shape == (None, 6)
    np.testing.assert_array_equal(_eval(l, x), x.reshape(-1, 6))
    assert get_output_shape(l, (5, 3, 4)) == (10, 6)


@pytest.mark.parametrize("spec", [(0, 2), (-2, 3), (-1, -1), ([0, 1], 2), ([-1], 2), ("a", 2), (1.5, 2)])
def test_reshape_bad_spec(spec):
    with pytest.raises(ValueError):
        ReshapeLayer(InputLayer((None, 6)), spec)


def test_reshape_bad_sizes():
    with pytest.raises(ValueError, match="mismatch"):
        ReshapeLayer(InputLayer((2, 6)), (5, -1))
    with pytest.raises(ValueError, match="mismatch"):
        ReshapeLayer(InputLayer((None, 6)), ([0], 5))
    with pytest.raises(ValueError, match=r"\[3\]"):
        ReshapeLayer(InputLayer((None, 6)), ([3], -1))


def test_flatten_layer():
    x = _f32(2, 3, 4, 5)
    for outdim, shape in ((1, (None,)), (2, (None, 60)), (3, (None, 3, 20)), (4, (None, 3, 4, 5))):
        l = _net(FlattenLayer, (None, 3, 4, 5), outdim=outdim)
        assert l.output_shape == shape
        np.testing.assert_array_equal(_eval(l, x), x.reshape(x.shape[:outdim - 1] + (-1,)))
    assert FlattenLayer(InputLayer((None, None, 4))).output_shape == (None, None)
    with pytest.raises(ValueError):
        FlattenLayer(InputLayer((None, 3)), outdim=0)
    with pytest.raises(ValueError):
        FlattenLayer(InputLayer((None, 3)), outdim=3)


def test_dimshuffle_layer():
    x = _f32(2, 1, 4)
    l = _net(DimshuffleLayer, (None, 1, 4), (2, "x", 0))
    assert l.output_shape == (4, 1, None)
    np.testing.assert_array_equal(_eval(l, x), x[:, 0, :].T[:, None, :])
    l = _net(DimshuffleLayer, (None, 1, 4), (0, 2, 1))
    assert l.output_shape == (None, 4, 1)
    np.testing.assert_array_equal(_eval(l, x), x.transpose(0, 2, 1))
    with pytest.raises(ValueError):
        DimshuffleLayer(InputLayer((None, 3, 4)), (0, 2))  # drops an axis of size 3
    with pytest.raises(ValueError):
        DimshuffleLayer(InputLayer((None, 3)), (0, 0, 1))
    with pytest.raises(ValueError):
        DimshuffleLayer(InputLayer((None, 3)), (0, 1, 2))
    with pytest.raises(ValueError):
        DimshuffleLayer(InputLayer((None, 3)), (0, "y"))


def test_slice_layer():
    x = _f32(2, 5, 6)
    cases = [(1, -1, x[..., 1], (None, 5)), (slice(1, 4), 1, x[:, 1:4], (None, 3, 6)),
             (slice(None, None, 2), -1, x[..., ::2], (None, 5, 3)), (-1, 1, x[:, -1], (None, 6)),
             (slice(0, 1), 0, x[0:1], (None, 5, 6))]
    for indices, axis, expected, shape in cases:
        l = _net(SliceLayer, (None, 5, 6), indices, axis=axis)
        assert l.output_shape == shape, (indices, axis)
        np.testing.assert_array_equal(_eval(l, x), expected)
    assert SliceLayer(InputLayer((None, 5, 6)), 0, axis=0).output_shape == (5, 6)
    with pytest.raises(ValueError):
        SliceLayer(InputLayer((None, 5)), 7, axis=1)
    with pytest.raises(ValueError):
        SliceLayer(InputLayer((None, 5)), 0, axis=2)
    with pytest.raises(TypeError):
        SliceLayer(InputLayer((None, 5)), [0, 1])


def test_pad_layer():
    x = _f32(2, 3, 4, 5)
    l = _net(PadLayer, (None, 3, 4, 5), 2)
    assert l.output_shape == (None, 3, 8, 9)
    np.testing.assert_array_equal(_eval(l, x), np.pad(x, [(0, 0), (0, 0), (2, 2), (2, 2)]))
    l = _net(PadLayer, (None, 3, None, 5), [(1, 0), 2], val=-1.5)
    assert l.output_shape == (None, 3, None, 9)
    np.testing.assert_array_equal(_eval(l, x), np.pad(x, [(0, 0), (0, 0), (1, 0), (2, 2)], constant_values=-1.5))
    l = _net(PadLayer, (None, 3, 4, 5), [1], batch_ndim=1)
    assert l.output_shape == (None, 5, 4, 5)
    np.testing.assert_array_equal(_eval(l, x), np.pad(x, [(0, 0), (1, 1), (0, 0), (0, 0)]))
    with pytest.raises(ValueError):
        PadLayer(InputLayer((None, 3, 4)), -1)
    with pytest.raises(ValueError):
        PadLayer(InputLayer((None, 3, 4)), [1, 1])  # only one padded axis
    with pytest.raises(TypeError):
        PadLayer(InputLayer((None, 3, 4)), [(1, 2, 3)])


# MARK: merge layers

def _merge_net(cls, shapes, *args, **kwargs):
    ins = [InputLayer(s) for s in shapes]
    layer = cls(ins, *args, **kwargs)
    layer._ins = ins
    return layer


def test_concat_layer():
    a, b = _f32(2, 3, 4), _f32(2, 5, 4, seed=1)
    l = _merge_net(ConcatLayer, [(None, 3, 4), (None, 5, 4)])
    assert l.output_shape == (None, 8, 4)
    np.testing.assert_array_equal(_eval(l, a, b), np.concatenate([a, b], axis=1))
    l = _merge_net(ConcatLayer, [(None, 3, None), (None, 3, 4)], axis=-1)
    assert l.output_shape == (None, 3, None)
    c = _f32(2, 3, 2, seed=2)
    np.testing.assert_array_equal(_eval(l, c, a), np.concatenate([c, a], axis=-1))
    l = _merge_net(ConcatLayer, [(None, 3), (None, None)], axis=0)
    assert l.output_shape == (None, 3)
    with pytest.raises(ValueError, match="Mismatch"):
        ConcatLayer([InputLayer((None, 3, 4)), InputLayer((None, 5, 3))])
    with pytest.raises(ValueError, match="Mismatch"):
        ConcatLayer([InputLayer((None, 3, 4)), InputLayer((None, 5))])
    with pytest.raises(ValueError):
        ConcatLayer([InputLayer((None, 3)), InputLayer((None, 3))], axis=2)


def test_concat_cropping():
    a, b = _f32(2, 3, 6), _f32(2, 5, 4, seed=1)
    l = _merge_net(ConcatLayer, [(2, 3, 6), (2, 5, 4)], axis=1, cropping=[None, None, "center"])
    assert l.output_shape == (2, 8, 4)
    np.testing.assert_array_equal(_eval(l, a, b), np.concatenate([a[:, :, 1:5], b], axis=1))
    l = _merge_net(ConcatLayer, [(2, 3, 6), (2, 5, 4)], axis=1, cropping=[None, None, "upper"])
    np.testing.assert_array_equal(_eval(l, a, b), np.concatenate([a[:, :, 2:], b], axis=1))
    with pytest.raises(ValueError):
        ConcatLayer([InputLayer((2, 3)), InputLayer((2, 3))], cropping=["middle"])


def test_elemwise_sum_and_merge():
    a, b, c = _f32(2, 3), _f32(2, 3, seed=1), _f32(2, 3, seed=2)
    l = _merge_net(ElemwiseSumLayer, [(None, 3), (None, 3), (2, None)])
    assert l.output_shape == (2, 3)
    np.testing.assert_allclose(_eval(l, a, b, c), a + b + c, rtol=1e-6)
    l = _merge_net(ElemwiseSumLayer, [(None, 3), (None, 3)], coeffs=[0.5, -2])
    np.testing.assert_allclose(_eval(l, a, b), 0.5 * a - 2 * b, rtol=1e-6)
    l = _merge_net(ElemwiseSumLayer, [(None, 3), (None, 3)], coeffs=3)
    np.testing.assert_allclose(_eval(l, a, b), 3 * (a + b), rtol=1e-6)
    l = _merge_net(ElemwiseMergeLayer, [(None, 3), (None, 3), (None, 3)], T.maximum)
    np.testing.assert_array_equal(_eval(l, a, b, c), np.maximum(np.maximum(a, b), c))
    l = _merge_net(ElemwiseMergeLayer, [(None, 3), (None, 3)], merge_function=T.mul)
    np.testing.assert_allclose(_eval(l, a, b), a * b, rtol=1e-6)
    with pytest.raises(ValueError, match="coeffs"):
        ElemwiseSumLayer([InputLayer((None, 3)), InputLayer((None, 3))], coeffs=[1, 2, 3])
    with pytest.raises(ValueError, match="Mismatch"):
        ElemwiseSumLayer([InputLayer((None, 3)), InputLayer((None, 4))])
    with pytest.raises(ValueError, match="Mismatch"):
        ElemwiseSumLayer([InputLayer((None, 3)), InputLayer((None, 3, 1))])
    with pytest.raises(TypeError):
        ElemwiseMergeLayer([InputLayer((None, 3))], "max")


# MARK: special layers

def test_expression_layer():
    x = _f32(2, 3, 4)
    l = _net(ExpressionLayer, (None, 3, 4), lambda v: T.square(v) + 1)
    assert l.output_shape == (None, 3, 4)
    np.testing.assert_allclose(_eval(l, x), x ** 2 + 1, rtol=1e-6)
    l = _net(ExpressionLayer, (None, 3, 4), lambda v: T.mean(v, axis=-1), output_shape="auto")
    assert l.output_shape == (1, 3)  # Lasagne's 'auto' takes unknown sizes as 1
    np.testing.assert_allclose(_eval(l, x), x.mean(-1), rtol=1e-5, atol=1e-6)
    l = _net(ExpressionLayer, (None, 3, 4), lambda v: T.sum(v, axis=1), output_shape=lambda s: (s[0], s[2]))
    assert l.output_shape == (None, 4)
    l = _net(ExpressionLayer, (None, 3, 4), lambda v: T.flatten(v, 2), output_shape=(None, 12))
    assert l.output_shape == (None, 12)
    np.testing.assert_array_equal(_eval(l, x), x.reshape(2, 12))
    with pytest.raises(TypeError):
        ExpressionLayer(InputLayer((None, 3)), "not callable")
    with pytest.raises(TypeError):
        ExpressionLayer(InputLayer((None, 3)), T.exp, output_shape=5)


def test_bias_and_scale_layers():
    x = _f32(2, 3, 4, 5)
    l = _net(BiasLayer, (None, 3, 4, 5))
    assert l.b.get_value().shape == (3,) and l.output_shape == (None, 3, 4, 5)
    b = _f32(3, seed=5)
    set_all_param_values(l, [b])
    np.testing.assert_allclose(_eval(l, x), x + b[None, :, None, None], rtol=1e-6)
    l = _net(BiasLayer, (None, 3, 4, 5), shared_axes=(0, 1))
    b = _f32(4, 5, seed=6)
    set_all_param_values(l, [b])
    np.testing.assert_allclose(_eval(l, x), x + b, rtol=1e-6)
    l = _net(BiasLayer, (None, 3), b=None)
    assert get_all_params(l) == [] and l.b is None
    l = _net(ScaleLayer, (None, 3, 4, 5), shared_axes=(0, 2))
    s = _f32(3, 5, seed=7)
    assert l.scales.get_value().shape == (3, 5)
    np.testing.assert_array_equal(l.scales.get_value(), 1)
    set_all_param_values(l, [s])
    np.testing.assert_allclose(_eval(l, x), x * s[None, :, None, :], rtol=1e-6)
    assert get_all_params(l, regularizable=True) == []
    with pytest.raises(ValueError, match="BiasLayer needs specified input sizes"):
        BiasLayer(InputLayer((None, None, 4)))
    with pytest.raises(ValueError, match="ScaleLayer needs specified input sizes"):
        ScaleLayer(InputLayer((None, 3)), shared_axes=1)
    with pytest.raises(ValueError):
        BiasLayer(InputLayer((None, 3)), shared_axes=(0, 2))


# MARK: noise layers

def test_dropout_statistics_and_deterministic():
    x = np.ones((200, 500), np.float32)
    l = _net(DropoutLayer, (None, 500), p=0.3)
    out = _eval(l, x)
    kept = out != 0
    assert abs(kept.mean() - 0.7) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.7, rtol=1e-5)
    np.testing.assert_array_equal(_eval(l, x, deterministic=True), x)
    assert get_output(l.input_layer, deterministic=True) is get_output(l, deterministic=True)
    # fresh masks on every call
    f = agentnet.function([l._ins[0].input_var], get_output(l))
    assert (f(x) != f(x)).any()
    l = _net(DropoutLayer, (None, 500), p=0.5, rescale=False)
    out = _eval(l, x)
    assert set(np.unique(out)) <= {0.0, 1.0} and abs(out.mean() - 0.5) < 0.01
    l = _net(DropoutLayer, (None, 500), p=0)
    np.testing.assert_array_equal(_eval(l, x), x)


def test_dropout_shared_axes():
    x = np.ones((4, 50, 6, 7), np.float32)
    l = _net(DropoutLayer, (None, 50, 6, 7), p=0.5, shared_axes=(2, -1))
    out = _eval(l, x)
    assert out.shape == x.shape
    per_map = out.reshape(4, 50, -1)
    assert (per_map.min(-1) == per_map.max(-1)).all()  # whole feature maps kept or dropped
    assert 0.3 < (per_map[..., 0] != 0).mean() < 0.7


def test_dropout_bad_config():
    with pytest.raises(ValueError):
        DropoutLayer(InputLayer((None, 3)), p=1.0)
    with pytest.raises(ValueError):
        DropoutLayer(InputLayer((None, 3)), p=-0.1)
    with pytest.raises(TypeError):
        DropoutLayer(InputLayer((None, 3)), p="half")
    with pytest.raises(ValueError):
        DropoutLayer(InputLayer((None, 3)), shared_axes=(2,))


def test_gaussian_noise():
    x = np.full((300, 400), 2.0, np.float32)
    l = _net(GaussianNoiseLayer, (None, 400), sigma=0.5)
    out = _eval(l, x)
    assert abs(out.mean() - 2.0) < 0.01 and abs(out.std() - 0.5) < 0.01
    np.testing.assert_array_equal(_eval(l, x, deterministic=True), x)
    np.testing.assert_array_equal(_eval(_net(GaussianNoiseLayer, (None, 400), sigma=0), x), x)
    with pytest.raises(ValueError):
        GaussianNoiseLayer(InputLayer((None, 3)), sigma=-1)


def test_noise_reproducible_from_init_rng():
    x = np.ones((10, 20), np.float32)
    outs = []
    for _ in range(2):
        init.set_rng(np.random.RandomState(42))
        outs.append(_eval(_net(DropoutLayer, (None, 20)), x))
    np.testing.assert_array_equal(outs[0], outs[1])


# MARK: embedding

def test_embedding_layer():
    l_in = InputLayer((None, 3), input_var=T.imatrix("idx"))
    l = EmbeddingLayer(l_in, input_size=6, output_size=4)
    l._ins = [l_in]
    assert l.output_shape == (None, 3, 4)
    W = _f32(6, 4, seed=9)
    set_all_param_values(l, [W])
    idx = np.array([[0, 5, 2], [1, 1, 3]], np.int32)
    np.testing.assert_array_equal(_eval(l, idx), W[idx])
    assert EmbeddingLayer(InputLayer((None,), input_var=T.ivector()), 3, 2).output_shape == (None, 2)
    with pytest.raises(ValueError):
        EmbeddingLayer(l_in, 0, 4)
    with pytest.raises(TypeError):
        EmbeddingLayer(l_in, 6, 2.5)
    with pytest.raises(TypeError):
        get_output(EmbeddingLayer(InputLayer((None, 3)), 6, 4))


# MARK: gradients vs finite differences

@pytest.mark.parametrize("make", [
    lambda l_in: BatchNormLayer(l_in),
    lambda l_in: PadLayer(ScaleLayer(l_in, scales=np.float32([0.5, -2, 1.5])), [(1, 2)], batch_ndim=1),
    lambda l_in: ConcatLayer([l_in, SliceLayer(l_in, slice(0, 2), axis=1)], axis=1),
    lambda l_in: ReshapeLayer(DimshuffleLayer(l_in, (1, 0)), (-1,)),
])
def test_gradients_finite_differences(make):
    l_in = InputLayer((4, 3))
    out = get_output(make(l_in))
    x = _f32(4, 3, seed=12)
    weights = np.random.RandomState(13).randn(*agentnet.function([l_in.input_var], out)(x).shape).astype(np.float32)
    cost = T.sum(T.sin(out) * weights)
    f = agentnet.function([l_in.input_var], cost)
    g = agentnet.function([l_in.input_var], T.grad(cost, l_in.input_var))(x)
    num = _numeric_grad(lambda v: f(v.astype(np.float32)), x.astype(np.float64).astype(np.float32))
    np.testing.assert_allclose(g, num, rtol=2e-2, atol=2e-2)
