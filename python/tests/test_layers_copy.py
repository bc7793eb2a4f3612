"""Copies of layers and networks: copy.deepcopy gives independent parameters and engine objects; pickling is a
clear TypeError; no copy ever holds a stale engine handle."""
import copy
import gc
import pickle

import numpy as np
import pytest

import agentnet
from agentnet import nonlinearities
from agentnet.agent import Recurrence
from agentnet.layers import (DenseLayer, InputLayer, get_all_param_values, get_all_params, get_output,
                             set_all_param_values)
from agentnet.memory import GRUCell


def _mlp():
    inp = InputLayer((None, 3))
    return inp, DenseLayer(DenseLayer(inp, 4, nonlinearity=nonlinearities.tanh, name="h"), 2, name="out")


def test_deepcopy_of_a_network_has_independent_parameters_and_survives_the_original():
    inp, net = _mlp()
    twin = copy.deepcopy(net)
    originals, copies = get_all_params(net), get_all_params(twin)
    assert len(copies) == 4 and not any(a is b for a, b in zip(originals, copies))
    assert [p.name for p in copies] == [p.name for p in originals]
    for a, b in zip(get_all_param_values(net), get_all_param_values(twin)):
        np.testing.assert_array_equal(a, b)
    twin_input = twin.input_layer.input_layer
    assert twin_input is not inp and isinstance(twin_input, InputLayer)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    f = agentnet.function([inp.input_var], get_output(net))
    expected = f(x)
    set_all_param_values(twin, [v * 0 for v in get_all_param_values(twin)])
    np.testing.assert_array_equal(f(x), expected)  # the original is untouched
    del net, inp, f, originals
    gc.collect()
    g = agentnet.function([twin_input.input_var], get_output(twin))
    np.testing.assert_array_equal(g(x), np.zeros((5, 2), np.float32))


def test_deepcopy_of_zoo_layers_has_independent_parameters():
    from agentnet.layers import (BatchNormLayer, Conv2DLayer, DimshuffleLayer, EmbeddingLayer, FlattenLayer,
                                 ScaleLayer, batch_norm)
    inp = InputLayer((None, 2, 5, 5))
    conv = batch_norm(Conv2DLayer(inp, 3, 3, name="conv"))
    net = DenseLayer(ScaleLayer(FlattenLayer(conv), name="scale"), 2, name="out")
    ids = InputLayer((None, 4), input_var=agentnet.tensor.imatrix("ids"))
    emb = DimshuffleLayer(EmbeddingLayer(ids, 7, 3, name="emb"), (0, 2, 1))
    for layer, inputs in ((net, [inp]), (emb, [ids])):
        twin = copy.deepcopy(layer)
        originals, copies = get_all_params(layer), get_all_params(twin)
        assert len(copies) == len(originals) and not any(a is b for a, b in zip(originals, copies))
        twin_inputs = [l for l in agentnet.layers.get_all_layers(twin) if isinstance(l, InputLayer)]
        if inputs[0] is inp:
            x = np.random.default_rng(1).normal(size=(4, 2, 5, 5)).astype(np.float32)
        else:
            x = np.random.default_rng(1).integers(0, 7, size=(4, 4)).astype(np.int32)
        f = agentnet.function([inputs[0].input_var], get_output(layer, deterministic=True))
        g = agentnet.function([twin_inputs[0].input_var], get_output(twin, deterministic=True))
        expected = f(x)
        np.testing.assert_array_equal(g(x), expected)
        set_all_param_values(twin, [v * 0 for v in get_all_param_values(twin)])
        np.testing.assert_array_equal(f(x), expected)  # the original is untouched
        assert not np.array_equal(g(x), expected)
    assert any(isinstance(l, BatchNormLayer) for l in agentnet.layers.get_all_layers(net))


def test_deepcopy_of_a_recurrence_gives_the_same_numbers_then_trains_apart():
    seq = InputLayer((None, 5, 3))
    x_t, h_prev = InputLayer((None, 3)), InputLayer((None, 4))
    h = GRUCell(h_prev, x_t, num_units=4, name="gru")
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, n_steps=5)
    twin = copy.deepcopy(rec)
    twin_h = next(iter(twin.state_variables))
    xs = np.random.default_rng(1).normal(size=(2, 5, 3)).astype(np.float32)
    a = agentnet.function([seq.input_var], get_output(rec[h]))(xs)
    b = agentnet.function([twin.input_layers[0].input_var], get_output(twin[twin_h]))(xs)
    np.testing.assert_allclose(a, b, rtol=1e-6)
    set_all_param_values(twin, [v + 1 for v in get_all_param_values(twin)])
    c = agentnet.function([seq.input_var], get_output(rec[h]))(xs)
    np.testing.assert_array_equal(a, c)


def test_pickling_is_a_clear_type_error_and_shallow_copies_share_parameters():
    _, net = _mlp()
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(net)
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(net.W)
    with pytest.raises(TypeError):
        copy.deepcopy(net._engine_layer)
    shallow = copy.copy(net)
    assert shallow.W is net.W and get_all_params(shallow) == get_all_params(net)
    assert copy.copy(net.W) is net.W
