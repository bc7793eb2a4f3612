"""RNNCell, GRUCell, LSTMCell and GRUMemoryLayer against independent numpy implementations of Lasagne's formulas
(50 ticks with the state fed back), torch's cells (stored outputs), and finite-difference gradients; plus names, clipping, dropout
and construction errors."""
import os

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init
from agentnet.layers import InputLayer, get_output, get_all_params, set_all_param_values
from agentnet.memory.rnn import RNNCell, GRUCell, LSTMCell
from agentnet.memory.gru_memory import GRUMemoryLayer, Gate

TICKS = 50


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(7))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _randomize(layers, std=0.4, seed=1):
    """Sets every parameter of ``layers`` to N(0, std^2); returns ``{name: float64 value}``."""
    rng = np.random.RandomState(seed)
    params = get_all_params(layers)
    set_all_param_values(layers, [rng.normal(0, std, p.get_value().shape).astype(np.float32) for p in params])
    return {p.name: p.get_value().astype(np.float64) for p in params}


def _compile(ins, outs, **kwargs):
    return agentnet.function([l.input_var for l in ins], get_output(outs, deterministic=True, **kwargs))


def _inputs(seed=2, batch=3):
    """Per-tick inputs: x1 [batch, 5] and x2 [batch, 2, 3] (flattened by the cells)."""
    rng = np.random.RandomState(seed)
    return [(rng.normal(size=(batch, 5)).astype(np.float32), rng.normal(size=(batch, 2, 3)).astype(np.float32))
            for _ in range(TICKS)]


# MARK: numpy references (float64)

def _rnn_ref(P, h, xs):
    s = h @ P["rnn.hid_to_hid.W"] + P["rnn.hid_to_hid.b"]
    for i, x in enumerate(xs):
        s = s + x.reshape(len(x), -1) @ P[f"rnn.input{i}_to_hid.W"]
    return np.tanh(s)


def _gate_sum(P, prefix, ctrls, channel, bias=True):
    s = sum(x.reshape(len(x), -1) @ P[f"{prefix}.W_{name}_{channel}"] for name, x in ctrls)
    return s + P[f"{prefix}.b_{channel}"] if bias else s


def _gru_ref(P, h, xs, prefix="gru"):
    ins = list(zip(["x1", "x2"], xs))
    r = _sigmoid(_gate_sum(P, prefix, ins, "to_resetgate") + _gate_sum(P, prefix, [("h", h)], "to_resetgate", False))
    u = _sigmoid(_gate_sum(P, prefix, ins, "to_updategate") + _gate_sum(P, prefix, [("h", h)], "to_updategate", False))
    c = np.tanh(_gate_sum(P, prefix, ins, "to_hidden_update") +
                r * _gate_sum(P, prefix, [("h", h)], "to_hidden_update", False))
    return (1 - u) * h + u * c


def _lstm_ref(P, c, h, xs, peepholes=True):
    ctrls = [("h", h)] + list(zip(["x1", "x2"], xs))
    pre = {g: _gate_sum(P, "lstm", ctrls, "to_" + g) for g in ("ingate", "forgetgate", "cell", "outgate")}
    peep = (lambda g: P[f"lstm.W_cell_to_{g}_peephole.scales"]) if peepholes else (lambda g: 0)
    i = _sigmoid(pre["ingate"] + peep("ingate") * c)
    f = _sigmoid(pre["forgetgate"] + peep("forgetgate") * c)
    new_c = np.tanh(pre["cell"]) * i + c * f
    o = _sigmoid(pre["outgate"] + peep("outgate") * new_c)
    return new_c, o * np.tanh(new_c)


def _gru_net(**kwargs):
    h, x1, x2 = InputLayer((None, 4), name="h"), InputLayer((None, 5), name="x1"), InputLayer((None, 2, 3), name="x2")
    return (h, x1, x2), GRUCell(h, [x1, x2], name="gru", **kwargs)


def _lstm_net(**kwargs):
    c, h = InputLayer((None, 4), name="c"), InputLayer((None, 4), name="h")
    x1, x2 = InputLayer((None, 5), name="x1"), InputLayer((None, 2, 3), name="x2")
    return (c, h, x1, x2), LSTMCell(c, h, [x1, x2], name="lstm", **kwargs)


