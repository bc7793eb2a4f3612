"""Recurrence: unrolling a one-tick graph, against a numpy loop over the same weights."""
import warnings

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init, nonlinearities
from agentnet.agent import Recurrence
from agentnet.layers import (DenseLayer, DropoutLayer, ElemwiseSumLayer, ExpressionLayer, InputLayer, get_all_params,
                             get_output)


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(5))


def _f32(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def _rnn(n_in=3, n_hid=4, name="rnn"):
    """A one-tick tanh RNN: h' = tanh(x W + h U + b). Returns (x_t, h_prev, h, W, U, b)."""
    x_t, h_prev = InputLayer((None, n_in), name="x_t"), InputLayer((None, n_hid), name="h_prev")
    to_hid = DenseLayer(x_t, n_hid, nonlinearity=None, name=name + ".in")
    hid_to_hid = DenseLayer(h_prev, n_hid, nonlinearity=None, b=None, name=name + ".hid")
    h = ExpressionLayer(ElemwiseSumLayer([to_hid, hid_to_hid]), T.tanh, name=name)
    return x_t, h_prev, h, to_hid.W.get_value(), hid_to_hid.W.get_value(), to_hid.b.get_value()


def _numpy_rnn(xs, W, U, b, h0=None, mask=None):
    B, n = xs.shape[0], U.shape[0]
    h = np.zeros((B, n), np.float32) if h0 is None else h0
    out = []
    for t in range(xs.shape[1]):
        new = np.tanh(xs[:, t] @ W + h @ U + b)
        if mask is not None:
            new = np.where(mask[:, t, None] != 0, new, h)
        h = new
        out.append(h)
    return np.stack(out, axis=1)


def test_state_sequence_matches_numpy_loop():
    seq = InputLayer((None, 25, 3), name="seq")
    x_t, h_prev, h, W, U, b = _rnn()
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev})
    assert rec[h].output_shape == (None, 25, 4)
    xs = _f32(5, 25, 3)
    got = agentnet.function([seq.input_var], get_output(rec[h]))(xs)
    np.testing.assert_allclose(got, _numpy_rnn(xs, W, U, b), rtol=1e-5, atol=1e-5)


def test_get_output_of_the_recurrence_is_an_ordered_dict_of_states_then_outputs():
    seq = InputLayer((None, 6, 3))
    x_t, h_prev, h, W, U, b = _rnn()
    doubled = ExpressionLayer(h, lambda v: 2 * v, name="doubled")
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, tracked_outputs=[doubled])
    outs = get_output(rec)
    assert list(outs.keys()) == [h, doubled]
    hs, ds = agentnet.function([seq.input_var], list(outs.values()))(_f32(2, 6, 3))
    np.testing.assert_allclose(ds, 2 * hs, rtol=1e-6)
    states, outputs = rec.get_sequence_layers()
    assert states == [rec[h]] and outputs == [rec[doubled]]
    assert rec[h, doubled] == [rec[h], rec[doubled]]


def test_state_init_dict_and_list_and_nonsequences():
    seq = InputLayer((None, 7, 3))
    h0 = InputLayer((None, 4), name="h0")
    bias_outer = InputLayer((None, 4), name="bias_outer")
    x_t, h_prev, h, W, U, b = _rnn()
    bias_t = InputLayer((None, 4), name="bias_t")
    h_biased = ElemwiseSumLayer([h, bias_t], name="h_biased")
    xs, h0v, bv = _f32(3, 7, 3), _f32(3, 4, seed=1), _f32(3, 4, seed=2)
    for init_arg in ({h_biased: h0}, [h0]):
        rec = Recurrence(input_sequences={x_t: seq}, input_nonsequences={bias_t: bias_outer},
                         state_variables={h_biased: h_prev}, state_init=init_arg)
        f = agentnet.function([seq.input_var, h0.input_var, bias_outer.input_var], get_output(rec[h_biased]))
        got = f(xs, h0v, bv)
        ref, hv = [], h0v
        for t in range(7):
            hv = np.tanh(xs[:, t] @ W + hv @ U + b) + bv
            ref.append(hv)
        np.testing.assert_allclose(got, np.stack(ref, 1), rtol=1e-5, atol=1e-5)


