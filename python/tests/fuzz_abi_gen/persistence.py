"""Persistence: safetensors files (saved, loaded, opened and read; malformed ones written first) and state
names and values.
"""
import json
import struct

from .values import HUGE_COUNTS

NAMES_JSON = ['["w"]', '["w", "w"]', '[null, "a", "a_1", "a"]', '[]', '[1]', '["w", null, null]', '{}', '"w"',
              '["\\u0000", ""]', '[' + ",".join(['"x"'] * 40) + ']']


class PersistenceCalls:
    """Generators for agn_safetensors_*, agn_state_names and agn_state_set."""

    def path(self):
        """A path: one the runner's scratch directory holds or will, a malformed file, or a bad path."""
        roll = self.r.random()
        if roll < 0.5:
            return ["tmp", self.pick(["a.safetensors", "b.safetensors", "c.safetensors"])]
        if roll < 0.8:
            return ["file", f"bad{self.r.randint(0, 3)}.safetensors", self.bad_file().hex()]
        return self.string(["", "/nonexistent-dir/x.safetensors", "/", "/proc/self/status", "\xff"])

    def bad_file(self):
        """Bytes of a malformed (or sometimes valid) safetensors file."""
        def file(header, data=b"", length=None):
            h = header.encode("latin-1") if isinstance(header, str) else header
            return struct.pack("<Q", len(h) if length is None else length) + h + data
        ok = {"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}
        choices = [
            lambda: b"", lambda: b"\x01\x02\x03", lambda: struct.pack("<Q", 2**63) + b"{}", lambda: struct.pack("<Q", 2**64 - 1),
            lambda: file("{}", length=1000), lambda: file("[[[[" * 1000), lambda: file("{" * 5000),
            lambda: file(json.dumps(ok), b"\x00" * 8), lambda: file(json.dumps(ok), b"\x00" * 4),
            lambda: file(json.dumps({"w": {"dtype": "F99", "shape": [2], "data_offsets": [0, 8]}}), b"\x00" * 8),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}), b"\x00" * 8),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [2**40, 2**40], "data_offsets": [0, 8]}}), b"\x00" * 8),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}), b"\x00" * 8),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 2**63]}}), b"\x00" * 8),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [-8, 0]}}), b"\x00" * 8),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                     "v": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}), b"\x00" * 12),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [1] * 9, "data_offsets": [0, 4]}}), b"\x00" * 4),
            lambda: file(json.dumps({"w": {"dtype": "BF16", "shape": [3], "data_offsets": [0, 6]}}), b"\x00" * 6),
            lambda: file(json.dumps({"__metadata__": {"a": 1}, **ok}), b"\x00" * 8),
            lambda: file(json.dumps({"__metadata__": "x"}), b""), lambda: file('{"w": 1}'), lambda: file('{"w": {}}'),
            lambda: file(json.dumps({"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}), b"\x00" * 8),
            lambda: file(b"\xff\xfe{}"), lambda: file(json.dumps(ok) + " " * 3, b"\x00" * 8),
        ]
        return self.pick(choices)()

    def named_shared(self):
        """(names_json arg, shared array arg, count arg): names for live shared values, sometimes mismatched."""
        if self.chance(0.5) or not self.pool["shared"]:
            shared, n = self.handles("shared", 3)
            return self.string(NAMES_JSON), shared, n
        k = self.r.randint(1, 3)
        hs = [self.pick(self.pool["shared"]) for _ in range(k)]
        names = [self.pick(["w", "b", None, "w"]) for _ in range(k)]
        return ["str", json.dumps(names), 1], ["arr", "i64", k, hs], ["i", k]

    def gen_agn_state_names(self):
        names = self.pick(NAMES_JSON)
        try:
            n = len(json.loads(names)) if self.chance(0.8) else self.any_int()
        except (ValueError, TypeError):
            n = self.any_int()
        if not isinstance(n, int):
            n = 1
        self.emit("agn_state_names", [self.string([names]), ["i", n], self.out("ptr")])

    def gen_agn_safetensors_save(self):
        names, shared, n = self.named_shared()
        meta = self.pick([["null"], ["str", '{"a": "b"}', 1], ["str", '{"a": 1}', 1], ["str", "[]", 1], ["str", '{"__metadata__": "x"}', 1],
                          ["str", "{", 1], ["str", '{"a": "' + "x" * 5000 + '"}', 1]])
        path = ["tmp", self.pick(["a.safetensors", "b.safetensors", "c.safetensors"])] if self.chance(0.8) else \
            self.pick([["tmp", "missing-dir/x.safetensors"], ["tmp", ""], ["null"], ["str", "/nonexistent-dir/x.safetensors", 1]])
        self.emit("agn_safetensors_save", [path, names, shared, n, meta])

    def gen_agn_safetensors_load(self):
        names, shared, n = self.named_shared()
        path = self.path()
        if self.chance(0.5):
            path = ["tmp", "round_trip.safetensors"]
            self.emit("agn_safetensors_save", [path, names, shared, n, ["null"]])
            if self.chance(0.5):
                names, shared, n = self.named_shared()
        self.emit("agn_safetensors_load", [path, names, shared, n, ["i", self.pick([0, 1, -1, 2])], self.out("ptr")])

    def gen_agn_state_set(self):
        names, shared, n = self.named_shared()
        k = self.r.randint(0, 3)
        keys = [self.pick(["w", "b", "w_1", "param0", "x"]) for _ in range(k)]
        if names[0] == "str" and self.chance(0.6):
            try:
                given = json.loads(names[1])
                st, w, _ = self.emit("agn_state_names", [names, ["i", len(given)], ["out", "ptr", 1]])
                keys = json.loads(self.read_string(w)) if st == 0 else keys
                k = len(keys)
            except (ValueError, TypeError, RecursionError):
                pass
        shapes = self.shared_shapes(shared[3][:k]) if shared[0] == "arr" and self.chance(0.7) else []
        shapes = (shapes + [self.small_shape() for _ in range(k)])[:k]
        data, dtypes, ndims, dims, count = self.value_buffers(shapes)
        keys_json = ["str", json.dumps(keys), 1] if self.chance(0.9) else self.string(NAMES_JSON)
        if count[1] != k:
            data, dtypes, ndims = ["null"], ["null"], ["null"]
        self.emit("agn_state_set", [names, shared, n, keys_json, data, dtypes, ndims, dims, count, ["i", self.pick([0, 1, 5])],
                                    self.out("ptr")])

    def gen_agn_safetensors_open(self):
        if self.chance(0.3) and self.pool["shared"]:
            self.gen_agn_safetensors_save()
        st, _, i = self.emit("agn_safetensors_open", [self.path(), self.out()], "file")
        if st == 0 and self.chance(0.7):
            self.read_tensors(["h", i, 0])

    def read_tensors(self, f):
        """Reads the tensors of an opened file at their true sizes (from agn_safetensors_info), or bent sizes."""
        st, w, _ = self.emit("agn_safetensors_info", [f, ["out", "ptr", 1]])
        if st != 0:
            return
        try:
            tensors = json.loads(self.read_string(w)).get("tensors", [])
        except ValueError:
            tensors = []
        for i, t in enumerate(tensors[:4]):
            nbytes = int(t.get("nbytes", 0))
            if nbytes <= 1 << 16:
                self.emit("agn_safetensors_read", [f, ["i", i], ["out", "u8", max(nbytes, 1)], ["i", nbytes]])

    def gen_agn_safetensors_info(self):
        self.emit("agn_safetensors_info", [self.ref("file"), self.out("ptr")])

    def gen_agn_safetensors_read(self):
        n = self.pick([0, 4, 8, 16])
        roll = self.r.random()
        buf, nbytes = (["out", "u8", max(n, 1)], ["i", n]) if roll < 0.85 else (["null"], ["i", self.pick([0, 8] + HUGE_COUNTS)])
        self.emit("agn_safetensors_read", [self.ref("file"), ["i", self.any_int()], buf, nbytes])
