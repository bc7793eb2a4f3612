"""GateLayer against numpy, and the memory cells' parameter names, tags, initializer forms and construction errors."""
import numpy as np
import pytest

import agentnet
from agentnet import init, nonlinearities
from agentnet.layers import InputLayer, get_output, get_all_params
from agentnet.memory.gate import GateLayer
from agentnet.memory.rnn import RNNCell, GRUCell, LSTMCell


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(7))


def _f32(*shape, seed=0):
    return np.random.RandomState(seed).normal(size=shape).astype(np.float32)


def _eval(ins, outs, *arrays):
    return agentnet.function([l.input_var for l in ins], get_output(outs))(*arrays)


# MARK: GateLayer

def test_gate_layer_int_and_layer_channels_match_numpy():
    h, x = InputLayer((None, 4), name="h"), InputLayer((None, 2, 3))
    v = InputLayer((None, 5), name="v")
    W = {(k, c): _f32(n, m, seed=10 * k + c) for k, n in enumerate((4, 6)) for c, m in enumerate((3, 5))}
    b = [_f32(3, seed=20), _f32(5, seed=21)]
    gate = GateLayer([h, x], [3, v], channel_names=["a", None], name="g",
                     gate_nonlinearities=[nonlinearities.tanh, None],
                     weight_init=[[W[0, 0], W[1, 0]], [W[0, 1], W[1, 1]]], bias_init=b)
    assert gate.keys() == ["ga", "gv"]
    assert gate.output_shape == {"ga": (None, 3), "gv": (None, 5)}
    assert [p.name for p in gate.get_params()] == ["g.b_a", "g.W_h_a", "g.W_ctrl1_a", "g.b_v", "g.W_h_v", "g.W_ctrl1_v"]
    assert [p.name for p in gate.get_params(regularizable=False)] == ["g.b_a", "g.b_v"]
    hv, xv, vv = _f32(2, 4, seed=1), _f32(2, 2, 3, seed=2), _f32(2, 5, seed=3)
    a, gv = _eval([h, x, v], [gate["ga"], gate["gv"]], hv, xv, vv)
    xf = xv.reshape(2, 6)
    np.testing.assert_allclose(a, np.tanh(hv @ W[0, 0] + xf @ W[1, 0] + b[0]), atol=1e-6)
    np.testing.assert_allclose(gv, (hv @ W[0, 1] + xf @ W[1, 1] + b[1]) * vv, atol=1e-5)


def test_gate_layer_defaults_sigmoid_without_bias_and_flattens_layer_channels():
    h, v = InputLayer((None, 4), name="h"), InputLayer((None, 2, 2), name="v")
    gate = GateLayer(h, v, bias_init=None)
    assert gate.keys() == ["v"] and gate.output_shape == {"v": (None, 4)}
    (W,) = gate.get_params()
    assert W.name == "W_h_v" and 0.005 < W.get_value().std() < 0.02  # Normal(0.01)
    hv, vv = _f32(3, 4, seed=1), _f32(3, 2, 2, seed=2)
    out = _eval([h, v], gate["v"], hv, vv)
    expected = 1 / (1 + np.exp(-(hv @ W.get_value()))) * vv.reshape(3, 4)
    np.testing.assert_allclose(out, expected, atol=1e-6)


def test_gate_layer_per_channel_initializers_and_auto_names():
    h = InputLayer((None, 2))
    gate = GateLayer(h, [1, 2], weight_init=[init.Constant(1.), init.Constant(2.)],
                     bias_init=[init.Constant(3.), None])
    params = {p.name: p.get_value() for p in gate.get_params()}
    assert list(params) == ["b_gate0", "W_ctrl0_gate0", "W_ctrl0_gate1"]
    assert np.all(params["W_ctrl0_gate0"] == 1) and np.all(params["W_ctrl0_gate1"] == 2)
    g0, g1 = _eval([h], [gate["gate0"], gate["gate1"]], np.ones((1, 2), np.float32))
    np.testing.assert_allclose(g0, 1 / (1 + np.exp(-5.)), rtol=1e-6)
    np.testing.assert_allclose(g1, 1 / (1 + np.exp(-4.)), rtol=1e-6)


