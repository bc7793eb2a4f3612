"""agentnet.utils.clone.clone_network and agentnet.utils.reapply: the seed's test_clone, independence of copies,
deep networks (conv, dense, batch norm, GRU cells, a Recurrence), Python-defined layers, sharing options and misuse."""
import copy
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init, nonlinearities
from agentnet.agent import Recurrence
from agentnet.layers import (Conv2DLayer, DenseLayer, ExpressionLayer, FlattenLayer, InputLayer, Layer, batch_norm,
                             get_all_layers, get_all_param_values, get_all_params, get_output,
                             set_all_param_values)
from agentnet.layers.normalization import get_batch_norm_updates
from agentnet.memory import GRUCell
from agentnet.updates import sgd
from agentnet.utils import reapply
from agentnet.utils.clone import clone_network

RNG = np.random.default_rng(0)


def _x(*shape):
    return RNG.normal(size=shape).astype(np.float32)


def _mlp(input_var=None):
    l_in = InputLayer([None, 10], input_var)
    l_d0 = DenseLayer(l_in, 20, name="d0")
    l_d1 = DenseLayer(l_d0, 30, name="d1")
    l_d2 = DenseLayer(l_d1, 40, name="d2")
    l_d3 = DenseLayer(l_d2, 41, name="d3")
    return l_in, l_d0, l_d1, l_d2, l_d3


def test_seed_clone():
    dummy = agentnet._core.constant(np.zeros((3, 10), np.float32))  # an expression standing for the input
    l_in, l_d0, l_d1, l_d2, l_d3 = _mlp(dummy)
    original_params = get_all_params(l_d3)

    full_clone = clone_network(l_d3, name_prefix="cloned_net.")
    assert full_clone.name == "cloned_net." + l_d3.name
    assert full_clone.W.name == "cloned_net." + l_d3.W.name
    full_clone_params = get_all_params(full_clone)
    assert len(full_clone_params) == 8
    for par, clone_par in zip(original_params, full_clone_params):
        assert par is not clone_par
        assert clone_par.name == "cloned_net." + par.name

    with pytest.warns(UserWarning, match="reapply"):
        shared_clone = clone_network(l_d3, share_params=True)
    for par, clone_par in zip(original_params, get_all_params(shared_clone)):
        assert par is clone_par

    partial_clone = clone_network(l_d3, bottom_layers=l_d1)
    assert partial_clone.input_layer.input_layer is l_d1
    assert partial_clone.input_layer.input_layer.input_layer is l_d0

    l_in_alt = InputLayer([None, 10], dummy)
    l_d1_alt = DenseLayer(l_in_alt, 30)
    substitute_clone = clone_network(l_d3, bottom_layers={l_d1: l_d1_alt})
    assert substitute_clone.input_layer.input_layer is l_d1_alt
    assert substitute_clone.input_layer.input_layer.input_layer is l_in_alt

    expected = agentnet.function([], get_output(l_d3))()
    for nn in [full_clone, shared_clone, partial_clone]:
        np.testing.assert_allclose(agentnet.function([], get_output(nn))(), expected, rtol=1e-5)
    assert agentnet.function([], get_output(substitute_clone))().shape == (3, 41)


def test_layer_and_param_counts_and_names_with_a_prefix():
    l_in, l_d0, l_d1, l_d2, l_d3 = _mlp()
    clone = clone_network(l_d3, bottom_layers=[l_d1], name_prefix="p.")
    names = [l.name for l in get_all_layers(clone)]
    assert names == [None, "d0", "d1", "p.d2", "p.d3"]
    assert [p.name for p in get_all_params(clone)] == ["d0.W", "d0.b", "d1.W", "d1.b", "p.d2.W", "p.d2.b",
                                                       "p.d3.W", "p.d3.b"]
    assert get_all_layers(clone)[0] is l_in  # inputs are shared by default
    assert repr(clone).startswith("DenseLayer(num_units=41")
    unnamed = clone_network(DenseLayer(l_in, 2), name_prefix="t.")
    assert unnamed.name == "t." and unnamed.W.name == "t.W"


