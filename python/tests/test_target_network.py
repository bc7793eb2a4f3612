"""TargetNetwork, clone_network and reapply: the seed's test_clone_and_targets, the reference's worked example
(clone W=1, original W=3, alpha=.25 -> 1.5; hard -> 3; names prefixed 'target_net.'), sharing and errors."""
import warnings

import numpy as np
import pytest

import agentnet
from agentnet.layers import DenseLayer, InputLayer, get_all_layers, get_all_params, get_all_param_values, get_output
from agentnet.memory import GRUCell
from agentnet.target_network import TargetNetwork
from agentnet.utils.clone import clone_network, reapply
from agentnet import init


def _seed_network():
    l_in = InputLayer((None, 10))
    l_d0 = DenseLayer(l_in, 20, name="d0")
    l_d1 = DenseLayer(l_d0, 30, name="d1")
    l_d2 = DenseLayer(l_d1, 40, name="d2")
    other_l_d2 = DenseLayer(l_d1, 41, name="other_d2")
    return l_in, l_d0, l_d1, l_d2, other_l_d2


def test_clone_and_targets():
    """The seed's test: full and partial clones, prefixes, counts, and target loading."""
    l_in, l_d0, l_d1, l_d2, other_l_d2 = _seed_network()
    full = clone_network([l_d2, other_l_d2])
    assert isinstance(full, list) and len(full) == 2
    assert len(get_all_params(full)) == len(get_all_params([l_d2, other_l_d2])) == 8
    assert not set(map(id, get_all_params(full))) & set(map(id, get_all_params([l_d2, other_l_d2])))
    assert get_all_layers(full)[0] is l_in                               # share_inputs

    partial = clone_network([l_d2, other_l_d2], bottom_layers=(l_d0,), name_prefix="clone.")
    shared = set(map(id, get_all_params(l_d0)))
    params = get_all_params(partial)
    assert len(params) == 8 and len(shared & set(map(id, params))) == 2
    for layer in get_all_layers(partial):
        if layer is l_in or layer is l_d0:
            continue
        assert layer.name.startswith("clone."), layer.name
    for p in params:
        assert (id(p) in shared) != p.name.startswith("clone."), p.name

    target = TargetNetwork([l_d2, other_l_d2], bottom_layers=(l_d0,))
    assert len(target.param_dict) == 6
    assert all(c.name.startswith("target_net.") for c in target.param_dict)
    assert all(o is not c for c, o in target.param_dict.items())
    target.load_weights()
    target.load_weights(0.33)


def test_reference_example_soft_and_hard_updates():
    inp = InputLayer((None, 1))
    dense = DenseLayer(inp, 1, W=init.Constant(3.0), b=None, nonlinearity=None, name="q")
    target = TargetNetwork(dense)
    (clone_w,) = target.param_dict
    assert clone_w.name == "target_net.q.W"
    clone_w.set_value(np.ones((1, 1), np.float32))
    target.load_weights(0.25)
    np.testing.assert_allclose(clone_w.get_value(), [[1.5]])
    target.load_weights()
    np.testing.assert_array_equal(clone_w.get_value(), [[3.0]])


def test_clone_starts_equal_and_then_moves_independently():
    rng = np.random.default_rng(0)
    inp = InputLayer((None, 4))
    net = DenseLayer(DenseLayer(inp, 8, name="h"), 2, nonlinearity=None, name="q")
    target = TargetNetwork(net)
    f = agentnet.function([inp.input_var], [get_output(net), get_output(target.output_layers)])
    x = rng.normal(size=(5, 4)).astype(np.float32)
    a, b = f(x)
    np.testing.assert_array_equal(a, b)
    for p in get_all_params(net):
        p.set_value(p.get_value() + 1)
    a2, b2 = f(x)
    np.testing.assert_array_equal(b2, b)                                 # the target did not follow
    assert not np.allclose(a2, b2)
    target.load_weights()
    a3, b3 = f(x)
    np.testing.assert_array_equal(a3, b3)


