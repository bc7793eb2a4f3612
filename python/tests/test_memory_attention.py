"""Tests for agentnet.memory.attention and agentnet.utils.broadcast against float64 numpy references."""
import warnings

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init
from agentnet.layers import InputLayer, get_all_params, get_output
from agentnet.memory.attention import AttentionLayer, DotAttentionLayer, multihead_attention, self_attention
from agentnet.utils.broadcast import BroadcastLayer, UnbroadcastLayer, UpcastLayer
from numeric import numeric_grads as _numeric_grad

B, S, UV, UK, UQ = 3, 5, 4, 3, 2


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(7))


def _f32(*shape, seed=0, scale=1.0):
    return (np.random.RandomState(seed).randn(*shape) * scale).astype(np.float32)


def _mask():
    mask = np.ones((B, S), np.float32)
    mask[0, 3:] = 0
    mask[2, 1:] = 0
    return mask


def _softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _attend(logits, values, mask):
    if mask is not None:
        logits = logits - (1 - mask) * 1000
    probs = _softmax(logits)
    return (probs[:, :, None] * values).sum(1), probs


def _np_additive(V, K, q, mask, W_enc, W_dec, W_out):
    hid = np.tanh(K @ W_enc + (q @ W_dec)[:, None, :])
    return _attend((hid @ W_out)[:, :, 0], V, mask)


def _np_dot(V, K, q, mask, scale=False):
    logits = (q[:, None, :] * K).sum(-1)
    return _attend(logits * K.shape[-1] ** -0.5 if scale else logits, V, mask)


def _inputs(mask=True, key=False):
    l_v, l_q = InputLayer((None, S, UV)), InputLayer((None, UQ))
    l_k = InputLayer((None, S, UK)) if key else None
    l_m = InputLayer((None, S)) if mask else None
    return l_v, l_q, l_k, l_m


def _vars(*layers):
    return [l.input_var for l in layers if l is not None]


# MARK: additive attention

def test_attention_layer_matches_numpy_with_mask_and_keys():
    l_v, l_q, l_k, l_m = _inputs(mask=True, key=True)
    layer = AttentionLayer(l_v, l_q, 6, mask_input=l_m, key_sequence=l_k, W_enc=init.Normal(0.5),
                           W_dec=init.Normal(0.5), W_out=init.Normal(0.5))
    assert [p.name for p in get_all_params(layer)] == ["enc_to_hid", "dec_to_hid", "hid_to_logit"]
    V, K, q, M = _f32(B, S, UV, seed=1), _f32(B, S, UK, seed=2), _f32(B, UQ, seed=3), _mask()
    W = [layer.W_enc.get_value(), layer.W_dec.get_value(), layer.W_out.get_value()]
    out = get_output(layer)
    attn, probs = agentnet.function(_vars(l_v, l_q, l_k, l_m), [out["attn"], out["probs"]])(V, q, K, M)
    want_attn, want_probs = _np_additive(V, K, q, M, *W)
    np.testing.assert_allclose(attn, want_attn, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-6)
    assert probs.shape == (B, S) and attn.shape == (B, UV)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    assert probs[0, 3:].max() < 1e-6 and probs[2, 1:].max() < 1e-6 and probs[2, 0] == pytest.approx(1)


def test_attention_layer_gradients_match_numeric():
    l_v, l_q, l_k, l_m = _inputs(mask=True, key=True)
    layer = AttentionLayer(l_v, l_q, 4, mask_input=l_m, key_sequence=l_k, W_enc=init.Normal(0.5),
                           W_dec=init.Normal(0.5), W_out=init.Normal(0.5))
    V, K, q, M = _f32(B, S, UV, seed=1), _f32(B, S, UK, seed=2), _f32(B, UQ, seed=3), _mask()
    R1, R2 = _f32(B, UV, seed=4), _f32(B, S, seed=5)
    params = [layer.W_enc, layer.W_dec, layer.W_out]
    out = get_output(layer)
    cost = T.sum(out["attn"] * R1) + T.sum(out["probs"] * R2)
    wrt = _vars(l_v, l_q, l_k) + params
    got = agentnet.function(_vars(l_v, l_q, l_k, l_m), T.grad(cost, wrt))(V, q, K, M)

    def np_cost(V, q, K, *W):
        attn, probs = _np_additive(V, K, q, M, *W)
        return (attn * R1).sum() + (probs * R2).sum()
    want = _numeric_grad(np_cost, [V, q, K] + [p.get_value() for p in params])
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-3, atol=1e-4)


