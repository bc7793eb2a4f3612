"""agentnet.utils.persistence: networks saved to and loaded from safetensors files keyed by parameter name (round
trips, files of other writers and dtypes, the naming scheme, mismatched networks), checked against the safetensors
package. Malformed files: test_persistence_hostile_files.py; a save killed midway: test_persistence_atomic_save.py."""
import numpy as np
import pytest

import agentnet
from agentnet.layers import BatchNormLayer, DenseLayer, InputLayer, get_all_params
from agentnet.utils.persistence import get_state_dict, load, read_file, save, set_state_dict
from safetensors_bytes import raw_file

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def _net(hidden=5, name=None):
    l_in = InputLayer((None, 4))
    h = DenseLayer(l_in, hidden, name=name and f"{name}.h")
    bn = BatchNormLayer(h, name=name and f"{name}.bn")
    return DenseLayer(bn, 3, name=name and f"{name}.out")


def _randomize(net, rng):
    for p in get_all_params(net):
        p.set_value(rng.standard_normal(p.get_value().shape).astype(np.float32))


def _values(net):
    return [p.get_value() for p in get_all_params(net)]


# MARK: - Round trips and interoperability

def test_round_trip_restores_identical_values(tmp_path, rng):
    net = _net(name="a")
    _randomize(net, rng)
    before = _values(net)
    save(net, tmp_path / "w.safetensors")
    _randomize(net, rng)
    assert load(net, tmp_path / "w.safetensors") == ([], [], [])
    for a, b in zip(before, _values(net)):
        np.testing.assert_array_equal(a, b)


def test_file_opens_with_safetensors_numpy_under_parameter_names(tmp_path, rng):
    net = _net(name="a")
    _randomize(net, rng)
    path = str(tmp_path / "w.safetensors")
    save(net, path)
    loaded = safetensors_numpy.load_file(path)
    expected = get_state_dict(net)
    assert list(expected) == ["a.h.W", "a.h.b", "a.bn.beta", "a.bn.gamma", "a.bn.mean", "a.bn.inv_std",
                              "a.out.W", "a.out.b"]
    assert set(loaded) == set(expected)
    for k, v in expected.items():
        assert loaded[k].dtype == np.float32
        np.testing.assert_array_equal(loaded[k], v)
    from safetensors import safe_open
    with safe_open(path, framework="numpy") as f:
        meta = f.metadata()
    assert meta["format"] == "agentnet"
    assert meta["agentnet_version"] == agentnet.__version__
    assert meta["network"] == repr(net)


def test_file_written_by_safetensors_save_file_loads(tmp_path, rng):
    net = _net(name="a")
    state = {k: rng.standard_normal(v.shape) for k, v in get_state_dict(net).items()}  # float64, converted
    path = str(tmp_path / "ext.safetensors")
    safetensors_numpy.save_file(state, path)
    load(net, path)
    for k, v in get_state_dict(net).items():
        np.testing.assert_array_equal(v, state[k].astype(np.float32))


def test_half_and_integer_files_convert(tmp_path):
    w = agentnet.shared(np.zeros((2, 3), np.float32), name="w")
    n = agentnet.shared(np.zeros(4, np.int32), name="n")
    f16 = np.array([[0.5, -2, 65504], [6e-8, -0.0, 1 / 3]], np.float16)
    path = str(tmp_path / "mixed.safetensors")
    safetensors_numpy.save_file({"w": f16, "n": np.array([1, -2, 2**31 - 1, -2**31], np.int64)}, path)
    load([w, n], path)
    np.testing.assert_array_equal(w.get_value(), f16.astype(np.float32))
    np.testing.assert_array_equal(n.get_value(), [1, -2, 2**31 - 1, -2**31])
    safetensors_numpy.save_file({"w": f16, "n": np.array([1, 2, 3, 2**31], np.int64)}, path)
    with pytest.raises(ValueError, match="does not fit in int32"):
        load([w, n], path)
    np.testing.assert_array_equal(n.get_value(), [1, -2, 2**31 - 1, -2**31])  # nothing changed, w neither
    np.testing.assert_array_equal(w.get_value(), f16.astype(np.float32))


