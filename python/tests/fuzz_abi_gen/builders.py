"""Builders of valid objects (constants, parameters, nodes, layers) and of buffers sized for them, used by the
area generators to get the engine deep before an adversarial call.
"""
import ctypes

from .values import HUGE_COUNTS


class Builders:
    """Valid objects made by valid calls, and out-buffers and value buffers of their true sizes (sometimes bent)."""

    def constant(self, dtype, shape):
        """A constant node of `shape`, made by a valid call; its ref (maybe 0 if it failed)."""
        count = self._count(shape)
        ctype = ("f32", "i32", "u8")[dtype]
        values = [self.pick([0, 1]) for _ in range(count)]
        _, _, i = self.emit("agn_constant_create", [["arr", ctype, max(count, 1), values], ["i", dtype], ["i", len(shape)],
                                                    ["arr", "i64", max(len(shape), 1), shape], ["out", "i64", 1]], "node")
        return ["h", i, 0]

    def parameter(self, shape=None):
        """A float32 shared value (and its node) made by valid calls: (shared ref, node ref)."""
        shape = self.small_shape(self.r.randint(0, 2)) if shape is None else shape
        count = self._count(shape)
        _, _, i = self.emit("agn_shared_create", [["arr", "f32", max(count, 1), [self.pick([0.5, -1.0, 2.0]) for _ in range(count)]],
                                                  ["i", 0], ["i", len(shape)], ["arr", "i64", max(len(shape), 1), shape],
                                                  ["str", "w", 1], ["out", "i64", 1]], "shared")
        _, _, j = self.emit("agn_shared_node", [["h", i, 0], ["out", "i64", 1]], "node")
        return ["h", i, 0], ["h", j, 0]

    def node_of(self, kind, inputs, attrs="{}"):
        _, _, i = self.emit("agn_node_create", [["str", kind, 1], ["str", attrs, 1], ["arr", "i64", len(inputs), inputs],
                                                ["i", len(inputs)], ["out", "i64", 1]], "node")
        return ["h", i, 0]

    def layer_of(self, kind, attrs, shapes, fmt_refs=None):
        """A layer made by agn_layer_create; attrs may hold %d placeholders for `fmt_refs` (handles)."""
        flat = [d for s in shapes for d in s]
        a = ["fmt", attrs, fmt_refs] if fmt_refs else ["str", attrs, 1]
        _, _, i = self.emit("agn_layer_create", [["str", kind, 1], a, ["arr", "i64", max(len(flat), 1), flat],
                                                 ["arr", "i32", max(len(shapes), 1), [len(s) for s in shapes]],
                                                 ["i", len(shapes)], ["out", "i64", 1]], "layer")
        return ["h", i, 0]

    def sized_out(self, ctype, limit=8):
        """(array, capacity): an out array of its true capacity, or NULL with a zero/huge capacity."""
        roll = self.r.random()
        if roll < 0.1:
            return ["null"], ["i", self.pick([0] + HUGE_COUNTS)]
        if roll < 0.15:
            return ["out", ctype, 1], ["i", self.pick([-1, -2**63])]
        n = self.r.randint(0, limit)
        return ["out", ctype, max(n, 1)], ["i", n]

    def pair_handles(self, kind_a, kind_b, limit=3):
        """Two handle arrays of one count (the count may be adversarial, with NULL arrays)."""
        if self.chance(0.08):
            return ["null"], ["null"], ["i", self.pick([1] + HUGE_COUNTS)]
        n = self.r.randint(0, limit)
        return (["arr", "i64", n, [self.ref(kind_a) for _ in range(n)]], ["arr", "i64", n, [self.ref(kind_b) for _ in range(n)]],
                ["i", n])

    def value_buffers(self, shapes):
        """(data pointer array, dtypes, ndims, dims, count) args for buffers of `shapes` (float32), sometimes bent."""
        n = len(shapes)
        dtypes = [0 if self.chance(0.9) else self.dtype_code() for _ in shapes]
        ranks = [len(s) for s in shapes]
        flat = [d for s in shapes for d in s]
        if self.chance(0.1) and n:
            ranks[0] = self.pick([9, -1, 2**31 - 1])
        if self.chance(0.1) and flat:
            flat[0] = self.pick([-1, 2**40, 2**62])
        ptrs = []
        for s, d in zip(shapes, dtypes):
            count = self._count(s)
            ptrs.append(["null"] if self.chance(0.05) else self.data(d if d in (0, 1, 2) else 0, count if count <= 4096 else None))
        return (["arr", "ptr", max(n, 1), ptrs], ["arr", "i32", max(n, 1), dtypes], ["arr", "i32", max(n, 1), ranks],
                ["arr", "i64", max(len(flat), 1), flat], ["i", n if self.chance(0.92) else self.pick(HUGE_COUNTS)])

    def shared_shapes(self, refs):
        """Static shapes of shared values (via agn_shared_info); [] for those that fail."""
        shapes = []
        for h in refs:
            st, w, _ = self.emit("agn_shared_info", [h, ["out", "i32", 1], ["out", "i32", 1], ["out", "i64", 8]])
            shapes.append(w[2][:w[1][0]] if st == 0 else [])
        return shapes

    def read_string(self, written):
        """The engine string a call wrote to a pointer out-slot (valid until this thread's next string call)."""
        try:
            return ctypes.string_at(written[0][0]).decode("utf-8", "replace") if written and written[0][0] else ""
        except (TypeError, ValueError):
            return ""
