"""The generator's state and the argument makers every area uses: the seeded random stream, the runner, the
pools of handles by kind, adversarial integers, handles, strings, JSON attributes, shapes and data buffers, and
`emit`, which runs one call and pools the handles it returned.
"""
import random

from fuzz_abi_calls import Runner, declared_functions

from .values import GARBAGE_JSON, HUGE_COUNTS, I32, I64, U64

ATTR_KEYS = ["axis", "keepdims", "shape", "pattern", "repeats", "reps", "items", "is_array", "depth", "dtype",
             "reverse", "stride", "pad", "filter_dilation", "flip_filters", "pool_size", "mode", "ignore_border",
             "lower", "upper", "axes", "ndim", "negative_indices", "name", "num_units", "W", "b", "nonlinearity",
             "num_leading_axes", "deterministic"]
VALID_ATTRS = {"sum": ['{"axis": 0}', '{"axis": [0, 1], "keepdims": true}', '{}'], "reshape": ['{"shape": [-1]}', '{"shape": [2, -1]}'],
               "dimshuffle": ['{"pattern": ["x", 0]}', '{"pattern": [1, 0]}'], "repeat": ['{"repeats": 2, "axis": 0}'],
               "tile": ['{"reps": [2, 1]}'], "getitem": ['{"items": [[null, null, -1]]}', '{"items": [0]}', '{"items": [[1, 9e15, 9e15]]}'],
               "cast": ['{"dtype": "int32"}', '{"dtype": "bool"}'], "one_hot": ['{"depth": 3}'], "conv2d": ['{"pad": "full"}', '{"stride": 2}'],
               "pool2d": ['{"pool_size": 2}', '{"pool_size": [2, 1], "mode": "average_inc_pad"}'], "concatenate": ['{"axis": 0}'],
               "advanced_index": ['{"is_array": [true]}', '{"is_array": [false, true], "negative_indices": false}'],
               "argmax": ['{"axis": 0}'], "softmax": ['{"axis": -1}'], "cumsum": ['{"axis": 0, "reverse": true}'],
               "flatten": ['{"ndim": 1}'], "transpose": ['{"axes": [1, 0]}'], "grad_clip": ['{"lower": -1, "upper": 1}']}