def test_get_updates_move_the_target_inside_a_training_function():
    inp = InputLayer((None, 3))
    net = DenseLayer(inp, 2, name="q")
    target = TargetNetwork(net)
    for p in get_all_params(net):
        p.set_value(np.full(p.get_value().shape, 2, np.float32))
    step = agentnet.function([], [], updates=target.get_updates(0.5))
    before = [c.get_value() for c in target.param_dict]
    step()
    for c, b, o in zip(target.param_dict, before, get_all_params(net)):
        np.testing.assert_allclose(c.get_value(), 0.5 * b + 0.5 * o.get_value(), rtol=1e-6)
    agentnet.function([], [], updates=target.get_updates())()
    for c, o in target.param_dict.items():
        np.testing.assert_array_equal(c.get_value(), o.get_value())


def test_clone_of_a_recurrent_cell_and_dict_substitution():
    x, prev = InputLayer((None, 3)), InputLayer((None, 5))
    cell = GRUCell(prev, x, name="gru")
    clone = clone_network({"h": cell}, name_prefix="c.")
    assert isinstance(clone, dict) and clone["h"].name == "c.gru"
    assert len(get_all_params(clone["h"])) == len(get_all_params(cell))
    for a, b in zip(get_all_param_values(clone["h"]), get_all_param_values(cell)):
        np.testing.assert_array_equal(a, b)
    other = InputLayer((None, 3))
    swapped = clone_network(cell, bottom_layers={x: other})
    assert other in get_all_layers(swapped) and x not in get_all_layers(swapped)


def test_share_params_warns_and_shares():
    inp = InputLayer((None, 3))
    net = DenseLayer(inp, 2)
    with pytest.warns(UserWarning, match="reapply"):
        twin = clone_network(net, share_params=True)
    assert twin is not net and all(a is b for a, b in zip(get_all_params(twin), get_all_params(net)))


def test_reapply_shares_parameters_and_keeps_containers():
    rng = np.random.default_rng(1)
    inp = InputLayer((None, 3))
    h = DenseLayer(inp, 4, name="h")
    q = DenseLayer(h, 2, nonlinearity=None, name="q")
    other = InputLayer((None, 3))
    single = reapply(q, {inp: other})
    as_list = reapply([q, h], {inp: other})
    as_dict = reapply({"q": q}, {inp: other})
    assert isinstance(as_list, list) and isinstance(as_dict, dict)
    f = agentnet.function([inp.input_var, other.input_var], [get_output(q), get_output(single), get_output(as_dict["q"])])
    x, y = rng.normal(size=(2, 3)).astype(np.float32), rng.normal(size=(2, 3)).astype(np.float32)
    qx, qy, qy2 = f(x, x)
    np.testing.assert_allclose(qx, qy, rtol=1e-6)
    np.testing.assert_allclose(qx, qy2, rtol=1e-6)
    g = agentnet.function([inp.input_var, other.input_var], [get_output(q), get_output(single)])
    qx, qy = g(x, y)
    assert not np.allclose(qx, qy)
    get_all_params(q)[0].set_value(np.zeros((3, 4), np.float32))      # shared: the reapplied output follows
    qx, qy = g(x, y)
    np.testing.assert_allclose(qx, qy, rtol=1e-6)


@pytest.mark.parametrize("call, error, message", [
    (lambda n: TargetNetwork(n).load_weights(1.5), ValueError, r"in \[0, 1\]"),
    (lambda n: TargetNetwork(n).load_weights("x"), TypeError, "moving_average_alpha"),
    (lambda n: TargetNetwork(n, bottom_layers=(n,)), ValueError, "nothing to load"),
    (lambda n: clone_network(3), TypeError, "expected a layer"),
    (lambda n: clone_network(n, name_prefix=3), TypeError, "name_prefix"),
    (lambda n: reapply(n, {}), TypeError, "new_inputs"),
])
def test_misuse_is_a_clear_error(call, error, message):
    net = DenseLayer(InputLayer((None, 3)), 2)
    with pytest.raises(error, match=message):
        call(net)
