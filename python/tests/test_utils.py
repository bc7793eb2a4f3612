"""agentnet.utils.format and agentnet.utils.layers."""
from collections import OrderedDict

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T
from agentnet.layers import DenseLayer, InputLayer, get_output, get_output_shape
from agentnet.utils.format import check_list, check_ordered_dict, check_tuple, unpack_list
from agentnet.utils.layers import DictLayer, add, clip_grads, get_layer_dtype, mul


def test_format_helpers():
    assert check_list(1) == [1] and check_list((1, 2)) == [1, 2] and check_list([3]) == [3]
    assert check_tuple(1) == (1,) and check_tuple([1, 2]) == (1, 2)
    assert check_ordered_dict({"a": 1, "b": 2}) == OrderedDict([("a", 1), ("b", 2)])
    assert list(check_ordered_dict([("b", 1), ("a", 2)])) == ["b", "a"]
    assert check_ordered_dict(None) == OrderedDict()
    with pytest.raises(TypeError):
        check_ordered_dict(5)
    assert unpack_list([1, 2, 3, 4, 5], 2, 3) == [[1, 2], [3, 4, 5]]
    with pytest.raises(ValueError, match="add up to 4"):
        unpack_list([1, 2, 3], 1, 3)


class _SumAndDiff(DictLayer):
    def __init__(self, a, b):
        super().__init__([a, b], {"sum": a.output_shape, "diff": a.output_shape}, name="sd")

    def get_output_for(self, inputs, **kwargs):
        return {"sum": inputs[0] + inputs[1], "diff": inputs[0] - inputs[1]}


def test_dict_layer_outputs_and_elements():
    a, b = InputLayer((None, 3)), InputLayer((None, 3))
    d = _SumAndDiff(a, b)
    assert d.keys() == ["sum", "diff"] and len(d) == 2
    assert d["sum"] is d["sum"]
    assert get_output_shape(d) == OrderedDict([("sum", (None, 3)), ("diff", (None, 3))])
    s, diff = d
    dense = DenseLayer(s, 2)
    out = get_output(d)
    assert set(out) == {"sum", "diff"}
    x, y = np.ones((2, 3), np.float32), np.full((2, 3), 2, np.float32)
    vs, vd = agentnet.function([a.input_var, b.input_var], [out["sum"], get_output(diff)])(x, y)
    np.testing.assert_array_equal(vs, 3)
    np.testing.assert_array_equal(vd, -1)
    assert dense.output_shape == (None, 2)
    with pytest.raises(KeyError, match="no output 'prod'"):
        d["prod"]
    with pytest.raises(TypeError, match="several outputs"):
        DenseLayer(d, 3)


def test_dict_layer_default_passthrough_and_dtypes():
    a, b = InputLayer((None, 3)), InputLayer((None, 2))
    d = DictLayer([a, b], [(None, 3), (None, 2)], output_dtypes=["float32", "int32"])
    assert d.keys() == [0, 1]
    assert get_layer_dtype(d[1]) == "int32" and get_layer_dtype(d[0]) == "float32"
    assert get_layer_dtype(a) == "float32" and get_layer_dtype(object(), "int32") == "int32"
    with pytest.raises(ValueError, match="2 inputs and 1 keys"):
        get_output(DictLayer([a, b], {"x": (None, 3)}))
    with pytest.raises(ValueError, match="empty"):
        DictLayer(a, {})
    with pytest.raises(ValueError, match="missing"):
        DictLayer(a, {"x": (None, 3)}, output_dtypes={"y": "int32"})


def test_mul_add_and_clip_grads():
    a, b = InputLayer((None, 3)), InputLayer((None, 3))
    x, y = np.arange(6, dtype=np.float32).reshape(2, 3), np.full((2, 3), 2, np.float32)
    f = agentnet.function([a.input_var, b.input_var], get_output([mul(a, b), add(a, b)]))
    m, s = f(x, y)
    np.testing.assert_array_equal(m, x * y)
    np.testing.assert_array_equal(s, x + y)
    clipped = clip_grads(a, 0.5)
    out = get_output(clipped)
    g = agentnet.function([a.input_var], T.grad(T.sum(out * 10), a.input_var))(x)
    np.testing.assert_array_equal(g, 0.5)
    np.testing.assert_array_equal(agentnet.function([a.input_var], out)(x), x)
    with pytest.raises(ValueError):
        clip_grads(a, 0)