class GeneratorCore:
    """One seeded run: `step()` picks a header function and calls its `gen_<name>` generator (in the area
    classes `Generator` is made of)."""

    def __init__(self, seed, runner=None):
        self.r = random.Random(seed)
        self.runner = runner or Runner()
        self.functions = declared_functions()
        self.index = 0
        self.log = []
        # Pools of ["h", j, k] refs by kind; released refs stay usable as stale handles.
        self.pool = {k: [] for k in ("node", "input", "shared", "function", "layer", "env", "random", "file",
                                          "recurrence")}
        self.released = []
        self.meta = {}  # ref tuple -> info (function inputs/outputs, env description)
        self.counts = {name: 0 for name in self.functions}

    # ----- primitive choices -----
    def pick(self, xs):
        return xs[self.r.randrange(len(xs))]

    def chance(self, p):
        return self.r.random() < p

    def any_int(self, kind="i64"):
        if self.chance(0.3):
            return self.r.randint(-3, 10)
        return self.pick({"i64": I64, "i32": I32, "u64": U64}[kind])

    def ref(self, kind):
        """A handle: mostly a live one of `kind`, else another kind, a stale one, 0, negative or huge."""
        roll = self.r.random()
        if roll < 0.75 and self.pool[kind]:
            return self.pick(self.pool[kind])
        if roll < 0.85:
            others = [h for hs in self.pool.values() for h in hs]
            if others:
                return self.pick(others)
        if roll < 0.93 and self.released:
            return self.pick(self.released)
        return ["i", self.pick([0, -1, 1, 2**63 - 1, -2**63, 10**12])]

    def handles(self, kind, limit=4):
        """(array arg, count arg): an int64 handle array and its true count, or a NULL/huge count."""
        roll = self.r.random()
        if roll < 0.08:
            return ["null"], ["i", self.pick([0, 1, 5] + HUGE_COUNTS)]
        if roll < 0.12:
            n = self.r.randint(0, 3)
            return ["arr", "i64", n, [self.ref(kind) for _ in range(n)]], ["i", self.pick(HUGE_COUNTS)]
        n = self.r.randint(0, limit)
        return ["arr", "i64", n, [self.ref(kind) for _ in range(n)]], ["i", n]

    def out(self, ctype="i64", n=1):
        return ["null"] if self.chance(0.04) else ["out", ctype, n]

    def string(self, choices):
        roll = self.r.random()
        if roll < 0.05:
            return ["null"]
        if roll < 0.8:
            return ["str", self.pick(choices), 1]
        if roll < 0.9:
            return ["str", self.pick(["\xff\xfe", "\xc3\x28", "a" * 7, "x", "\x01\x02"]), self.pick([1, 3, 100000])]
        return ["str", self.pick(GARBAGE_JSON), 1]

    # ----- JSON attributes -----
    def json_value(self, depth=0):
        roll = self.r.random()
        if roll < 0.35:
            return str(self.pick([0, 1, -1, 2, 3, -2, 7, 8, 9, 2**31, -2**31 - 1, 10**12, 9 * 10**15, 10**30, -10**30]))
        if roll < 0.45:
            return self.pick(["1.5", "-0.5", "NaN", "Infinity", "-Infinity", "1e308", "true", "false", "null"])
        if roll < 0.55:
            return '"' + self.pick(["x", "float32", "int32", "bool", "valid", "full", "same", "max", "average_inc_pad",
                                    "rectify", "softmax", "", "\\u0000", "zz"]) + '"'
        if roll < 0.9 and depth < 3:
            n = self.r.randint(0, 4)
            return "[" + ",".join(self.json_value(depth + 1) for _ in range(n)) + "]"
        if depth < 2:
            return '{"kind": "GlorotUniform", "gain": ' + self.json_value(depth + 1) + "}"
        return "0"

    def attributes(self, kind=None):
        roll = self.r.random()
        if kind in VALID_ATTRS and roll < 0.5:
            return ["str", self.pick(VALID_ATTRS[kind]), 1]
        if roll < 0.3:
            return ["str", "{}", 1]
        if roll < 0.36:
            return ["null"]
        if roll < 0.14:
            return ["str", self.pick(GARBAGE_JSON), 1]
        keys = self.r.sample(ATTR_KEYS, self.r.randint(0, 4))
        return ["str", "{" + ",".join(f'"{k}": {self.json_value()}' for k in keys) + "}", 1]

    # ----- shapes and data -----
    def small_shape(self, rank=None):
        rank = self.r.randint(0, 3) if rank is None else rank
        return [self.r.randint(0, 4) for _ in range(rank)]

    def dims(self):
        """(ndim, dims arg, element count or None when the claim is adversarial)."""
        roll = self.r.random()
        if roll < 0.75:
            s = self.small_shape()
            return len(s), ["arr", "i64", max(len(s), 1), s], self._count(s)
        if roll < 0.82:
            return self.pick([-1, 9, 12, 100, 2**31 - 1, -2**31]), ["arr", "i64", 8, [1] * 8], None
        if roll < 0.86:
            return self.r.randint(1, 3), ["null"], None
        s = [self.pick([2**62, 2**40, 2**48, -1, -5, 2**63 - 1, 3]) for _ in range(self.r.randint(1, 3))]
        count = self._count(s) if all(d >= 0 for d in s) else None
        return len(s), ["arr", "i64", len(s), s], count if count is not None and count <= 4096 else None

    @staticmethod
    def _count(s):
        n = 1
        for d in s:
            n *= d
        return n

    def data(self, dtype, count):
        """A data pointer for `count` elements of engine dtype `dtype` (0 f32, 1 i32, 2 bool)."""
        if count is None:
            return ["null"] if self.chance(0.5) else ["arr", "u8", 64, []]
        if count == 0 and self.chance(0.5):
            return ["null"]
        if dtype == 0:
            return ["arr", "f32", count, [self.pick([0.0, 1.0, -2.5, "nan", "inf", 1e30, 3.0]) for _ in range(count)]]
        if dtype == 1:
            return ["arr", "i32", count, [self.pick([0, 1, 2, -1, 2**31 - 1, -2**31, 3]) for _ in range(count)]]
        return ["arr", "u8", max(count, 1) * 4, [self.pick([0, 1, 255]) for _ in range(count)]]

    def dtype_code(self):
        return self.pick([0, 0, 0, 1, 1, 2, -1, 3, 99, 2**31 - 1])

    # ----- running -----
    def emit(self, name, args, kind=None, meta=None):
        spec = [name, args]
        self.log.append(spec)
        index = self.index
        self.index += 1
        self.counts[name] += 1
        if self.before:
            self.before(index, spec)
        status, written = self.runner.call(index, spec)
        if status == 0 and kind is not None:
            for k in range(len(self.runner.returned.get(index, []))):
                ref = ["h", index, k]
                self.pool[kind].append(ref)
                if meta is not None:
                    self.meta[(index, k)] = meta
        return status, written, index

    before = None

    def step(self):
        name = self.pick(sorted(self.functions))
        getattr(self, "gen_" + name)()
