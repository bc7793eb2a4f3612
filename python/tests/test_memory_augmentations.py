"""Tests for WindowAugmentation, StackAugmentation, CounterLayer and SwitchLayer."""
import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet.layers import InputLayer, get_output
from agentnet.memory.logical import CounterLayer, SwitchLayer
from agentnet.memory.stack import StackAugmentation
from agentnet.memory.window import WindowAugmentation
from numeric import numeric_grads as _numeric_grad

S3 = np.float32([[[1, 1], [2, 2], [3, 3]]])   # [B=1, D=3, W=2]; index 0 is the newest / the top
X = np.float32([[9, 9]])


def _f32(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def _run(layer, inputs, *arrays):
    return agentnet.function([l.input_var for l in inputs], get_output(layer))(*arrays)


def _check_grads(layer, inputs, arrays, np_forward):
    """Engine ``T.grad`` of ``sum(out * R)`` against numeric differences of the float64 numpy forward."""
    out = get_output(layer)
    R = _f32(*np_forward(*arrays).shape, seed=9)
    ins = [l.input_var for l in inputs]
    got = agentnet.function(ins, T.grad(T.sum(out * R), ins))(*arrays)
    want = _numeric_grad(lambda *a: (np_forward(*a) * R).sum(), arrays)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-4, atol=1e-5)


# MARK: window

def test_window_worked_example():
    l_x, l_w = InputLayer((None, 2)), InputLayer((None, 3, 2))
    layer = WindowAugmentation(l_x, l_w)
    assert layer.name == "YetAnotherWindowAugmentation" and layer.output_shape == (None, 3, 2)
    np.testing.assert_array_equal(_run(layer, [l_x, l_w], X, S3), [[[9, 9], [1, 1], [2, 2]]])


def _np_window(x, w):
    return np.concatenate([x[:, None], w[:, :-1]], axis=1)


def test_window_keeps_newest_first_for_image_items_over_several_ticks():
    l_x, l_w = InputLayer((None, 2, 3, 4)), InputLayer((None, 5, 2, 3, 4))
    layer = WindowAugmentation(l_x, l_w)
    step = agentnet.function([l_x.input_var, l_w.input_var], get_output(layer))
    window = np.zeros((2, 5, 2, 3, 4), np.float32)
    items = [_f32(2, 2, 3, 4, seed=s) for s in range(7)]
    for item in items:
        window = step(item, window)
    for k in range(5):
        np.testing.assert_array_equal(window[:, k], items[-1 - k])
    _check_grads(layer, [l_x, l_w], [items[0], _f32(2, 5, 2, 3, 4, seed=8)], _np_window)


def test_window_shape_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"WindowAugmentation 'w'.*\(None, 3, 2\).*\(None, 4\)"):
        WindowAugmentation(InputLayer((None, 4)), InputLayer((None, 3, 2)), name="w")
    with pytest.raises(ValueError, match=r"\(None, 3\).*\(None, 2\)"):
        WindowAugmentation(InputLayer((None, 2)), InputLayer((None, 3)))


# MARK: stack

def _stack_net():
    l_x, l_s, l_c = InputLayer((None, 2)), InputLayer((None, 3, 2)), InputLayer((None, 3))
    layer = StackAugmentation(l_x, l_s, l_c)
    return layer, [l_x, l_s, l_c]


@pytest.mark.parametrize("controls, expected", [
    ((1, 0, 0), [[9, 9], [1, 1], [2, 2]]),        # push: 9 on top, the bottom 3 drops out
    ((0, 1, 0), [[2, 2], [3, 3], [0, 0]]),        # pop: the top 1 drops out, zeros at the bottom
    ((0, 0, 1), [[1, 1], [2, 2], [3, 3]]),        # no-op
    ((.5, .5, 0), [[5.5, 5.5], [2, 2], [1, 1]]),
])
def test_stack_worked_examples(controls, expected):
    layer, ins = _stack_net()
    assert layer.name == "YetAnotherStackAugmentation" and layer.output_shape == (None, 3, 2)
    np.testing.assert_allclose(_run(layer, ins, X, S3, np.float32([controls])), [expected])


def _np_stack(x, s, c):
    pushed = np.concatenate([x[:, None], s[:, :-1]], axis=1)
    popped = np.concatenate([s[:, 1:], np.zeros_like(s[:, :1])], axis=1)
    return c[:, 0, None, None] * pushed + c[:, 1, None, None] * popped + c[:, 2, None, None] * s


