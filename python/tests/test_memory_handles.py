"""The memory, attention and broadcast layers are engine layers: their Python classes are handles (no callback
into Python builds their outputs), ``get_output_for`` gives the engine's outputs, and copies are independent."""
import copy
import gc

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet.layers import InputLayer, get_all_layers, get_all_params, get_output
from agentnet.memory import (AttentionLayer, CounterLayer, DotAttentionLayer, StackAugmentation, SwitchLayer,
                             WindowAugmentation, self_attention)
from agentnet.utils.layers import BroadcastLayer, GradClipLayer, UnbroadcastLayer, UpcastLayer, clip_grads


def _f32(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def test_every_layer_is_its_own_engine_kind_not_a_callback():
    v, q, m = InputLayer((None, 5, 4)), InputLayer((None, 4)), InputLayer((None, 5))
    bc = BroadcastLayer(InputLayer((None, 3, 4)), (0, 2))
    layers = {
        "WindowAugmentation": WindowAugmentation(InputLayer((None, 2)), InputLayer((None, 3, 2))),
        "StackAugmentation": StackAugmentation(InputLayer((None, 2)), InputLayer((None, 3, 2)), InputLayer((None, 3))),
        "CounterLayer": CounterLayer(InputLayer((None,)), k=2),
        "SwitchLayer": SwitchLayer(InputLayer((None,)), InputLayer((None, 2)), InputLayer((None, 2))),
        "AttentionLayer": AttentionLayer(v, q, 3, mask_input=m),
        "DotAttentionLayer": DotAttentionLayer(v, q, scale=True),
        "BroadcastLayer": bc,
        "UnbroadcastLayer": UnbroadcastLayer(bc, bc),
        "UpcastLayer": UpcastLayer(InputLayer((None, 2)), bc),
        "GradClipLayer": clip_grads(InputLayer((None, 2), name="x"), 1.0),
    }
    for kind, layer in layers.items():
        layer._handle
        text = repr(layer.__dict__["_engine_layer"])
        assert text.startswith(kind + "(") and "(host)" not in text, (kind, text)


def test_attention_get_output_for_gives_both_engine_outputs():
    v, q = InputLayer((None, 5, 4)), InputLayer((None, 4))
    layer = DotAttentionLayer(v, q)
    V, Q = _f32(2, 5, 4, seed=1), _f32(2, 4, seed=2)
    direct = layer.get_output_for([v.input_var, v.input_var, q.input_var])
    hard = layer.get_output_for([v.input_var, v.input_var, q.input_var], hard_attention=True)
    assert list(direct) == ["attn", "probs"]
    walked = get_output(layer)
    f = agentnet.function([v.input_var, q.input_var], [direct["attn"], direct["probs"], walked["attn"], hard["probs"]])
    attn, probs, walked_attn, one_hot = f(V, Q)
    np.testing.assert_array_equal(attn, walked_attn)
    np.testing.assert_array_equal(one_hot, np.eye(5, dtype=np.float32)[probs.argmax(1)])


def test_deepcopy_of_self_attention_is_independent_and_outlives_the_original():
    l_in = InputLayer((None, 5, 4))
    out = self_attention(l_in, key_size=3, value_size=2, attn_class=AttentionLayer, num_units=3, name="sa",
                         probs_nonlinearity=lambda z: T.softmax(z * 2, axis=-1))
    x = _f32(2, 5, 4)
    want = agentnet.function([l_in.input_var], get_output(out))(x)
    twin = copy.deepcopy(out)
    twin_in = [l for l in get_all_layers(twin) if isinstance(l, InputLayer)][0]
    del out, l_in
    gc.collect()
    f = agentnet.function([twin_in.input_var], get_output(twin))
    np.testing.assert_array_equal(f(x), want)
    p = get_all_params(twin)[0]
    p.set_value(np.zeros_like(p.get_value()))
    assert not np.array_equal(f(x), want)


def test_grad_clip_layer_repr_and_bound_check():
    layer = GradClipLayer(InputLayer((None, 2)), 0.25, name="g")
    assert repr(layer) == "GradClipLayer(clipping_bound=0.25, name='g') (None, 2)"
    with pytest.raises(ValueError, match="must be positive"):
        clip_grads(InputLayer((None, 2)), -1)