def test_attention_hard_attention_gives_one_hot_and_argmax_values():
    l_v, l_q, _, l_m = _inputs(mask=True)
    layer = AttentionLayer(l_v, l_q, 6, mask_input=l_m, W_out=init.Normal(1.0))
    V, q, M = _f32(B, S, UV, seed=1), _f32(B, UQ, seed=3), _mask()
    out = get_output(layer, hard_attention=True)
    soft = get_output(layer)
    attn, probs, soft_probs = agentnet.function(_vars(l_v, l_q, l_m), [out["attn"], out["probs"], soft["probs"]])(
        V, q, M)
    best = soft_probs.argmax(1)
    np.testing.assert_array_equal(probs, np.eye(S, dtype=np.float32)[best])
    np.testing.assert_array_equal(attn, V[np.arange(B), best])
    assert best[0] < 3 and best[2] == 0  # masked steps are never chosen


def test_attention_probs_nonlinearity_and_old_name():
    l_v, l_q, _, _ = _inputs(mask=False)
    sharp = AttentionLayer(l_v, l_q, 3, probs_nonlinearity=lambda x: T.softmax(x * 0, axis=-1))
    old = AttentionLayer(l_v, l_q, 3, weights_nonlinearity=lambda x: T.softmax(x * 0, axis=-1))
    V, q = _f32(B, S, UV, seed=1), _f32(B, UQ, seed=3)
    for layer in (sharp, old):
        out = get_output(layer)
        attn, probs = agentnet.function(_vars(l_v, l_q), [out["attn"], out["probs"]])(V, q)
        np.testing.assert_allclose(probs, np.full((B, S), 1 / S), rtol=1e-6)
        np.testing.assert_allclose(attn, V.mean(1), rtol=1e-5, atol=1e-6)


def test_attention_batch_of_one():
    l_v, l_q, _, _ = _inputs(mask=False)
    layer = AttentionLayer(l_v, l_q, 3)
    out = get_output(layer)
    attn, probs = agentnet.function(_vars(l_v, l_q), [out["attn"], out["probs"]])(_f32(1, S, UV), _f32(1, UQ))
    assert attn.shape == (1, UV) and probs.shape == (1, S)
    np.testing.assert_allclose(probs.sum(), 1, rtol=1e-6)


def test_attention_construction_errors_name_both_shapes():
    l_v, l_q, _, _ = _inputs(mask=False)
    with pytest.raises(ValueError, match=r"AttentionLayer 'a'.*\(None, 7\).*\(None, 5, 4\)"):
        AttentionLayer(l_v, l_q, 3, mask_input=InputLayer((None, 7)), name="a")
    with pytest.raises(ValueError, match=r"key_sequence shape \(None, 6, 3\).*\(None, 5, 4\)"):
        AttentionLayer(l_v, l_q, 3, key_sequence=InputLayer((None, 6, 3)))
    with pytest.raises(ValueError, match=r"query.*\(None, 2, 2\).*\(None, 5, 4\)"):
        DotAttentionLayer(l_v, InputLayer((None, 2, 2)))
    with pytest.raises(ValueError, match=r"input_sequence.*\(None, 4\)"):
        DotAttentionLayer(InputLayer((None, 4)), l_q)


# MARK: dot attention

