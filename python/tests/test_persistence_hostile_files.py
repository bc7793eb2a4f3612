"""agentnet.utils.persistence reading hostile safetensors files: truncated, random, bit-flipped, with forged header
lengths or malformed headers. Every one is rejected with a Python exception and a message naming the fault; none
crashes the process or changes a parameter."""
import struct

import numpy as np
import pytest

import agentnet
from agentnet.utils.persistence import load, read_file, save
from safetensors_bytes import raw_file


def _small_file(tmp_path):
    w, b = agentnet.shared(np.arange(6, dtype=np.float32).reshape(2, 3), name="w"), agentnet.shared(np.ones(3, np.float32), name="b")
    path = tmp_path / "small.safetensors"
    save([w, b], path)
    return [w, b], path.read_bytes()


def _rejects(tmp_path, data, params=None):
    """The bytes are rejected by both the reader and load, with a Python exception (never a crash)."""
    path = tmp_path / "bad.safetensors"
    path.write_bytes(data)
    with pytest.raises((ValueError, TypeError)) as info:
        read_file(path)
    if params is not None:
        with pytest.raises((ValueError, TypeError)):
            load(params, path)
    return str(info.value)


def test_truncation_at_every_offset_is_rejected(tmp_path):
    params, data = _small_file(tmp_path)
    for cut in range(len(data)):
        _rejects(tmp_path, data[:cut])
    before = [p.get_value() for p in params]
    _rejects(tmp_path, data[:-1], params)
    for a, p in zip(before, params):
        np.testing.assert_array_equal(a, p.get_value())


def test_random_bytes_are_rejected(tmp_path):
    rng = np.random.default_rng(1)
    for n in list(range(0, 40)) + [100, 1000, 10000]:
        _rejects(tmp_path, rng.integers(0, 256, n, dtype=np.uint8).tobytes())
    # Plausible length, garbage header.
    for _ in range(50):
        body = rng.integers(0, 256, 64, dtype=np.uint8).tobytes()
        _rejects(tmp_path, struct.pack("<Q", 56) + body)


def test_flipped_header_bytes_never_crash(tmp_path):
    params, data = _small_file(tmp_path)
    n = struct.unpack("<Q", data[:8])[0]
    rng = np.random.default_rng(2)
    path = tmp_path / "flip.safetensors"
    for _ in range(300):
        mutated = bytearray(data)
        for i in rng.integers(0, 8 + n, 3):
            mutated[i] = int(rng.integers(0, 256))
        path.write_bytes(bytes(mutated))
        try:
            read_file(path)
        except (ValueError, TypeError):
            pass


@pytest.mark.parametrize("length, why", [(2**64 - 1, "does not fit"), (2**63, "does not fit"), (10**9, "does not fit"),
                                         (1, "does not fit"), (0, "does not fit")])
def test_huge_or_tiny_header_lengths_are_rejected(tmp_path, length, why):
    good = raw_file({"x": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4)
    assert why in _rejects(tmp_path, struct.pack("<Q", length) + good[8:])


def test_header_length_over_the_100mb_cap_is_rejected(tmp_path):
    path = tmp_path / "big.safetensors"
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", 100_000_001))
        f.truncate(8 + 100_000_001 + 8)  # sparse: a file large enough for the claimed header
    with pytest.raises(ValueError, match="limit 100000000"):
        read_file(path)


F32 = "F32"


@pytest.mark.parametrize("header, buffer, message", [
    ({"a": {"dtype": F32, "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": F32, "shape": [2], "data_offsets": [4, 12]}},
     b"\0" * 12, "overlaps"),
    ({"a": {"dtype": F32, "shape": [2], "data_offsets": [0, 8]}}, b"\0" * 4, "past the end"),
    ({"a": {"dtype": F32, "shape": [2], "data_offsets": [8, 16]}}, b"\0" * 16, "belong to no tensor"),
    ({"a": {"dtype": F32, "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 8, "belong to no tensor"),
    ({"a": {"dtype": F32, "shape": [-1], "data_offsets": [0, 4]}}, b"\0" * 4, "not a non-negative integer"),
    ({"a": {"dtype": F32, "shape": [2**40, 2**40], "data_offsets": [0, 4]}}, b"\0" * 4, "overflows"),
    ({"a": {"dtype": F32, "shape": [2**40, 2**22], "data_offsets": [0, 4]}}, b"\0" * 4, "overflows"),
    ({"a": {"dtype": F32, "shape": [1e300], "data_offsets": [0, 4]}}, b"\0" * 4, "not a non-negative integer"),
    ({"a": {"dtype": F32, "shape": [1.5], "data_offsets": [0, 4]}}, b"\0" * 4, "not a non-negative integer"),
    ({"a": {"dtype": F32, "shape": [3], "data_offsets": [0, 8]}}, b"\0" * 8, "needs 12 bytes"),
    ({"a": {"dtype": "F33", "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, "unknown dtype"),
    ({"a": {"dtype": 1, "shape": [1], "data_offsets": [0, 4]}}, b"\0" * 4, "no dtype"),
    ({"a": {"dtype": F32, "shape": [1], "data_offsets": [4, 0]}}, b"\0" * 4, "end before they begin"),
    ({"a": {"dtype": F32, "shape": [1], "data_offsets": [-4, 0]}}, b"\0" * 4, "not a non-negative integer"),
    ({"a": {"dtype": F32, "shape": [1], "data_offsets": [0, 2**70]}}, b"\0" * 4, "not a non-negative integer"),
    ({"a": {"dtype": F32, "shape": [1]}}, b"\0" * 4, "no data_offsets"),
    ({"a": {"dtype": F32, "shape": 1, "data_offsets": [0, 4]}}, b"\0" * 4, "no shape list"),
    ({"a": [1, 2]}, b"", "not an object"),
    ({"__metadata__": {"k": 1}}, b"", "not a string"),
    ({"__metadata__": [1]}, b"", "__metadata__ is not an object"),
    ([1, 2], b"", "does not start with"),
    (b"{" * 100000 + b"}" * 100000, b"", "nested deeper"),
    (b"[" * 100000, b"", "does not start with"),
    (b'{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}', b"\0" * 4, "malformed"),
    (b'{"\xff\xfe": 1}', b"", "not UTF-8"),
    (b'{"a": {"dtype": "F32", "shape": [' + b"1," * 100 + b'1], "data_offsets": [0, 4]}}', b"\0" * 4, "rank 101"),
])
def test_hostile_headers_are_rejected_with_a_clear_message(tmp_path, header, buffer, message):
    assert message in _rejects(tmp_path, raw_file(header, buffer))