def test_containers_keep_their_type():
    l_in, l_d0, l_d1, l_d2, l_d3 = _mlp()
    as_list = clone_network([l_d2, l_d3])
    as_tuple = clone_network((l_d2, l_d3))
    as_dict = clone_network({"a": l_d2, "b": l_d3})
    as_odict = clone_network(OrderedDict([("b", l_d3), ("a", l_d2)]))
    assert type(as_list) is list and type(as_tuple) is tuple and type(as_dict) is dict
    assert type(as_odict) is OrderedDict and list(as_odict) == ["b", "a"]
    for d2, d3 in (as_list, as_tuple, (as_dict["a"], as_dict["b"]), (as_odict["a"], as_odict["b"])):
        assert d3.input_layer is d2  # one copy of the shared part
    assert clone_network([l_d3, l_in])[1] is l_in


def test_copies_start_equal_and_diverge_when_the_original_is_trained():
    l_in, l_d0, l_d1, l_d2, l_d3 = _mlp()
    clone = clone_network(l_d3, name_prefix="snapshot.")
    x, y = _x(8, 10), _x(8, 41)
    f = agentnet.function([l_in.input_var], [get_output(l_d3), get_output(clone)])
    a, b = f(x)
    np.testing.assert_array_equal(a, b)
    target = T.matrix("y")
    loss = T.mean((get_output(l_d3) - target) ** 2)
    train = agentnet.function([l_in.input_var, target], loss, updates=sgd(loss, get_all_params(l_d3), 0.1))
    before = get_all_param_values(clone)
    for _ in range(5):
        train(x, y)
    a2, b2 = f(x)
    np.testing.assert_array_equal(b2, b)  # the copy kept its weights
    assert not np.allclose(a2, a)
    for v, w in zip(before, get_all_param_values(clone)):
        np.testing.assert_array_equal(v, w)


def test_deep_network_with_conv_batchnorm_dense_and_gru_cell():
    image = InputLayer((None, 2, 6, 6))
    conv = batch_norm(Conv2DLayer(image, 3, 3, name="conv"))
    dense = DenseLayer(FlattenLayer(conv), 5, nonlinearity=nonlinearities.tanh, name="dense")
    prev = InputLayer((None, 4), name="prev")
    gru = GRUCell(prev, dense, num_units=4, name="gru")
    q = DenseLayer(gru, 3, nonlinearity=None, name="q")
    clone = clone_network(q, name_prefix="t.")
    originals, copies = get_all_params(q), get_all_params(clone)
    assert len(copies) == len(originals) and not any(a is b for a, b in zip(originals, copies))
    assert all(c.name == "t." + o.name for o, c in zip(originals, copies))
    x, h = _x(4, 2, 6, 6), _x(4, 4)
    for deterministic in (True, False):
        f = agentnet.function([image.input_var, prev.input_var],
                              [get_output(q, deterministic=deterministic), get_output(clone, deterministic=deterministic)])
        a, b = f(x, h)
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # Batch-norm running averages: the copy's output updates the copy's averages, the original's its own.
    orig_updates, clone_updates = get_batch_norm_updates(q), get_batch_norm_updates(clone)
    bn = [l for l in get_all_layers(q) if type(l).__name__ == "BatchNormLayer"][0]
    bn_clone = [l for l in get_all_layers(clone) if type(l).__name__ == "BatchNormLayer"][0]
    assert list(orig_updates) == [bn.mean, bn.inv_std]
    assert list(clone_updates) == [bn_clone.mean, bn_clone.inv_std] and bn_clone.mean is not bn.mean
    step = agentnet.function([image.input_var], [], updates=clone_updates)
    step(x)
    assert not np.allclose(bn_clone.mean.get_value(), bn.mean.get_value())
    np.testing.assert_array_equal(bn.mean.get_value(), np.zeros(3, np.float32))
    # Training the original moves it away from the copy.
    set_all_param_values(q, [v + 0.1 for v in get_all_param_values(q)])
    f = agentnet.function([image.input_var, prev.input_var], [get_output(q, deterministic=True),
                                                              get_output(clone, deterministic=True)])
    a, b = f(x, h)
    assert not np.allclose(a, b)


class Scale(Layer):
    """A Python layer: y = x * scale (per unit)."""

    def __init__(self, incoming, **kwargs):
        super().__init__(incoming, **kwargs)
        self.scale = self.add_param(init.Constant(2.0), (self.input_shape[1],), name="scale")

    def get_output_for(self, input, **kwargs):
        return input * self.scale