@pytest.mark.parametrize("scale", [False, True])
def test_dot_attention_matches_numpy_and_gradients(scale):
    l_v, _, l_k, l_m = _inputs(mask=True, key=True)
    l_q = InputLayer((None, UK))
    layer = DotAttentionLayer(l_v, l_q, key_sequence=l_k, mask_input=l_m, scale=scale)
    assert layer.query_dense is None and get_all_params(layer) == []
    V, K, q, M = _f32(B, S, UV, seed=1), _f32(B, S, UK, seed=2), _f32(B, UK, seed=3), _mask()
    R1, R2 = _f32(B, UV, seed=4), _f32(B, S, seed=5)
    out = get_output(layer)
    cost = T.sum(out["attn"] * R1) + T.sum(out["probs"] * R2)
    ins = _vars(l_v, l_q, l_k, l_m)
    attn, probs, *grads = agentnet.function(ins, [out["attn"], out["probs"]] + T.grad(cost, ins[:3]))(V, q, K, M)
    want_attn, want_probs = _np_dot(V, K, q, M, scale)
    np.testing.assert_allclose(attn, want_attn, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(probs, want_probs, rtol=1e-5, atol=1e-6)

    def np_cost(V, q, K):
        a, p = _np_dot(V, K, q, M, scale)
        return (a * R1).sum() + (p * R2).sum()
    for g, w in zip(grads, _numeric_grad(np_cost, [V, q, K])):
        np.testing.assert_allclose(g, w, rtol=1e-3, atol=1e-4)


def test_dot_attention_projects_query_of_other_width_with_warning():
    l_v, l_q, _, _ = _inputs(mask=False)
    with pytest.warns(UserWarning, match=r"\(None, 2\).*\(None, 5, 4\)"):
        layer = DotAttentionLayer(l_v, l_q, name="da")
    assert layer.query_dense.name == "da_dense" and layer.query_dense.output_shape == (None, UV)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        forced = DotAttentionLayer(l_v, InputLayer((None, UV)), use_dense_layer=True)
    assert forced.query_dense.name == "dotattn_dense"
    W, b = layer.query_dense.W.get_value(), layer.query_dense.b.get_value()
    V, q = _f32(B, S, UV, seed=1), _f32(B, UQ, seed=3)
    out = get_output(layer, hard_attention=True)
    attn, probs = agentnet.function(_vars(l_v, l_q), [out["attn"], out["probs"]])(V, q)
    _, want = _np_dot(V, V, q @ W + b, None)
    np.testing.assert_array_equal(probs, np.eye(S)[want.argmax(1)])
    np.testing.assert_array_equal(attn, V[np.arange(B), want.argmax(1)])


# MARK: broadcast helpers

def test_broadcast_unbroadcast_roundtrip_and_order():
    l_in = InputLayer((None, 3, 4))
    bc = BroadcastLayer(l_in, (0, 2))
    assert bc.output_shape == (None, 3)
    doubled = UnbroadcastLayer(bc, bc)
    upcast = UpcastLayer(InputLayer((None, 2)), bc)
    assert doubled.output_shape == (None, 3, 4) and upcast.output_shape == (None, 2)
    x, y = _f32(2, 3, 4), _f32(2, 2, seed=1)
    f = agentnet.function([l_in.input_var, upcast.input_layers[0].input_var], get_output([bc, doubled, upcast]))
    flat, back, up = f(x, y)
    np.testing.assert_array_equal(flat, x.transpose(0, 2, 1).reshape(8, 3))  # row b*4 + h is x[b, :, h]
    np.testing.assert_array_equal(back, x)
    np.testing.assert_array_equal(up, np.repeat(y, 4, axis=0))
    assert BroadcastLayer(InputLayer((2, 3, 4)), (-1, 0)).output_shape == (8, 3)


def test_broadcast_errors():
    with pytest.raises(ValueError, match="batch"):
        BroadcastLayer(InputLayer((None, 3, 4)), 1)
    bc = BroadcastLayer(InputLayer((None, 3, 4)), (0, 1))
    with pytest.raises(ValueError, match=r"\(None, 4, 1\).*\(None, 4\)"):
        UnbroadcastLayer(InputLayer((None, 4, 1)), bc)
    with pytest.raises(ValueError, match="axis 0"):
        UpcastLayer(InputLayer((None, 2)), BroadcastLayer(InputLayer((None, 3, 4)), 1,
                                                          force_broadcastable_batch=False))


# MARK: multi-head and self attention

def test_multihead_attention_shapes_and_one_head_against_numpy():
    H, KS, VS = 3, 2, 5
    l_v, l_q, _, l_m = _inputs(mask=True)
    out = multihead_attention(l_v, l_q, mask_input=l_m, num_heads=H, key_size=KS, value_size=VS, name="mh")
    assert out["attn"].output_shape == (None, VS * H) and out["probs"].output_shape == (None, H, S)
    V, q, M = _f32(B, S, UV, seed=1), _f32(B, UQ, seed=3), _mask()
    attn, probs = agentnet.function(_vars(l_v, l_q, l_m), get_output([out["attn"], out["probs"]]))(V, q, M)
    assert attn.shape == (B, VS * H) and probs.shape == (B, H, S)
    np.testing.assert_allclose(probs.sum(-1), 1, rtol=1e-5)
    params = {p.name: p.get_value() for p in get_all_params([out["attn"], out["probs"]])}
    Qp = q @ params["mh_query_heads.W"] + params["mh_query_heads.b"]      # [B, KS*H], index k*H + h
    Kp = V @ params["mh_key_heads.W"] + params["mh_key_heads.b"]
    Vp = V @ params["mh_value_heads.W"] + params["mh_value_heads.b"]
    for h in range(H):
        want_attn, want_probs = _np_dot(Vp[..., h::H], Kp[..., h::H], Qp[:, h::H], M)
        np.testing.assert_allclose(probs[:, h], want_probs, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(attn[:, h::H], want_attn, rtol=1e-4, atol=1e-5)


def test_self_attention_matches_numpy():
    l_in, l_m = InputLayer((None, S, UV)), InputLayer((None, S))
    out = self_attention(l_in, key_size=3, value_size=2, mask_input=l_m, name="sa")
    assert out.output_shape == (None, S, 2)
    x, M = _f32(B, S, UV, seed=1), _mask()
    got = agentnet.function(_vars(l_in, l_m), get_output(out))(x, M)
    W, b = (p.get_value() for p in get_all_params(out))
    qkv = x @ W + b
    q, k, v = qkv[..., :3], qkv[..., 3:6], qkv[..., 6:]
    for t in range(S):
        want, _ = _np_dot(v, k, q[:, t], M)
        np.testing.assert_allclose(got[:, t], want, rtol=1e-4, atol=1e-5)


def test_self_attention_with_multihead_and_additive():
    l_in = InputLayer((None, S, UV))
    multi = self_attention(l_in, key_size=2, value_size=3, attn_class=multihead_attention, num_heads=2)
    additive = self_attention(l_in, attn_class=AttentionLayer, num_units=4, name="add")
    assert multi.output_shape == (None, S, 6) and additive.output_shape == (None, S, UV)
    a, b = agentnet.function([l_in.input_var], get_output([multi, additive]))(_f32(2, S, UV))
    assert a.shape == (2, S, 6) and b.shape == (2, S, UV)
    with pytest.raises(ValueError, match=r"self_attention 'attn'.*\(None, 4\)"):
        self_attention(InputLayer((None, 4)))


def test_self_attention_gradients_through_broadcast_and_upcast():
    l_in = InputLayer((None, S, UV))
    out = self_attention(l_in, key_size=2, value_size=3, name="sa")
    x, R = _f32(2, S, UV, seed=1, scale=0.5), _f32(2, S, 3, seed=2)
    W, b = (p.get_value() for p in get_all_params(out))
    got = agentnet.function([l_in.input_var], T.grad(T.sum(get_output(out) * R), l_in.input_var))(x)

    def np_cost(x):
        qkv = x @ W + b
        q, k, v = qkv[..., :2], qkv[..., 2:4], qkv[..., 4:]
        return sum((_np_dot(v, k, q[:, t], None)[0] * R[:, t]).sum() for t in range(S))
    np.testing.assert_allclose(got, _numeric_grad(np_cost, [x])[0], rtol=1e-3, atol=1e-4)
