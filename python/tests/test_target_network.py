"""agentnet.target_network.TargetNetwork: the seed's test_targetnet, the reference example (hard and soft loads),
shared bottom layers, symbolic updates inside a training function, and misuse."""
import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import nonlinearities
from agentnet.layers import DenseLayer, InputLayer, get_all_layers, get_all_param_values, get_all_params, get_output
from agentnet.target_network import TargetNetwork
from agentnet import init
from agentnet.utils.clone import clone_network, reapply
from agentnet.updates import sgd


def _seed_net():
    l_in = InputLayer([None, 10])
    l_d0 = DenseLayer(l_in, 20, name="d0")
    l_d1 = DenseLayer(l_d0, 30, name="d1")
    l_d2 = DenseLayer(l_d1, 40, name="d2")
    other_l_d2 = DenseLayer(l_d1, 41, name="d2_other")
    return l_in, l_d0, l_d1, l_d2, other_l_d2


def test_seed_targetnet():
    l_in, l_d0, l_d1, l_d2, other_l_d2 = _seed_net()
    full_clone = TargetNetwork([l_d2, other_l_d2], name="target_nn")
    layer_names = [l.name for l in get_all_layers(full_clone.output_layers)]
    param_names = [p.name for p in get_all_params(full_clone.output_layers)]
    assert len(param_names) == 8
    assert len([n for n in param_names if n.startswith("target_nn")]) == 8
    assert len(layer_names) == 5
    assert len([n for n in layer_names if (n or "").startswith("target_nn")]) == 4
    assert len(full_clone.param_dict) == 8

    partial = TargetNetwork([l_d2, other_l_d2], l_d1, name="target_nn")
    layer_names = [l.name for l in get_all_layers(partial.output_layers)]
    param_names = [p.name for p in get_all_params(partial.output_layers)]
    assert len(param_names) == 8
    assert len([n for n in param_names if n.startswith("target_nn")]) == 4
    assert len(layer_names) == 5
    assert len([n for n in layer_names if (n or "").startswith("target_nn")]) == 2
    partial.load_weights()
    partial.load_weights(0.33)


def test_reference_example_soft_and_hard_loads():
    inp = InputLayer([None, 1])
    q = DenseLayer(inp, 1, W=np.ones((1, 1), np.float32), b=None, nonlinearity=None, name="q")
    target = TargetNetwork(q)
    clone = target.output_layers
    assert isinstance(clone, DenseLayer) and clone.name == "target_net.q" and clone.W.name == "target_net.q.W"
    assert list(target.param_dict.items()) == [(clone.W, q.W)]
    q.W.set_value(np.full((1, 1), 3, np.float32))
    assert clone.W.get_value()[0, 0] == 1
    target.load_weights(moving_average_alpha=0.25)
    assert clone.W.get_value()[0, 0] == 1.5
    target.load_weights()
    assert clone.W.get_value()[0, 0] == 3
    target.load_weights(0)
    assert clone.W.get_value()[0, 0] == 3


def test_soft_load_over_every_pair_matches_the_formula():
    l_in, l_d0, l_d1, l_d2, other_l_d2 = _seed_net()
    target = TargetNetwork([l_d2, other_l_d2])
    clones, originals = list(target.param_dict), list(target.param_dict.values())
    rng = np.random.default_rng(0)
    for p in originals:
        p.set_value(rng.normal(size=p.get_value().shape).astype(np.float32))
    before = [c.get_value() for c in clones]
    target.load_weights(0.1)
    for c, o, b in zip(clones, originals, before):
        np.testing.assert_allclose(c.get_value(), 0.9 * b + 0.1 * o.get_value(), rtol=1e-6, atol=1e-7)


def test_bottom_layers_are_shared_and_left_alone():
    l_in, l_d0, l_d1, l_d2, other_l_d2 = _seed_net()
    target = TargetNetwork(l_d2, bottom_layers=(l_d0,))
    clone = target.output_layers
    assert clone.input_layer.input_layer is l_d0
    assert set(map(id, target.param_dict.values())) == {id(p) for p in l_d1.params} | {id(p) for p in l_d2.params}
    d0 = [v.copy() for v in get_all_param_values(l_d0)]
    target.load_weights(0.5)
    for a, b in zip(d0, get_all_param_values(l_d0)):
        np.testing.assert_array_equal(a, b)
    x = np.random.default_rng(1).normal(size=(3, 10)).astype(np.float32)
    f = agentnet.function([l_in.input_var], [get_output(l_d2), get_output(clone)])
    a, b = f(x)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    alt = DenseLayer(l_d0, 30, name="alt")
    substituted = TargetNetwork(l_d2, bottom_layers={l_d1: alt})
    assert substituted.output_layers.input_layer is alt
    # The seed pairs parameters by position: the substitute's own parameters pair with the ones it stands for.
    assert [(c.name, o.name) for c, o in substituted.param_dict.items()] == [
        ("alt.W", "d1.W"), ("alt.b", "d1.b"), ("target_net.d2.W", "d2.W"), ("target_net.d2.b", "d2.b")]