def test_stack_per_row_controls_and_gradients():
    layer, ins = _stack_net()
    x, s = _f32(4, 2, seed=1), _f32(4, 3, 2, seed=2)
    c = np.exp(_f32(4, 3, seed=3))
    c /= c.sum(1, keepdims=True)
    np.testing.assert_allclose(_run(layer, ins, x, s, c), _np_stack(x, s, c), rtol=1e-6, atol=1e-6)
    _check_grads(layer, ins, [x, s, c], _np_stack)


def test_stack_construction_errors():
    l_x, l_s = InputLayer((None, 2)), InputLayer((None, 3, 2))
    with pytest.raises(ValueError, match=r"controls.*\(None, 4\).*\(None, 3, 2\)"):
        StackAugmentation(l_x, l_s, InputLayer((None, 4)))
    with pytest.raises(ValueError, match=r"\(None, 3, 2\).*\(None, 5\)"):
        StackAugmentation(InputLayer((None, 5)), l_s, InputLayer((None, 3)))
    with pytest.raises(ValueError, match=r"\(None, 6\)"):
        StackAugmentation(l_x, InputLayer((None, 6)), InputLayer((None, 3)))


# MARK: counter

def test_counter_counts_and_wraps_around_as_int32():
    l_c = InputLayer((None,), input_var=T.ivector("counter"))
    plain, wrapped = CounterLayer(l_c), CounterLayer(l_c, k=3)
    assert plain.output_dtype == "int32" and wrapped.output_dtype == "int32"
    step = agentnet.function([l_c.input_var], get_output([plain, wrapped]))
    c, seen = np.int32([0, 5]), []
    for _ in range(4):
        up, c = step(c)
        seen.append(c.tolist())
    assert up.dtype == np.int32 and c.dtype == np.int32
    assert seen == [[1, 0], [2, 1], [0, 2], [1, 0]]
    np.testing.assert_array_equal(step(np.int32([7, 0]))[0], [8, 1])
    with pytest.raises(ValueError, match="k must be a positive int"):
        CounterLayer(l_c, k=0)


def test_counter_casts_float_counts():
    l_c = InputLayer((None,))
    out = _run(CounterLayer(l_c, k=4), [l_c], np.float32([3, 1]))
    assert out.dtype == np.int32 and out.tolist() == [0, 2]


# MARK: switch

@pytest.mark.parametrize("shape", [(4,), (4, 3), (4, 2, 3)])
def test_switch_selects_whole_batch_rows_for_any_rank(shape):
    l_cond = InputLayer((None,), input_var=T.ivector("cond"))
    l_a, l_b = InputLayer((None,) + shape[1:]), InputLayer((None,) + shape[1:])
    layer = SwitchLayer(l_cond, l_a, l_b)
    a, b = _f32(*shape, seed=1), _f32(*shape, seed=2)
    cond = np.int32([1, 0, 2, 0])
    got = _run(layer, [l_cond, l_a, l_b], cond, a, b)
    want = np.stack([a[i] if cond[i] else b[i] for i in range(4)])
    np.testing.assert_array_equal(got, want)
    assert layer.output_shape == (None,) + shape[1:] and layer.output_dtype == "float32"
    R = _f32(*shape, seed=3)
    ins = [l_cond.input_var, l_a.input_var, l_b.input_var]
    grad_a, grad_b = agentnet.function(ins, T.grad(T.sum(get_output(layer) * R), ins[1:]))(cond, a, b)
    rows = (cond != 0).reshape((4,) + (1,) * (len(shape) - 1))
    np.testing.assert_array_equal(grad_a, np.where(rows, R, 0))
    np.testing.assert_array_equal(grad_b, np.where(rows, 0, R))


def test_switch_construction_errors():
    l_cond = InputLayer((None,))
    with pytest.raises(ValueError, match=r"SwitchLayer 's'.*\(None, 3\).*\(None, 4\)"):
        SwitchLayer(l_cond, InputLayer((None, 3)), InputLayer((None, 4)), name="s")
    counter = CounterLayer(InputLayer((None, 3)))
    with pytest.raises(ValueError, match="int32.*float32"):
        SwitchLayer(l_cond, counter, InputLayer((None, 3)))
    with pytest.raises(ValueError, match=r"condition shape \(None, 5\).*\(None, 3\)"):
        SwitchLayer(InputLayer((None, 5)), InputLayer((None, 3)), InputLayer((None, 3)))