def test_python_layers_are_copied_with_their_own_parameters():
    l_in = InputLayer((None, 3))
    user = Scale(l_in, name="user")
    expr = ExpressionLayer(user, lambda x: T.tanh(x) + 1, name="expr")
    out = DenseLayer(expr, 2, name="out")
    clone = clone_network(out, name_prefix="c.")
    user_clone = clone.input_layer.input_layer
    assert type(user_clone) is Scale and user_clone is not user and user_clone.name == "c.user"
    assert user_clone.scale is not user.scale and user_clone.scale.name == "c.user.scale"
    assert [p.name for p in get_all_params(clone)] == ["c.user.scale", "c.out.W", "c.out.b"]
    x = _x(5, 3)
    f = agentnet.function([l_in.input_var], [get_output(out), get_output(clone)])
    a, b = f(x)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    user_clone.scale.set_value(np.zeros(3, np.float32))
    a2, b2 = f(x)
    np.testing.assert_array_equal(a2, a)
    zero_scale = agentnet.function([l_in.input_var], get_output(out, {user: T.zeros_like(l_in.input_var)}))
    np.testing.assert_allclose(b2, zero_scale(x), rtol=1e-6)
    # The copy keeps working after the original network is gone.
    del out, expr, user, f, zero_scale
    import gc
    gc.collect()
    g = agentnet.function([l_in.input_var], get_output(clone))
    np.testing.assert_allclose(g(x), b2, rtol=1e-6)


def test_recurrence_is_copied_with_its_one_tick_parameters():
    seq = InputLayer((None, 5, 3))
    x_t, h_prev = InputLayer((None, 3)), InputLayer((None, 4))
    h = GRUCell(h_prev, x_t, num_units=4, name="gru")
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, n_steps=5)
    out = DenseLayer(rec[h], 2, num_leading_axes=2, name="out")
    clone = clone_network(out, name_prefix="t.")
    assert len(get_all_params(clone)) == len(get_all_params(out))
    assert not set(map(id, get_all_params(clone))) & set(map(id, get_all_params(out)))
    xs = _x(2, 5, 3)
    f = agentnet.function([seq.input_var], [get_output(out), get_output(clone)])
    a, b = f(xs)
    np.testing.assert_allclose(a, b, rtol=1e-5)
    set_all_param_values(out, [v * 0 for v in get_all_param_values(out)])
    a2, b2 = f(xs)
    np.testing.assert_array_equal(b2, b)
    np.testing.assert_array_equal(a2, np.zeros_like(a2))


def test_sharing_options():
    l_in, l_d0, l_d1, l_d2, l_d3 = _mlp()
    copied_inputs = clone_network(l_d3, share_inputs=False)
    new_input = get_all_layers(copied_inputs)[0]
    assert isinstance(new_input, InputLayer) and new_input is not l_in
    assert new_input.input_var is not l_in.input_var and new_input.shape == l_in.shape
    x = _x(3, 10)
    np.testing.assert_allclose(agentnet.function([new_input.input_var], get_output(copied_inputs))(x),
                               agentnet.function([l_in.input_var], get_output(l_d3))(x), rtol=1e-6)
    # A shared variable listed in bottom_layers stays shared; one mapped in the dict form is replaced.
    kept = clone_network(l_d3, bottom_layers=[l_d0.W])
    assert get_all_params(kept)[0] is l_d0.W and get_all_params(kept)[1] is not l_d0.b
    other = agentnet.shared(np.zeros((20, 30), np.float32), name="other")
    replaced = clone_network(l_d3, bottom_layers={l_d1.W: other})
    assert replaced.input_layer.input_layer.W is other and other in get_all_params(replaced)
    # share_params=True: training the original trains the copy.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        twin = clone_network(l_d3, share_params=True)
    set_all_param_values(l_d3, [v * 0 for v in get_all_param_values(l_d3)])
    assert not np.any(agentnet.function([l_in.input_var], get_output(twin))(x))


def test_a_copy_can_be_deep_copied_and_cloned_again():
    l_in, l_d0, l_d1, l_d2, l_d3 = _mlp()
    clone = clone_network(l_d3, name_prefix="a.")
    again = clone_network(clone, name_prefix="b.")
    assert again.W.name == "b.a.d3.W"
    twin = copy.deepcopy(clone)
    x = _x(2, 10)
    f = agentnet.function([l_in.input_var], [get_output(l_d3), get_output(again)])
    a, b = f(x)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    twin_in = get_all_layers(twin)[0]
    np.testing.assert_allclose(agentnet.function([twin_in.input_var], get_output(twin))(x), a, rtol=1e-6)