def test_mask_freezes_states_and_outputs():
    """The seed's mask test: rows [1,1,1,0,0] keep the tick-2 state afterwards, rows [0,0,1,1,1] keep the zero
    initial state for ticks 0 and 1."""
    seq, mask = InputLayer((None, 5, 3)), InputLayer((None, 5), name="mask")
    x_t, h_prev, h, W, U, b = _rnn()
    tracked = ExpressionLayer(h, lambda v: v + 1, name="tracked")
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, tracked_outputs=[tracked],
                     mask_input=mask)
    xs = _f32(2, 5, 3)
    m = np.array([[1, 1, 1, 0, 0], [0, 0, 1, 1, 1]], np.float32)
    hs, outs = agentnet.function([seq.input_var, mask.input_var], get_output([rec[h], rec[tracked]]))(xs, m)
    np.testing.assert_allclose(hs, _numpy_rnn(xs, W, U, b, mask=m), rtol=1e-5, atol=1e-5)
    np.testing.assert_array_equal(hs[0, 3], hs[0, 2])
    np.testing.assert_array_equal(hs[0, 4], hs[0, 2])
    np.testing.assert_array_equal(hs[1, :2], 0)
    assert np.all(hs[1, 2] != 0)
    np.testing.assert_array_equal(outs[1, :2], 0)      # tracked outputs start at zeros
    np.testing.assert_allclose(outs[0, 4], hs[0, 2] + 1, rtol=1e-6)


def test_delayed_states_are_shifted_one_tick():
    seq = InputLayer((None, 4, 3))
    x_t, h_prev, h, W, U, b = _rnn()
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, delayed_states=[h])
    xs = _f32(2, 4, 3)
    got = agentnet.function([seq.input_var], get_output(rec[h]))(xs)
    ref = _numpy_rnn(xs, W, U, b)
    np.testing.assert_array_equal(got[:, 0], 0)
    np.testing.assert_allclose(got[:, 1:], ref[:, :-1], rtol=1e-5, atol=1e-5)


def test_no_inputs_needs_batch_size_and_counts():
    prev = InputLayer((None, 1), name="prev")
    nxt = ExpressionLayer(prev, lambda v: v + 1, name="next")
    with pytest.raises(ValueError, match="batch_size must be given"):
        Recurrence(state_variables={nxt: prev}, n_steps=3)
    for bad in (0, -1, 10**6):
        with pytest.raises(ValueError, match="n_steps"):
            Recurrence(state_variables={nxt: prev}, n_steps=bad, batch_size=2)
    rec = Recurrence(state_variables={nxt: prev}, n_steps=3, batch_size=2)
    got = agentnet.function([], get_output(rec[nxt]))()
    np.testing.assert_array_equal(got[..., 0], [[1, 2, 3], [1, 2, 3]])


def test_int_state_dtype_from_output_dtype():
    prev = InputLayer((None,), input_var=T.ivector("prev"), name="prev")
    nxt = ExpressionLayer(prev, lambda v: (v + 1) % 3, name="next")
    nxt.output_dtype = "int32"
    rec = Recurrence(state_variables={nxt: prev}, n_steps=5, batch_size=1)
    got = agentnet.function([], get_output(rec[nxt]))()
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, [[1, 2, 0, 1, 2]])


def test_get_one_step_matches_one_tick():
    seq = InputLayer((None, 3, 3))
    x_t, h_prev, h, W, U, b = _rnn()
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev})
    x, hv = _f32(2, 3), _f32(2, 4, seed=1)
    (new_h,), outs = rec.get_one_step({h: T.constant(hv)}, {x_t: T.constant(x)})
    assert outs == []
    np.testing.assert_allclose(agentnet.function([], new_h)(), np.tanh(x @ W + hv @ U + b), rtol=1e-5, atol=1e-6)
    (new_h2,), _ = rec.get_one_step([T.constant(hv)], [T.constant(x)])
    np.testing.assert_allclose(agentnet.function([], new_h2)(), np.tanh(x @ W + hv @ U + b), rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="previous"):
        rec.get_one_step({}, {x_t: T.constant(x)})


def test_params_include_the_one_tick_graph_but_not_substituted_inputs():
    seq = InputLayer((None, 3, 3))
    pre = DenseLayer(seq, 5, num_leading_axes=2, name="pre")          # outer layer: counted via the outer graph
    x_t, h_prev = InputLayer((None, 5)), InputLayer((None, 4))
    inner_pre = DenseLayer(x_t, 5, name="inner_pre")                   # substituted below: excluded
    h = DenseLayer(ElemwiseSumLayer([DenseLayer(inner_pre, 4, name="a"), DenseLayer(h_prev, 4, name="b")]), 4,
                   name="h")
    rec = Recurrence(input_sequences={inner_pre: pre}, state_variables={h: h_prev})
    names = {p.name for p in rec.get_params()}
    assert names == {"a.W", "a.b", "b.W", "b.b", "h.W", "h.b"}
    assert {p.name for p in get_all_params(rec[h])} == names | {"pre.W", "pre.b"}
    assert {p.name for p in rec.get_params(regularizable=True)} == {"a.W", "b.W", "h.W"}