def test_the_training_function_moves_the_target_in_the_same_call():
    inp = InputLayer([None, 3])
    q = DenseLayer(inp, 2, nonlinearity=nonlinearities.tanh, name="q")
    target = TargetNetwork(q)
    y = T.matrix("y")
    loss = T.mean((get_output(q) - y) ** 2)
    alpha = T.scalar("alpha")
    updates = list(sgd(loss, get_all_params(q), 0.5).items()) + list(target.get_updates(alpha).items())
    train = agentnet.function([inp.input_var, y, alpha], loss, updates=updates)
    x = np.random.default_rng(2).normal(size=(4, 3)).astype(np.float32)
    t = np.zeros((4, 2), np.float32)
    clone_before = [p.get_value() for p in target.param_dict]
    orig_before = [p.get_value() for p in target.param_dict.values()]
    train(x, t, 0.25)
    for c, cb, ob in zip(target.param_dict, clone_before, orig_before):
        np.testing.assert_allclose(c.get_value(), 0.75 * cb + 0.25 * ob, rtol=1e-6)  # updates read the old values
    hard = target.get_updates()
    assert list(hard) == list(target.param_dict)
    agentnet.function([], [], updates=hard)()
    for c, o in target.param_dict.items():
        np.testing.assert_array_equal(c.get_value(), o.get_value())
    assert len(target.get_updates(0.5)) == 2


def test_misuse_is_a_clear_error():
    l_in, l_d0, l_d1, l_d2, other_l_d2 = _seed_net()
    with pytest.raises(ValueError, match="no loadable parameters"):
        TargetNetwork(l_d2, bottom_layers=[l_d2])
    with pytest.raises(ValueError, match="no loadable parameters"):
        TargetNetwork(agentnet.layers.NonlinearityLayer(l_in))
    target = TargetNetwork(l_d2)
    for bad in (1.5, -0.1, float("nan")):
        with pytest.raises(ValueError, match=r"moving_average_alpha must be in \[0, 1\]"):
            target.load_weights(bad)
        with pytest.raises(ValueError, match=r"moving_average_alpha must be in \[0, 1\]"):
            target.get_updates(bad)
    with pytest.raises(TypeError, match="moving_average_alpha"):
        target.load_weights("0.5")
    with pytest.raises(TypeError, match="name"):
        TargetNetwork(l_d2, name=None)
    with pytest.raises(TypeError, match="original_network"):
        TargetNetwork("l_d2")
    with pytest.raises(ValueError, match="scalar"):
        target.get_updates(T.vector("a"))
    assert "TargetNetwork" in repr(target)


def test_clone_and_targets_with_a_shared_bottom():
    """The seed's test: full and partial clones, prefixes, counts, and target loading."""
    l_in, l_d0, l_d1, l_d2, other_l_d2 = _seed_net()
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


def test_reference_example_with_the_clone_set_by_hand():
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


def test_get_updates_alone_move_the_target():
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


@pytest.mark.parametrize("call, error, message", [
    (lambda n: TargetNetwork(n).load_weights(1.5), ValueError, r"in \[0, 1\]"),
    (lambda n: TargetNetwork(n).load_weights("x"), TypeError, "moving_average_alpha"),
    (lambda n: TargetNetwork(n, bottom_layers=(n,)), ValueError, "no loadable parameters"),
    (lambda n: clone_network(3), TypeError, "expected a layer"),
    (lambda n: clone_network(n, name_prefix=3), TypeError, "name_prefix"),
    (lambda n: reapply(n, {}), ValueError, "empty"),
])
def test_misuse_table(call, error, message):
    net = DenseLayer(InputLayer((None, 3)), 2)
    with pytest.raises(error, match=message):
        call(net)