# MARK: 50 ticks against numpy

def test_rnn_cell_matches_numpy_over_50_ticks():
    h, x1, x2 = InputLayer((None, 4), name="h"), InputLayer((None, 5)), InputLayer((None, 2, 3))
    cell = RNNCell(h, [x1, x2], name="rnn")
    P = _randomize(cell)
    step = _compile([h, x1, x2], cell)
    state = ref = np.zeros((3, 4), np.float32)
    for xs in _inputs():
        state, ref = step(state, *xs), _rnn_ref(P, ref, xs)
    np.testing.assert_allclose(state, ref, atol=1e-5)
    assert np.abs(ref).max() > 0.3  # the test exercises non-trivial dynamics


def test_gru_cell_matches_numpy_over_50_ticks():
    ins, cell = _gru_net()
    P = _randomize(cell)
    step = _compile(list(ins), cell)
    state = ref = np.zeros((3, 4), np.float32)
    for xs in _inputs():
        state, ref = step(state, *xs), _gru_ref(P, ref, xs)
    np.testing.assert_allclose(state, ref, atol=1e-5)
    assert np.abs(ref).max() > 0.3


@pytest.mark.parametrize("peepholes", [True, False])
def test_lstm_cell_matches_numpy_over_50_ticks(peepholes):
    ins, (new_c, new_h) = _lstm_net(peepholes=peepholes)
    P = _randomize([new_c, new_h])
    assert any("peephole" in n for n in P) == peepholes
    step = _compile(list(ins), [new_c, new_h])
    c = h = np.zeros((3, 4), np.float32)
    rc = rh = c
    for xs in _inputs():
        c, h = step(c, h, *xs)
        rc, rh = _lstm_ref(P, rc, rh, xs, peepholes)
    np.testing.assert_allclose(c, rc, atol=1e-4)
    np.testing.assert_allclose(h, rh, atol=1e-5)
    assert np.abs(rh).max() > 0.3


def test_gru_memory_layer_equals_gru_cell_with_the_same_weights():
    h, x = InputLayer((None, 4), name="h"), InputLayer((None, 2, 3), name="x")
    cell = GRUCell(h, x, name="gru")
    legacy = GRUMemoryLayer(4, x, h)
    P = _randomize(cell)
    for p in legacy.get_params():  # YetAnotherGRUMemoryLayer.W_in_to_resetgate <- gru.W_x_to_resetgate ...
        gate = p.name.split("_to_")[-1] if "_to_" in p.name else p.name.split(".b_")[-1]
        src = {"W_in": "W_x", "W_hid": "W_h"}.get(p.name.split(".")[-1].split("_to_")[0], "b")
        p.set_value(P[f"gru.{src}_to_{gate}"].astype(np.float32))
    step = _compile([h, x], [cell, legacy])
    state = np.zeros((3, 4), np.float32)
    for _, x2 in _inputs():
        a, b = step(state, x2)
        np.testing.assert_allclose(a, b, atol=1e-6)
        state = a


def test_gru_memory_layer_params_and_defaults():
    h, x = InputLayer((None, 4), name="h"), InputLayer((None, 3))
    layer = GRUMemoryLayer(4, x, h)
    assert [p.name for p in layer.get_params()] == [
        f"YetAnotherGRUMemoryLayer.{n}" for g in ("updategate", "resetgate", "hidden_update")
        for n in (f"W_in_to_{g}", f"W_hid_to_{g}", f"b_{g}")]
    assert [p.name for p in layer.get_params(regularizable=False)] == [
        f"YetAnotherGRUMemoryLayer.b_{g}" for g in ("updategate", "resetgate", "hidden_update")]
    assert layer.grad_clipping == 5.
    assert 0.05 < layer.W_in_to_resetgate.get_value().std() < 0.2  # Gate's N(0, 0.1^2)
    assert layer.output_shape == (None, 4)
    assert repr(layer).startswith("GRUMemoryLayer(num_units=4")
    with pytest.raises(ValueError, match=r"GRUMemoryLayer 'YetAnotherGRUMemoryLayer'.*num_units=5.*\(None, 4\)"):
        GRUMemoryLayer(5, x, h)
    with pytest.raises(TypeError, match="resetgate must be a Gate"):
        GRUMemoryLayer(4, x, h, resetgate=init.Normal())
    assert "W_cell=None" in repr(Gate(W_cell=None))