def test_gate_layer_construction_errors():
    h = InputLayer((None, 2), name="h")
    with pytest.raises(ValueError, match=r"GateLayer 'g': weight_init must be a single value or a list of 1 or 3"):
        GateLayer(h, [1, 1, 1], weight_init=[init.Normal()] * 2, name="g")
    with pytest.raises(ValueError, match=r"weight_init for channel 'gate0'.*list of 1 or 1, got a list of 2"):
        GateLayer(h, [1], weight_init=[[init.Normal(), init.Normal()]])
    with pytest.raises(ValueError, match="gate_nonlinearities"):
        GateLayer(h, [1, 1, 1], gate_nonlinearities=[None, None])
    with pytest.raises(TypeError, match="channel 0 must be a positive int or a layer"):
        GateLayer(h, [0])
    with pytest.raises(ValueError, match="2 channel_names for 1 channels"):
        GateLayer(h, [1], channel_names=["a", "b"])


# MARK: cell parameter names and tags

def test_rnn_cell_param_names_and_tags():
    h, x = InputLayer((None, 3), name="h"), InputLayer((None, 2, 2))
    cell = RNNCell(h, [x, x], name="rnn", Winp=[init.Constant(1.), init.Constant(2.)])
    params = get_all_params(cell)
    assert sorted(p.name for p in params) == ["rnn.hid_to_hid.W", "rnn.hid_to_hid.b", "rnn.input0_to_hid.W",
                                              "rnn.input1_to_hid.W"]
    assert [p.name for p in get_all_params(cell, regularizable=False)] == ["rnn.hid_to_hid.b"]
    by_name = {p.name: p.get_value() for p in params}
    assert by_name["rnn.input1_to_hid.W"].shape == (4, 3) and np.all(by_name["rnn.input1_to_hid.W"] == 2)
    assert np.abs(by_name["rnn.hid_to_hid.W"]).max() <= 0.01  # Uniform(0.01)
    assert cell.output_shape == (None, 3)
    assert [p.name for p in get_all_params(RNNCell(h))] == [".hid_to_hid.W", ".hid_to_hid.b"]


def test_gru_cell_param_names_and_tags():
    h, x = InputLayer((None, 3), name="h"), InputLayer((None, 2), name="x")
    cell = GRUCell(h, x)
    names = {p.name for p in get_all_params(cell)}
    gates = ("to_resetgate", "to_updategate", "to_hidden_update")
    assert names == {f"YetAnotherGRULayer.{w}_{g}" for g in gates for w in ("W_h", "W_x", "b")}
    assert {p.name for p in get_all_params(cell, regularizable=False)} == {f"YetAnotherGRULayer.b_{g}" for g in gates}
    # clipping keeps the names (the seed would rename the input controller "x.grad_clip")
    assert {p.name for p in get_all_params(GRUCell(h, x, grad_clipping=1.))} == names
    # without inputs the cell keeps one bias per gate
    assert {p.name for p in get_all_params(GRUCell(h, name="g"))} == {f"g.{w}_{g}" for g in gates for w in
                                                                      ("W_h", "b")}


def test_lstm_cell_param_names_and_tags():
    c, h, x = InputLayer((None, 3), name="c"), InputLayer((None, 3), name="h"), InputLayer((None, 2))
    new_c, new_h = LSTMCell(c, h, x, name="lstm")
    gates = ("ingate", "forgetgate", "cell", "outgate")
    peeps = {f"lstm.W_cell_to_{g}_peephole.scales" for g in ("ingate", "forgetgate", "outgate")}
    assert {p.name for p in get_all_params(new_h)} == \
        {f"lstm.{w}_to_{g}" for g in gates for w in ("W_h", "W_ctrl1", "b")} | peeps
    assert {p.name for p in get_all_params(new_h, regularizable=False)} == {f"lstm.b_to_{g}" for g in gates} | peeps
    assert new_c.output_shape == new_h.output_shape == (None, 3)
    assert not any("peephole" in p.name for p in get_all_params(LSTMCell(c, h, x, peepholes=False)[1]))


# MARK: initializer forms

def _values(layer):
    return {p.name: p.get_value() for p in get_all_params(layer)}


def test_gru_cell_weight_init_forms():
    h, x1, x2 = InputLayer((None, 2), name="h"), InputLayer((None, 2), name="a"), InputLayer((None, 2), name="b")
    C = init.Constant
    P = _values(GRUCell(h, [x1, x2], name="g", weight_init=[C(1.), C(2.)], bias_init=[C(3.), C(4.), C(5.)]))
    assert np.all(P["g.W_h_to_updategate"] == 1) and np.all(P["g.W_b_to_updategate"] == 2)
    assert [P[f"g.b_to_{k}"][0] for k in ("resetgate", "updategate", "hidden_update")] == [3, 4, 5]
    # [hidden per gate, inputs per [gate][input]]
    P = _values(GRUCell(h, [x1, x2], name="g", weight_init=[[C(1.), C(2.), C(3.)],
                                                           [[C(4.), C(5.)], C(6.), [C(7.), C(8.)]]]))
    assert [P[f"g.W_h_to_{k}"][0, 0] for k in ("resetgate", "updategate", "hidden_update")] == [1, 2, 3]
    assert [P[f"g.W_{i}_to_{k}"][0, 0] for k in ("resetgate", "updategate", "hidden_update") for i in "ab"] == \
        [4, 5, 6, 6, 7, 8]