def test_read_file_returns_tensors_in_their_dtypes_and_bf16_widened(tmp_path):
    arrays = {"a": np.arange(6, dtype=np.float64).reshape(2, 3), "b": np.array([True, False]),
              "c": np.arange(3, dtype=np.uint8), "d": np.zeros((0, 4), np.float32)}
    path = str(tmp_path / "r.safetensors")
    safetensors_numpy.save_file(arrays, path, metadata={"k": "v"})
    tensors, meta = read_file(path)
    assert meta == {"k": "v"}
    for k, v in arrays.items():
        assert tensors[k].dtype == v.dtype and tensors[k].shape == v.shape
        np.testing.assert_array_equal(tensors[k], v)
    x = np.array([1.5, -3.0, 2.0**-10], np.float32)
    bf16 = (x.view(np.uint32) >> 16).astype("<u2").tobytes()
    (tmp_path / "bf.safetensors").write_bytes(raw_file({"x": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}, bf16))
    np.testing.assert_array_equal(read_file(tmp_path / "bf.safetensors")[0]["x"], x)


def test_eight_bit_floats_are_read_only_as_far_as_numpy_allows(tmp_path):
    (tmp_path / "f8.safetensors").write_bytes(raw_file({"x": {"dtype": "F8_E4M3", "shape": [2], "data_offsets": [0, 2]}}, b"\0\0"))
    with pytest.raises(TypeError, match="F8_E4M3"):
        read_file(tmp_path / "f8.safetensors")
    x = agentnet.shared(np.zeros(2, np.float32), name="x")
    result = load([x], tmp_path / "f8.safetensors", strict=False)
    assert result.mismatched[0].found_dtype == "F8_E4M3"


def test_empty_file_and_zero_sized_tensors(tmp_path):
    e = agentnet.shared(np.zeros((0, 3), np.float32), name="e")
    save([e], tmp_path / "e.safetensors")
    assert safetensors_numpy.load_file(str(tmp_path / "e.safetensors"))["e"].shape == (0, 3)
    load([e], tmp_path / "e.safetensors")
    save([], tmp_path / "none.safetensors")
    assert safetensors_numpy.load_file(str(tmp_path / "none.safetensors")) == {}


# MARK: - Names

def test_duplicate_and_missing_names_follow_the_documented_scheme():
    net = DenseLayer(DenseLayer(InputLayer((None, 2)), 3), 4)
    assert list(get_state_dict(net)) == ["W", "b", "W_1", "b_1"]
    params = [agentnet.shared(np.zeros(1, np.float32)), agentnet.shared(np.zeros(1, np.float32), name="x"),
              agentnet.shared(np.zeros(1, np.float32), name="x"), agentnet.shared(np.zeros(1, np.float32), name="x_1"),
              agentnet.shared(np.zeros(1, np.float32), name="param0"), agentnet.shared(np.zeros(1, np.float32), name="__metadata__")]
    assert list(get_state_dict(params)) == ["param0", "x", "x_1", "x_1_1", "param0_1", "__metadata___1"]


def test_batchnorm_statistics_are_saved_and_restored(tmp_path, rng):
    net = _net(name="a")
    bn = net.input_layer
    bn.mean.set_value(rng.standard_normal(5).astype(np.float32))
    bn.inv_std.set_value(rng.uniform(1, 2, 5).astype(np.float32))
    mean, inv_std = bn.mean.get_value(), bn.inv_std.get_value()
    save(net, tmp_path / "bn.safetensors")
    bn.mean.set_value(np.zeros(5, np.float32))
    bn.inv_std.set_value(np.ones(5, np.float32))
    load(net, tmp_path / "bn.safetensors")
    np.testing.assert_array_equal(bn.mean.get_value(), mean)
    np.testing.assert_array_equal(bn.inv_std.get_value(), inv_std)