# MARK: torch (reference outputs stored in data/torch_cells.npz by data/make_torch_cells.py, so CI needs no torch)

TORCH = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "torch_cells.npz"))


def _set_by_name(layers, values):
    """Sets the parameters of ``layers`` named in ``values`` (every one must be named there)."""
    params = {p.name: p for p in get_all_params(layers)}
    assert set(params) == set(values), sorted(set(params) ^ set(values))
    for name, v in values.items():
        params[name].set_value(np.asarray(v, np.float32))


def _torch_gates(prefix, n):
    """torch's ``[gates·n, ...]`` parameters split per gate: ``{name: [gate arrays]}``."""
    return {k: np.split(TORCH[f"{prefix}_{k}"], len(TORCH[f"{prefix}_{k}"]) // n) for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}


def test_gru_cell_matches_torch_gru_cell():
    """torch.nn.GRUCell computes ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))`` and ``h' = (1 - z) n + z h``.

    Ours has no hidden bias inside ``r * (.)`` (the stored b_hn is 0) and its update gate is ``u = 1 - z``; as
    ``sigmoid(-a) = 1 - sigmoid(a)``, torch's z weights and biases are our update weights and bias negated. torch's
    other hidden biases add to the input ones.
    """
    h, x = InputLayer((None, 4), name="h"), InputLayer((None, 5), name="x")
    cell = GRUCell(h, x, name="gru")
    g = _torch_gates("gru", 4)
    values = {}
    for k, (gate, sign) in enumerate((("to_resetgate", 1), ("to_updategate", -1), ("to_hidden_update", 1))):
        values[f"gru.W_x_{gate}"] = sign * g["weight_ih"][k].T
        values[f"gru.W_h_{gate}"] = sign * g["weight_hh"][k].T
        values[f"gru.b_{gate}"] = sign * (g["bias_ih"][k] + g["bias_hh"][k])
    assert not g["bias_hh"][2].any()
    _set_by_name(cell, values)
    step = _compile([h, x], cell)
    state = np.zeros((3, 4), np.float32)
    for xt in TORCH["x"]:
        state = step(state, xt.astype(np.float32))
    np.testing.assert_allclose(state, TORCH["gru_h"], atol=1e-5)


def test_lstm_cell_without_peepholes_matches_torch_lstm_cell():
    """torch.nn.LSTMCell has the same gates (order i, f, g, o) and no peepholes; its hidden biases add to the input
    ones."""
    c, h, x = InputLayer((None, 4), name="c"), InputLayer((None, 4), name="h"), InputLayer((None, 5), name="x")
    new_c, new_h = LSTMCell(c, h, x, peepholes=False, name="lstm")
    g = _torch_gates("lstm", 4)
    values = {}
    for k, gate in enumerate(("to_ingate", "to_forgetgate", "to_cell", "to_outgate")):
        values[f"lstm.W_x_{gate}"] = g["weight_ih"][k].T
        values[f"lstm.W_h_{gate}"] = g["weight_hh"][k].T
        values[f"lstm.b_{gate}"] = g["bias_ih"][k] + g["bias_hh"][k]
    _set_by_name([new_c, new_h], values)
    step = _compile([c, h, x], [new_c, new_h])
    cs = hs = np.zeros((3, 4), np.float32)
    for xt in TORCH["x"]:
        cs, hs = step(cs, hs, xt.astype(np.float32))
    np.testing.assert_allclose(cs, TORCH["lstm_c"], atol=1e-4)
    np.testing.assert_allclose(hs, TORCH["lstm_h"], atol=1e-5)


# MARK: gradients

def _numeric_grad(f, a, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to the float64 array ``a`` (modified in place)."""
    g = np.zeros_like(a)
    for i in np.ndindex(a.shape):
        old = a[i]
        a[i] = old + eps
        hi = f()
        a[i] = old - eps
        lo = f()
        a[i] = old
        g[i] = (hi - lo) / (2 * eps)
    return g


def _check_gradients(ins, outs, ref, P, param_name):
    """Engine gradients of ``sum_k out_k * R_k`` wrt every input and one parameter vs the numpy reference's."""
    rng = np.random.RandomState(5)
    arrays = [rng.normal(size=(2,) + l.output_shape[1:]) for l in ins]
    R = [rng.normal(size=(2, 4)) for _ in outs]
    param = next(p for p in get_all_params(outs) if p.name == param_name)
    loss = sum(T.sum(o * r.astype(np.float32)) for o, r in zip(get_output(outs, deterministic=True), R))
    grads = agentnet.function([l.input_var for l in ins], T.grad(loss, [l.input_var for l in ins] + [param]))(
        *[a.astype(np.float32) for a in arrays])

    def ref_loss():
        return sum((o * r).sum() for o, r in zip(ref(P, *arrays), R))

    for a, g in zip(arrays + [P[param_name]], grads):
        np.testing.assert_allclose(g, _numeric_grad(ref_loss, a), rtol=1e-3, atol=1e-5)


def test_rnn_cell_gradients_match_finite_differences():
    h, x1, x2 = InputLayer((None, 4), name="h"), InputLayer((None, 5)), InputLayer((None, 2, 3))
    cell = RNNCell(h, [x1, x2], name="rnn")
    _check_gradients([h, x1, x2], [cell], lambda P, h, *xs: [_rnn_ref(P, h, xs)], _randomize(cell),
                     "rnn.input1_to_hid.W")


def test_gru_cell_gradients_match_finite_differences():
    ins, cell = _gru_net()
    _check_gradients(list(ins), [cell], lambda P, h, *xs: [_gru_ref(P, h, xs)], _randomize(cell),
                     "gru.W_h_to_hidden_update")


def test_lstm_cell_gradients_match_finite_differences():
    ins, outs = _lstm_net()
    _check_gradients(list(ins), list(outs), lambda P, c, h, *xs: _lstm_ref(P, c, h, xs), _randomize(list(outs)),
                     "lstm.W_cell_to_outgate_peephole.scales")


# MARK: gradient clipping and dropout

def _grads(ins, out, wrt, arrays, scale=100.):
    """Gradients of ``scale * sum(out)`` wrt the input layers ``wrt``."""
    loss = scale * T.sum(get_output(out, deterministic=True))
    return agentnet.function([l.input_var for l in ins], T.grad(loss, [l.input_var for l in wrt]))(*arrays)


def _arrays(ins, seed=3):
    rng = np.random.RandomState(seed)
    return [rng.normal(size=(3,) + l.output_shape[1:]).astype(np.float32) for l in ins]


def test_rnn_cell_grad_clipping_clips_the_gradient_at_prev_state_and_inputs():
    h, x = InputLayer((None, 4), name="h"), InputLayer((None, 5), name="x")
    clipped, free = RNNCell(h, x, name="rnn", grad_clipping=0.5), RNNCell(h, x, name="rnn")
    values = _randomize(free)
    set_all_param_values(clipped, [v.astype(np.float32) for v in values.values()])
    arrays = _arrays([h, x])
    got, unclipped = _grads([h, x], clipped, [h, x], arrays), _grads([h, x], free, [h, x], arrays)
    assert np.abs(unclipped[0]).max() > 5
    for g, u in zip(got, unclipped):
        np.testing.assert_allclose(g, np.clip(u, -0.5, 0.5), rtol=1e-6)


def test_gru_cell_and_gru_memory_layer_clip_the_gradient_at_the_input():
    h, x = InputLayer((None, 4), name="h"), InputLayer((None, 5), name="x")
    clipped, free = GRUCell(h, x, name="gru", grad_clipping=0.1), GRUCell(h, x, name="gru")
    values = _randomize(free)
    set_all_param_values(clipped, [v.astype(np.float32) for v in values.values()])
    arrays = _arrays([h, x])
    (got,), (unclipped,) = _grads([h, x], clipped, [x], arrays), _grads([h, x], free, [x], arrays)
    assert np.abs(unclipped).max() > 1
    # the candidate pre-activation is clipped too, so only the bound at x (not clip(unclipped)) is exact
    np.testing.assert_allclose(np.abs(got), 0.1, rtol=1e-6)
    (legacy,) = _grads([h, x], GRUMemoryLayer(4, x, h), [x], arrays, scale=1e4)  # grad_clipping=5 by default
    assert np.abs(legacy).max() <= 5 + 1e-6


def test_lstm_cell_grad_clipping_bounds_the_preactivation_gradients():
    c, h, x = InputLayer((None, 4), name="c"), InputLayer((None, 4), name="h"), InputLayer((None, 5), name="x")
    g = 0.01
    _, out = LSTMCell(c, h, x, name="lstm", grad_clipping=g)
    P = _randomize(out)
    (got,) = _grads([c, h, x], out, [x], _arrays([c, h, x]), scale=1e3)
    # dL/dx = sum over gates of W_x_gate . (clipped pre-activation gradient)
    bound = g * sum(np.abs(P[f"lstm.W_x_to_{k}"]).sum(axis=1) for k in ("ingate", "forgetgate", "cell", "outgate"))
    assert np.all(np.abs(got) <= bound + 1e-6)
    assert np.abs(got).max() > 0.5 * bound.min()


@pytest.mark.parametrize("make", [
    lambda p: GRUCell(InputLayer((None, 4), name="h"), InputLayer((None, 5), name="x"), dropout=p, name="gru"),
    lambda p: LSTMCell(InputLayer((None, 4), name="c"), InputLayer((None, 4), name="h"),
                       InputLayer((None, 5), name="x"), dropout=p, name="lstm")[1],
])
def test_dropout_is_identity_when_deterministic_and_changes_outputs_otherwise(make):
    dropped, plain = make(0.5), make(0)
    values = _randomize(plain)
    set_all_param_values(dropped, [v.astype(np.float32) for v in values.values()])

    def run(layer, **kwargs):
        ins = [l for l in agentnet.layers.get_all_layers(layer) if isinstance(l, InputLayer)]
        f = agentnet.function([l.input_var for l in ins], get_output(layer, **kwargs))
        return f(*_arrays(ins))

    np.testing.assert_allclose(run(dropped, deterministic=True), run(plain), atol=1e-7)
    assert np.abs(run(dropped) - run(plain)).max() > 1e-3


def test_gru_cell_without_inputs_keeps_the_candidate_bias_outside_the_reset_product():
    h = InputLayer((None, 4), name="h")
    cell = GRUCell(h, name="gru")
    P = _randomize(cell)
    hv = np.random.RandomState(4).normal(size=(3, 4))
    r = _sigmoid(hv @ P["gru.W_h_to_resetgate"] + P["gru.b_to_resetgate"])
    u = _sigmoid(hv @ P["gru.W_h_to_updategate"] + P["gru.b_to_updategate"])
    c = np.tanh(P["gru.b_to_hidden_update"] + r * (hv @ P["gru.W_h_to_hidden_update"]))
    np.testing.assert_allclose(_compile([h], cell)(hv.astype(np.float32)), (1 - u) * hv + u * c, atol=1e-6)


def test_cell_parameter_names_are_unique_with_unnamed_layers():
    """Weights map by name (persistence, Lasagne/PyTorch): a GRU's hidden and input gates must not collide."""
    h = GRUCell(InputLayer((None, 10)), [InputLayer((None, 3)), InputLayer((None, 4))], name="gru")
    names = [p.name for p in get_all_params(h)]
    assert len(names) == len(set(names)) == 12
    assert "gru.W_ctrl0_to_resetgate" in names and "gru.W_ctrl2_to_hidden_update" in names
    cell, out = LSTMCell(InputLayer((None, 5)), InputLayer((None, 5)), InputLayer((None, 3)), name="lstm")
    names = [p.name for p in get_all_params([cell, out])]
    assert len(names) == len(set(names))