def test_gradient_through_time_matches_finite_differences():
    seq = InputLayer((2, 4, 3))
    x_t, h_prev, h, W, U, b = _rnn()
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev})
    params = get_all_params(rec)
    loss = T.sum(get_output(rec[h])[:, -1] ** 2)
    xs = _f32(2, 4, 3)
    grads = agentnet.function([seq.input_var], T.grad(loss, params + [seq.input_var]))(xs)
    f = agentnet.function([seq.input_var], loss)
    eps = 1e-2
    for p, g in zip(params, grads[:-1]):
        v = p.get_value()
        i = np.unravel_index(np.argmax(np.abs(g)), g.shape)
        v2 = v.copy(); v2[i] += eps; p.set_value(v2); up = f(xs)
        v2[i] -= 2 * eps; p.set_value(v2); down = f(xs)
        p.set_value(v)
        np.testing.assert_allclose(g[i], (up - down) / (2 * eps), rtol=3e-2, atol=1e-3)
    gx = grads[-1]
    x2 = xs.copy(); x2[1, 0, 2] += eps
    x3 = xs.copy(); x3[1, 0, 2] -= eps
    np.testing.assert_allclose(gx[1, 0, 2], (f(x2) - f(x3)) / (2 * eps), rtol=3e-2, atol=1e-3)


def test_random_layers_draw_per_tick_and_advance_per_call():
    prev = InputLayer((None, 50), name="prev")
    drop = DropoutLayer(ExpressionLayer(prev, lambda v: T.ones_like(v)), p=0.5, name="drop")
    rec = Recurrence(state_variables={drop: prev}, n_steps=3, batch_size=2)
    f = agentnet.function([], get_output(rec[drop]))
    a, b = f(), f()
    assert not np.array_equal(a, b)                  # the generator advances between calls
    assert not np.array_equal(a[:, 0], a[:, 1])      # each tick draws its own mask
    det = agentnet.function([], get_output(rec[drop], deterministic=True))()
    np.testing.assert_array_equal(det, 1)
    det2 = agentnet.function([], get_output(rec[drop], recurrence_flags={"deterministic": True}))()
    np.testing.assert_array_equal(det2, 1)
    assert rec.get_automatic_updates() == {}


def test_nested_recurrence():
    """An inner Recurrence over a per-tick sub-sequence, inside an outer Recurrence over ticks."""
    outer_seq = InputLayer((None, 3, 2, 3), name="outer_seq")         # [batch, outer tick, inner tick, 3]
    sub_seq = InputLayer((None, 2, 3), name="sub_seq")
    x_t, h_prev, h, W, U, b = _rnn()
    inner = Recurrence(input_sequences={x_t: sub_seq}, state_variables={h: h_prev}, name="inner")
    last = ExpressionLayer(inner[h], lambda v: v[:, -1], output_shape=(None, 4), name="last")
    acc_prev = InputLayer((None, 4), name="acc_prev")
    acc = ElemwiseSumLayer([acc_prev, last], name="acc")
    outer = Recurrence(input_sequences={sub_seq: outer_seq}, state_variables={acc: acc_prev}, name="outer")
    assert set(outer.get_params()) == set(inner.get_params())
    xs = _f32(2, 3, 2, 3)
    got = agentnet.function([outer_seq.input_var], get_output(outer[acc]))(xs)
    total, ref = np.zeros((2, 4), np.float32), []
    for t in range(3):
        total = total + _numpy_rnn(xs[:, t], W, U, b)[:, -1]
        ref.append(total)
    np.testing.assert_allclose(got, np.stack(ref, 1), rtol=1e-5, atol=1e-5)


def test_batch_size_one():
    seq = InputLayer((1, 4, 3))
    x_t, h_prev, h, W, U, b = _rnn()
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, batch_size=1)
    xs = _f32(1, 4, 3)
    assert rec[h].output_shape == (1, 4, 4)
    got = agentnet.function([seq.input_var], get_output(rec[h]))(xs)
    np.testing.assert_allclose(got, _numpy_rnn(xs, W, U, b), rtol=1e-5, atol=1e-5)