def test_reapply_returns_the_container_it_was_given_and_shares_parameters():
    l_in1 = InputLayer([None, 10])
    l_d1 = DenseLayer(l_in1, 20)
    l_d2 = DenseLayer(l_in1, 30)
    l_cat = agentnet.layers.ConcatLayer([l_d1, l_d2])
    l_d3 = DenseLayer(l_cat, 20)
    l_in2 = InputLayer([None, 10])
    new_l_d3 = reapply(l_d3, {l_in1: l_in2})
    assert isinstance(new_l_d3, Layer) and new_l_d3.output_shape == (None, 20)
    assert get_all_params(new_l_d3) == get_all_params(l_d3)
    x = _x(4, 10)
    np.testing.assert_allclose(agentnet.function([l_in2.input_var], get_output(new_l_d3))(x),
                               agentnet.function([l_in1.input_var], get_output(l_d3))(x), rtol=1e-6)
    l_in3 = InputLayer([None, 30])
    only_d2 = reapply(l_d3, {l_d2: l_in3})
    assert set(map(id, get_all_params(only_d2))) == {id(p) for p in l_d1.params} | {id(p) for p in l_d3.params}
    z = np.zeros((4, 30), np.float32)
    np.testing.assert_allclose(
        agentnet.function([l_in1.input_var, l_in3.input_var], get_output(only_d2))(x, z),
        agentnet.function([l_in1.input_var], get_output(l_d3, {l_d2: T.zeros((4, 30))}))(x), rtol=1e-6)
    as_list = reapply([l_d3, l_d1], {l_in1: l_in2})
    as_dict = reapply({"q": l_d3, "h": l_d1}, {l_in1: l_in2})
    assert isinstance(as_list, list) and len(as_list) == 2 and as_list[1].output_shape == (None, 20)
    assert isinstance(as_dict, dict) and set(as_dict) == {"q", "h"}
    # Gradients through the reapplied part reach the original parameters.
    g = T.grad(T.sum(get_output(new_l_d3)), l_d3.W)
    assert agentnet.function([l_in2.input_var], g)(x).shape == (50, 20)


def test_misuse_is_a_clear_error():
    l_in, l_d0, l_d1, l_d2, l_d3 = _mlp()
    with pytest.raises(TypeError, match="original_network"):
        clone_network("not a layer")
    with pytest.raises(ValueError, match="no layers"):
        clone_network([])
    with pytest.raises(TypeError, match="bottom_layers"):
        clone_network(l_d3, bottom_layers=[3])
    with pytest.raises(TypeError, match="bottom_layers"):
        clone_network(l_d3, bottom_layers={l_d1: l_d1.W})
    with pytest.raises(TypeError, match="name_prefix"):
        clone_network(l_d3, name_prefix=5)
    with pytest.raises(ValueError, match="cannot be replaced"):
        clone_network(l_d3, bottom_layers={l_d1.W: agentnet.shared(np.zeros((2, 2), np.float32))})
    with pytest.raises(TypeError, match="replacements"):
        reapply(l_d3, [l_in])
    with pytest.raises(ValueError, match="empty"):
        reapply(l_d3, {})
    with pytest.raises(TypeError, match="layers"):
        reapply(l_d3, {l_in: "x"})
    with pytest.raises(TypeError, match="layers must be"):
        reapply(3, {l_in: l_in})


def test_copies_target_networks_and_reapplied_layers_free_their_engine_objects():
    import ctypes
    import gc
    from agentnet._lib import lib
    from agentnet.target_network import TargetNetwork

    def live():
        gc.collect()
        n = ctypes.c_int64()
        lib.agn_live_handles(ctypes.byref(n))
        return n.value

    def make():
        l_in = InputLayer([None, 4])
        out = DenseLayer(DenseLayer(l_in, 3, name="d"), 2, name="e")
        target = TargetNetwork(out)
        target.load_weights(0.5)
        target.get_updates(0.3)
        clone_network(out, share_inputs=False, name_prefix="x.")
        reapply(out, {l_in: InputLayer([None, 4])})
        agentnet.function([l_in.input_var], get_output(target.output_layers))(np.zeros((2, 4), np.float32))

    make()
    base = live()
    for _ in range(3):
        make()
    assert live() == base


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