def test_lstm_cell_weight_and_peephole_init_forms():
    c, h, x = InputLayer((None, 2), name="c"), InputLayer((None, 2), name="h"), InputLayer((None, 2), name="x")
    C = init.Constant
    gates = ("ingate", "forgetgate", "cell", "outgate")
    P = _values(LSTMCell(c, h, x, name="l", weight_init=[C(1.), C(2.)], peepholes_W_init=[C(3.), C(4.), C(5.)])[1])
    assert np.all(P["l.W_h_to_cell"] == 1) and np.all(P["l.W_x_to_outgate"] == 2)
    assert [P[f"l.W_cell_to_{g}_peephole.scales"][0] for g in ("ingate", "forgetgate", "outgate")] == [3, 4, 5]
    P = _values(LSTMCell(c, h, x, name="l", weight_init=[C(1.), [C(2.), C(3.)], C(4.), C(5.)])[1])
    assert [P[f"l.W_{k}_to_{g}"][0, 0] for g in gates for k in "hx"] == [1, 1, 2, 3, 4, 4, 5, 5]


# MARK: construction errors

def test_cells_reject_num_units_that_differ_from_the_state_width():
    h, x = InputLayer((None, 4), name="h"), InputLayer((None, 2))
    for make, kind in ((RNNCell, "RNNCell 'cell'"), (GRUCell, "GRUCell 'cell'")):
        with pytest.raises(ValueError, match=rf"{kind}: num_units=3 \(new state shape \(None, 3\)\) differs from "
                                             r"prev_state 'h' of shape \(None, 4\)"):
            make(h, x, num_units=3, name="cell")
    with pytest.raises(ValueError, match=r"LSTMCell 'l': num_units=5 .* prev_cell 'h' of shape \(None, 4\)"):
        LSTMCell(h, h, x, num_units=5, name="l")
    with pytest.raises(ValueError, match=r"prev_state 'x3' must have shape \[batch, units\]"):
        GRUCell(InputLayer((None, 2, 2), name="x3"), x)


def test_lstm_cell_rejects_prev_out_that_differs_from_prev_cell():
    c, h = InputLayer((None, 4), name="c"), InputLayer((None, 3), name="h")
    with pytest.raises(ValueError, match=r"LSTMCell 'l': prev_out 'h' of shape \(None, 3\) must match prev_cell 'c' "
                                         r"of shape \(None, 4\)"):
        LSTMCell(c, h, name="l")


def test_cells_reject_wrong_length_initializer_lists():
    c, h, x = InputLayer((None, 2), name="c"), InputLayer((None, 2), name="h"), InputLayer((None, 2), name="x")
    N = init.Normal()
    with pytest.raises(ValueError, match=r"GRUCell 'g': weight_init must be one initializer or \[hidden_init, "
                                         r"input_init\], got a list of 3"):
        GRUCell(h, x, weight_init=[N, N, N], name="g")
    with pytest.raises(ValueError, match=r"GRUCell 'g': bias_init must be a single value or a list of 1 or 3"):
        GRUCell(h, x, bias_init=[N, N], name="g")
    with pytest.raises(ValueError, match=r"weight_init\[1\]\[0\] \(inputs -> one gate\).*list of 1 or 1, got a list "
                                         "of 2"):
        GRUCell(h, x, weight_init=[N, [[N, N], N, N]], name="g")
    with pytest.raises(ValueError, match=r"LSTMCell 'l': peepholes_W_init must be a single value or a list of 1 or 3"):
        LSTMCell(c, h, x, peepholes_W_init=[N, N], name="l")
    with pytest.raises(ValueError, match=r"LSTMCell 'l': bias_init .* list of 1 or 4, got a list of 3"):
        LSTMCell(c, h, x, bias_init=[N, N, N], name="l")
    with pytest.raises(ValueError, match=r"RNNCell 'r': Winp .* list of 1 or 1, got a list of 2"):
        RNNCell(h, x, Winp=[N, N], name="r")