# MARK: construction-time errors

def test_unregistered_input_layer_is_named():
    seq = InputLayer((None, 3, 3))
    x_t, h_prev, h, *_ = _rnn()
    with pytest.raises(ValueError, match="h_prev.*not registered"):
        Recurrence(input_sequences={x_t: seq}, state_variables={}, tracked_outputs=[h])


def test_state_shape_mismatch_names_both_shapes():
    seq = InputLayer((None, 3, 3))
    x_t, h_prev, h, *_ = _rnn()
    wrong_prev = InputLayer((None, 5), name="wrong_prev")
    with pytest.raises(ValueError, match=r"\(None, 4\).*wrong_prev.*\(None, 5\)"):
        Recurrence(input_sequences={x_t: seq}, state_variables={h: wrong_prev})


def test_sequence_without_time_axis():
    flat = InputLayer((None, 3), name="flat")
    x_t, h_prev, h, *_ = _rnn()
    with pytest.raises(ValueError, match="time axis"):
        Recurrence(input_sequences={x_t: flat}, state_variables={h: h_prev}, n_steps=2)


def test_other_construction_errors():
    x_t, h_prev, h, *_ = _rnn()
    unknown_len = InputLayer((None, None, 3))
    with pytest.raises(ValueError, match="n_steps must be given"):
        Recurrence(input_sequences={x_t: unknown_len}, state_variables={h: h_prev})
    rec = Recurrence(input_sequences={x_t: unknown_len}, state_variables={h: h_prev}, n_steps=5, unroll_scan=False)
    assert rec[h].output_shape == (None, 5, 4)
    with pytest.raises(ValueError, match="length"):
        Recurrence(input_sequences={x_t: InputLayer((None, 3, 3))}, state_variables={h: h_prev}, n_steps=4)
    with pytest.raises(ValueError, match="initial value"):
        Recurrence(input_sequences={x_t: unknown_len}, state_variables={h: h_prev}, n_steps=2,
                   state_init={h: InputLayer((None, 7))})
    with pytest.raises(ValueError, match="2 entries for 1 states"):
        Recurrence(input_sequences={x_t: unknown_len}, state_variables={h: h_prev}, n_steps=2, state_init=[None, None])
    with pytest.raises(ValueError, match="delayed state"):
        Recurrence(input_sequences={x_t: unknown_len}, state_variables={h: h_prev}, n_steps=2, delayed_states=[x_t])
    with pytest.raises(ValueError, match="mask_input"):
        Recurrence(input_sequences={x_t: unknown_len}, state_variables={h: h_prev}, n_steps=2,
                   mask_input=InputLayer((None, 2, 1)))
    with pytest.raises(TypeError, match="state_variables"):
        Recurrence(state_variables={h: "prev"}, n_steps=2, batch_size=1)
    with pytest.raises(ValueError, match="more than one state"):
        Recurrence(input_sequences={x_t: unknown_len}, state_variables={h: h_prev, ExpressionLayer(h, T.sin): h_prev},
                   n_steps=2)
    with pytest.raises(ValueError, match="non-sequence"):
        Recurrence(input_nonsequences={x_t: InputLayer((None, 9))}, state_variables={h: h_prev}, n_steps=2)


def test_unused_registered_input_warns():
    seq = InputLayer((None, 3, 3))
    x_t, h_prev, h, *_ = _rnn()
    spare = InputLayer((None, 2), name="spare")
    with pytest.warns(UserWarning, match="spare"):
        Recurrence(input_sequences={x_t: seq}, input_nonsequences={spare: InputLayer((None, 2))},
                   state_variables={h: h_prev})


def test_get_output_flags_reach_inner_layers_without_warnings():
    from agentnet.memory import AttentionLayer
    enc_step, prev = InputLayer((None, 6, 4)), InputLayer((None, 5))
    attn = AttentionLayer(enc_step, prev, num_units=3)
    nxt = DenseLayer(attn["attn"], 5, name="nxt")
    enc = InputLayer((None, 6, 4))
    rec = Recurrence(input_nonsequences={enc_step: enc}, state_variables={nxt: prev},
                     tracked_outputs=[attn["probs"]], n_steps=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        probs = get_output(rec[attn["probs"]], hard_attention=True)
    p = agentnet.function([enc.input_var], probs)(_f32(3, 6, 4))
    assert set(np.unique(p)) == {0.0, 1.0}
    with pytest.warns(UserWarning, match="unused kwargs: bogus"):
        get_output(rec[nxt], bogus=1)