def test_dict_of_layers_and_list_of_shared_values(tmp_path):
    a, b = _net(name="a"), _net(name="b")
    state = get_state_dict({"actor": a, "critic": b})
    assert "a.h.W" in state and "b.out.b" in state
    s = agentnet.shared(np.arange(3, dtype=np.float32), name="s")
    save([s], tmp_path / "s.safetensors")
    s.set_value(np.zeros(3, np.float32))
    load([s], tmp_path / "s.safetensors")
    np.testing.assert_array_equal(s.get_value(), [0, 1, 2])
    with pytest.raises(TypeError, match="nn must be"):
        save(42, tmp_path / "x.safetensors")


# MARK: - Mismatches

def test_strict_mismatch_lists_every_name_and_shape_and_changes_nothing(tmp_path, rng):
    small = _net(hidden=5, name="a")
    _randomize(small, rng)
    save(small, tmp_path / "small.safetensors")
    big = DenseLayer(BatchNormLayer(DenseLayer(InputLayer((None, 4)), 7, name="a.h"), name="a.bn"), 3, name="a.other")
    _randomize(big, rng)
    before = _values(big)
    with pytest.raises(ValueError) as info:
        load(big, tmp_path / "small.safetensors")
    message = str(info.value)
    for part in ["a.other.W (7, 3) float32", "a.other.b (3,) float32",            # missing
                 "a.out.W (5, 3) F32", "a.out.b (3,) F32",                         # unexpected
                 "a.h.W: (4, 5) F32 given, the network has (4, 7) float32",         # misshapen
                 "a.bn.inv_std: (5,) F32 given, the network has (7,) float32", "Nothing was loaded"]:
        assert part in message, part
    for a, b in zip(before, _values(big)):
        np.testing.assert_array_equal(a, b)


def test_non_strict_loads_what_fits_and_reports_the_rest(tmp_path, rng):
    src = _net(name="a")
    _randomize(src, rng)
    save(src, tmp_path / "w.safetensors")
    dst = DenseLayer(BatchNormLayer(DenseLayer(InputLayer((None, 4)), 5, name="a.h"), name="a.bn"), 2, name="a.out")
    old_out = dst.W.get_value()
    result = load(dst, tmp_path / "w.safetensors", strict=False)
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert [(m.name, m.expected_shape, m.found_shape) for m in result.mismatched] == [
        ("a.out.W", (5, 2), (5, 3)), ("a.out.b", (2,), (3,))]
    np.testing.assert_array_equal(dst.W.get_value(), old_out)
    src_state = get_state_dict(src)
    for k, v in get_state_dict(dst).items():
        if not k.startswith("a.out"):
            np.testing.assert_array_equal(v, src_state[k])


def test_set_state_dict_accepts_array_likes_and_is_strict(rng):
    net = _net(name="a")

    class ArrayLike:  # what torch tensors offer (torch.Tensor.__array__)
        def __init__(self, a):
            self.a = a

        def __array__(self, dtype=None, copy=None):
            return self.a

    state = {k: ArrayLike(rng.standard_normal(v.shape)) for k, v in get_state_dict(net).items()}
    assert set_state_dict(net, state) == ([], [], [])
    for k, v in get_state_dict(net).items():
        np.testing.assert_array_equal(v, state[k].a.astype(np.float32))
    before = _values(net)
    bad = dict(state)
    del bad["a.h.b"]
    bad["extra"] = np.zeros(2)
    with pytest.raises(ValueError, match=r"a\.h\.b \(5,\) float32.*extra \(2,\) float32"):
        set_state_dict(net, bad)
    for a, b in zip(before, _values(net)):
        np.testing.assert_array_equal(a, b)
    result = set_state_dict(net, {"a.h.b": np.ones(5)}, strict=False)
    assert result.unexpected_keys == [] and len(result.missing_keys) == 7
    np.testing.assert_array_equal(net.input_layer.input_layer.b.get_value(), np.ones(5))


# MARK: - Missing files

def test_missing_files_and_folders_raise_oserror(tmp_path):
    net = _net()
    with pytest.raises(OSError, match="No such file"):
        load(net, tmp_path / "absent.safetensors")
    with pytest.raises(OSError):
        save(net, tmp_path / "no" / "folder" / "w.safetensors")
    with pytest.raises(OSError, match="not a regular file"):
        load(net, tmp_path)
