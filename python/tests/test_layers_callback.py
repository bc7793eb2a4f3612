"""Python layers inside the engine's layer graph: the engine holds a CallbackLayer and asks the Python object for
its get_output_for while it builds a graph (never while a compiled function runs); errors come back as the same
Python exception."""
import ctypes
import gc
import traceback

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet import init, nonlinearities
from agentnet._lib import lib
from agentnet.agent import Recurrence
from agentnet.layers import DenseLayer, InputLayer, Layer, MergeLayer, get_all_params, get_output, set_all_param_values
from agentnet.utils.layers import DictLayer


class TanhStep(MergeLayer):
    """h' = tanh(x . W + h . U), a recurrent step written by a user with agentnet.tensor ops."""

    calls = 0

    def __init__(self, x, h, **kwargs):
        super().__init__([x, h], **kwargs)
        n_in, n_h = x.output_shape[1], h.output_shape[1]
        self.W = self.add_param(init.Normal(0.5), (n_in, n_h), name="W")
        self.U = self.add_param(init.Normal(0.5), (n_h, n_h), name="U")

    def get_output_shape_for(self, input_shapes):
        return input_shapes[1]

    def get_output_for(self, inputs, **kwargs):
        TanhStep.calls += 1
        x, h = inputs
        return T.tanh(T.dot(x, self.W) + T.dot(h, self.U))


class Failing(Layer):
    def get_output_for(self, input, **kwargs):
        raise KeyError("no such channel: brightness")


def test_python_layer_inside_a_recurrence_matches_numpy_and_does_not_call_back_at_run_time():
    seq = InputLayer((None, 6, 3))
    x_t, h_prev = InputLayer((None, 3)), InputLayer((None, 4))
    h = TanhStep(x_t, h_prev, name="step")
    rec = Recurrence(input_sequences={x_t: seq}, state_variables={h: h_prev}, n_steps=6)
    assert get_all_params(rec) == [h.W, h.U]
    TanhStep.calls = 0
    f = agentnet.function([seq.input_var], get_output(rec[h]))
    assert TanhStep.calls == 6  # one callback per unrolled tick, all at build time
    xs = np.random.default_rng(0).normal(size=(2, 6, 3)).astype(np.float32)
    out = f(xs)
    for _ in range(3):
        f(xs)
    assert TanhStep.calls == 6
    w, u = h.W.get_value(), h.U.get_value()
    state, expected = np.zeros((2, 4), np.float32), []
    for t in range(6):
        state = np.tanh(xs[:, t] @ w + state @ u)
        expected.append(state)
    np.testing.assert_allclose(out, np.stack(expected, axis=1), rtol=1e-5, atol=1e-6)


def test_error_in_get_output_for_is_the_same_exception_with_its_traceback():
    layer = Failing(DenseLayer(InputLayer((None, 3)), 2), name="failing")
    with pytest.raises(KeyError, match="brightness") as info:
        get_output(layer)
    frames = [entry.name for entry in info.traceback]
    assert "get_output_for" in frames and "get_output" in frames
    # through a Recurrence (a callback layer whose callback builds a graph with more callbacks)
    x_t, h_prev = InputLayer((None, 3)), InputLayer((None, 3))
    bad = Failing(MergeSum([x_t, h_prev]))
    rec = Recurrence(input_sequences={x_t: InputLayer((None, 4, 3))}, state_variables={bad: h_prev}, n_steps=4)
    with pytest.raises(KeyError, match="brightness") as info:
        get_output(rec[bad])
    assert "get_output_for" in "".join(traceback.format_tb(info.tb))
    # the engine is usable afterwards
    assert get_output(x_t) is x_t.input_var


class MergeSum(MergeLayer):
    def get_output_shape_for(self, input_shapes):
        return input_shapes[0]

    def get_output_for(self, inputs, **kwargs):
        return inputs[0] + inputs[1]


def test_deleted_python_layer_gives_a_clear_error():
    from agentnet.layers.helper import _arr
    inp = InputLayer((None, 3))
    step = Failing(inp, name="gone")
    top = DenseLayer(step, 2)
    engine = top._engine_layer  # the engine layer outlives the Python objects
    del top, step
    gc.collect()
    outs, counts, origins = (ctypes.c_int64 * 1)(), (ctypes.c_int64 * 1)(), (ctypes.c_int64 * 1)()
    status = lib.agn_layer_get_output(_arr([engine.handle]), 1, _arr([]), _arr([]), 0, b"{}", outs, 1, counts, origins)
    with pytest.raises(ReferenceError, match="was deleted"):
        agentnet._host.call(status)


def test_user_flags_reach_python_layers_and_deterministic_reaches_engine_layers():
    seen = {}

    class Attends(Layer):
        def get_output_for(self, input, hard_attention=False, **kwargs):
            seen.update(kwargs, hard_attention=hard_attention)
            return input * 2

    inp = InputLayer((None, 2))
    layer = Attends(inp)
    layer.get_output_kwargs = ["temperature"]
    out = get_output(layer, hard_attention=True, deterministic=True, temperature=np.float32(0.5))
    assert seen == {"hard_attention": True, "deterministic": True, "temperature": np.float32(0.5)}
    assert agentnet.function([inp.input_var], out)(np.ones((1, 2), np.float32)).tolist() == [[2, 2]]


def test_multi_output_python_layer_and_its_elements():
    class SumAndProduct(DictLayer):
        def __init__(self, a, b):
            super().__init__([a, b], {"sum": a.output_shape, "prod": a.output_shape})

        def get_output_for(self, inputs, **kwargs):
            return {"prod": inputs[0] * inputs[1], "sum": inputs[0] + inputs[1]}

    a, b = InputLayer((None, 2)), InputLayer((None, 2))
    both = SumAndProduct(a, b)
    outs = get_output(both)
    assert list(outs) == ["sum", "prod"]
    doubled = DenseLayer(both["prod"], 1, W=np.ones((2, 1), np.float32), b=None, nonlinearity=None)
    f = agentnet.function([a.input_var, b.input_var], [outs["sum"], get_output(doubled)])
    s, d = f(np.float32([[1, 2]]), np.float32([[3, 4]]))
    assert s.tolist() == [[4, 6]] and d.tolist() == [[11]]


def test_python_callable_nonlinearity_goes_through_the_callback():
    inp = InputLayer((None, 2))
    dense = DenseLayer(inp, 2, nonlinearity=lambda x: x * 3 - 1)
    scaled = DenseLayer(inp, 2, nonlinearity=nonlinearities.ScaledTanH(2.0, 0.5))
    w = np.float32([[1, 0], [0, 2]])
    set_all_param_values([dense, scaled], [w, np.zeros(2), w, np.zeros(2)])
    x = np.float32([[1, 1]])
    a, b = agentnet.function([inp.input_var], [get_output(dense), get_output(scaled)])(x)
    np.testing.assert_allclose(a, x @ w * 3 - 1)
    np.testing.assert_allclose(b, 0.5 * np.tanh(2 * (x @ w)), rtol=1e-6)
    dense.nonlinearity = nonlinearities.tanh  # replaced in the engine layer too
    np.testing.assert_allclose(agentnet.function([inp.input_var], get_output(dense))(x), np.tanh(x @ w), rtol=1e-6)
