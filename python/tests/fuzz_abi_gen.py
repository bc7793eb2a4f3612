"""A seeded generator of random and adversarial C-ABI calls: one generator per function of include/agentnet.h,
each mixing valid calls (so the engine gets deep: graphs, compiled functions, layers, environments) with NULLs,
extreme counts, ranks and sizes, stale/wrong-kind/0/negative handles, garbage, deep and huge JSON, bad enums and
numeric extremes (NaN, inf, huge ints). Arrays are always as long as the count the call gives for them: a count
beyond the array comes with a NULL pointer, or is so large (negative, > 2^31) that the engine must refuse it
before reading. Claimed tensor sizes are small and true, or at least 2^48 bytes (beyond any memory limit).

`Generator.step()` makes one call through a `fuzz_abi_calls.Runner` and returns its spec, so the caller can log
the spec before it runs (see `run_chunk`).
"""
import ctypes
import json
import random
import struct
import sys

from fuzz_abi_calls import HOST_BEHAVIOURS, Runner, declared_functions

I64 = [0, 1, 2, 3, -1, -2, 8, 9, 2**31 - 1, 2**31, -2**31, 2**32, 2**40, 2**48, 2**62, 2**63 - 1, -2**63, 1 << 24,
       (1 << 24) + 1]
I32 = [0, 1, 2, 3, -1, 8, 9, 100, 2**31 - 1, -2**31]
U64 = [0, 1, 2**32, 2**63, 2**64 - 1]
F64 = [0.0, -0.0, 1.0, -1.0, 0.5, "nan", "inf", "-inf", 1e308, -1e308, 5e-324, 1e20, 3.0]
HUGE_COUNTS = [-1, -2, -2**31, -2**63, 2**31, 2**32, 2**40, 2**62, 2**63 - 1]
OP_KINDS = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "mod", "floordiv", "eq", "neq", "lt", "le", "gt",
            "ge", "and", "or", "xor", "neg", "abs", "sign", "square", "relu", "invert", "exp", "log", "log1p", "sqrt",
            "tanh", "sigmoid", "softplus", "elu", "sin", "cos", "floor", "ceil", "round", "reciprocal", "sum", "mean",
            "max", "min", "prod", "ema", "ema_square", "adam_step", "where", "cast", "clip", "var", "std", "argmax",
            "argmin", "dot", "batched_dot", "reshape", "dimshuffle", "transpose", "flatten", "concatenate", "stack",
            "repeat", "tile", "getitem", "advanced_index", "one_hot", "cumsum", "arange", "alloc", "zeros_like",
            "ones_like", "shape", "softmax", "log_softmax", "logsumexp", "stop_gradient", "grad_clip", "broadcast_to",
            "conv2d", "conv1d", "pool2d", "random_uniform", "nonsense", ""]
RANDOM_KINDS = ["random_uniform", "random_normal", "random_binomial", "random_choice", "random_multinomial", "add"]
ATTR_KEYS = ["axis", "keepdims", "shape", "pattern", "repeats", "reps", "items", "is_array", "depth", "dtype",
             "reverse", "stride", "pad", "filter_dilation", "flip_filters", "pool_size", "mode", "ignore_border",
             "lower", "upper", "axes", "ndim", "negative_indices", "name", "num_units", "W", "b", "nonlinearity",
             "num_leading_axes", "deterministic"]
LAYER_KINDS = ["InputLayer", "DenseLayer", "NonlinearityLayer", "Conv2DLayer", "Recurrence", "CallbackLayer", "DictLayer",
               "ElementLayer", "BatchNormLayer", "", "nonsense"]
TAGS_JSON = ['["trainable"]', '[]', '["regularizable", "trainable"]', '["x", "x"]', '{}', '[1]', '[null]', '"trainable"']
TAG_FILTERS = ['{"trainable": true}', '{}', '{"regularizable": false, "trainable": true}', '{"trainable": 1}', '[]',
               '{"nonsense": true}', '{"trainable": null}']
NAMES_JSON = ['["w"]', '["w", "w"]', '[null, "a", "a_1", "a"]', '[]', '[1]', '["w", null, null]', '{}', '"w"',
              '["\\u0000", ""]', '[' + ",".join(['"x"'] * 40) + ']']
UPDATE_KINDS = ["sgd", "momentum", "nesterov_momentum", "adagrad", "rmsprop", "adadelta", "adam", "adamax", "", "nope"]
UPDATE_VALID = {"sgd": '{"learning_rate": 0.01}', "momentum": '{"learning_rate": 0.01, "momentum": 0.9}',
                "nesterov_momentum": '{"learning_rate": 0.01, "momentum": 0.9}', "adagrad": '{"learning_rate": 0.1, "epsilon": 1e-6}',
                "rmsprop": '{"learning_rate": 0.01, "rho": 0.9, "epsilon": 1e-6}', "adadelta": '{"learning_rate": 1, "rho": 0.95, "epsilon": 1e-6}',
                "adam": '{"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}',
                "adamax": '{"learning_rate": 0.002, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}'}
UPDATE_ATTRS = ['{"learning_rate": 0.01}', '{"learning_rate": 0.1, "momentum": 0.9}', '{"learning_rate": 1, "rho": 0.9, "epsilon": 1e-6}',
                '{"learning_rate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8}', '{}', '{"learning_rate": "a"}',
                '{"learning_rate": NaN}', '{"learning_rate": 1e308, "momentum": -1e308}', '{"learning_rate": {"node": 0}}',
                '{"learning_rate": {"node": 123456789}}', '{"beta1": [1, 2]}', '[]']
OBJECTIVE_KINDS = ["qlearning", "sarsa", "a2c", "reinforce", "dpg_critic", "value_reference", "", "nope"]
#: (kind, [(input name, dtype code, shape)]): valid inputs of batch 2, 3 ticks, 2 actions.
OBJECTIVE_INPUTS = {
    "qlearning": [("qvalues", 0, [2, 3, 2]), ("actions", 1, [2, 3]), ("rewards", 0, [2, 3]), ("is_alive", 2, [2, 3])],
    "sarsa": [("qvalues", 0, [2, 3, 2]), ("actions", 1, [2, 3]), ("rewards", 0, [2, 3])],
    "a2c": [("policy", 0, [2, 3, 2]), ("state_values", 0, [2, 3]), ("actions", 1, [2, 3]), ("rewards", 0, [2, 3])],
    "reinforce": [("policy", 0, [2, 3, 2]), ("actions", 1, [2, 3]), ("rewards", 0, [2, 3])],
    "dpg_critic": [("action_qvalues", 0, [2, 3]), ("state_values", 0, [2, 3]), ("rewards", 0, [2, 3])],
}
OBJECTIVE_ATTRS = ['{"n_steps": 1}', '{"n_steps": 3, "crop_last": true}', '{"gamma_or_gammas": 0.9, "loss_function": "squared_error"}',
                   '{"n_steps": 0}', '{"n_steps": 9e15}', '{"n_steps": -1}', '{"gamma_or_gammas": "x"}',
                   '{"loss_function": "nope"}', '{}']
INIT_SPECS = ['{"kind": "GlorotUniform", "gain": 1}', '{"kind": "GlorotNormal"}', '{"kind": "HeNormal", "gain": "relu"}',
              '{"kind": "Normal", "std": 0.01, "mean": 0}', '{"kind": "Uniform", "range": [1, -1]}', '{"kind": "Uniform", "range": 1e308}',
              '{"kind": "Orthogonal"}', '{"kind": "Orthogonal", "gain": NaN}', '{"kind": "Constant", "val": 1e308}',
              '{"kind": "Sparse", "sparsity": 2}', '{"kind": "GlorotUniform", "c01b": true}', '{"kind": "nonsense"}', '{}',
              '{"kind": "Uniform", "std": -1}', '{"kind": "Normal", "std": Infinity}']
ENV_IDS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1",
           "BooleanReasoning-v0", "agentnet/CartPole-v1", "", "CartPole-v1\xff"]
GARBAGE_JSON = ["[" * 100000, "{\"a\":" * 5000, "[1,", "{", "}", "nul", "\"\\u12", "\"\\ud800\"", "1" * 5000,
                "-" * 100, "1e999999", "NaN", "-Infinity", "\xff\xfe\x80", "{\"axis\": \"\xc3\x28\"}", "[]",
                "{\"axis\": 1e30}", "{\"axis\": -1e30}", "{\"shape\": [" + ",".join(["1"] * 100) + "]}",
                "{\"pattern\": [" + ",".join(["\"x\""] * 12) + ", 0]}", "{\"repeats\": 1e12, \"axis\": 0}",
                "{\"items\": [[null, null, 9e15]]}", "{\"depth\": 9e15}", "\"" + "\\\\" * 1000 + "\""]


class Generator:
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

    VALID_ATTRS = {"sum": ['{"axis": 0}', '{"axis": [0, 1], "keepdims": true}', '{}'], "reshape": ['{"shape": [-1]}', '{"shape": [2, -1]}'],
                   "dimshuffle": ['{"pattern": ["x", 0]}', '{"pattern": [1, 0]}'], "repeat": ['{"repeats": 2, "axis": 0}'],
                   "tile": ['{"reps": [2, 1]}'], "getitem": ['{"items": [[null, null, -1]]}', '{"items": [0]}', '{"items": [[1, 9e15, 9e15]]}'],
                   "cast": ['{"dtype": "int32"}', '{"dtype": "bool"}'], "one_hot": ['{"depth": 3}'], "conv2d": ['{"pad": "full"}', '{"stride": 2}'],
                   "pool2d": ['{"pool_size": 2}', '{"pool_size": [2, 1], "mode": "average_inc_pad"}'], "concatenate": ['{"axis": 0}'],
                   "advanced_index": ['{"is_array": [true]}', '{"is_array": [false, true], "negative_indices": false}'],
                   "argmax": ['{"axis": 0}'], "softmax": ['{"axis": -1}'], "cumsum": ['{"axis": 0, "reverse": true}'],
                   "flatten": ['{"ndim": 1}'], "transpose": ['{"axes": [1, 0]}'], "grad_clip": ['{"lower": -1, "upper": 1}']}

    def attributes(self, kind=None):
        roll = self.r.random()
        if kind in self.VALID_ATTRS and roll < 0.5:
            return ["str", self.pick(self.VALID_ATTRS[kind]), 1]
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

    # ----- one generator per C function -----
    def gen_agn_abi_version(self):
        self.emit("agn_abi_version", [])

    def gen_agn_last_error(self):
        self.emit("agn_last_error", [])

    def gen_agn_release(self):
        kind = self.pick(list(self.pool))
        h = self.ref(kind)
        status, _, _ = self.emit("agn_release", [h])
        if status == 0 and h[0] == "h":
            for hs in self.pool.values():
                if h in hs:
                    hs.remove(h)
            self.released.append(h)

    def gen_agn_live_handles(self):
        self.emit("agn_live_handles", [self.out()])

    def gen_agn_set_memory_limit(self):
        # Never above the fuzz limit (64 MiB) or 0 (the default, 3/4 of RAM): valid random graphs could then
        # really allocate gigabytes. Limits above it are covered by test_misuse and BoundaryTests.
        # A tiny limit makes every allocation fail: it holds for a few calls only, then the fuzz limit is back.
        limit = self.pick([-1, 1, 64, 1 << 20, 1 << 26, -2**63])
        self.emit("agn_set_memory_limit", [["i", limit]])
        if 0 < limit < 1 << 26:
            for _ in range(self.r.randint(1, 4)):
                name = self.pick(sorted(self.functions))
                if name != "agn_set_memory_limit":
                    getattr(self, "gen_" + name)()
            self.emit("agn_set_memory_limit", [["i", 1 << 26]])

    def gen_agn_memory_info(self):
        self.emit("agn_memory_info", [self.out(), self.out()])

    def gen_agn_input_create(self):
        ndim, dims, _ = self.dims()
        if self.chance(0.7) and dims[0] == "arr":
            dims = ["arr", "i64", dims[2], [self.pick([-1, -1, 1, 2, 3, 0]) for _ in range(dims[2])]]
        name = self.string(["x", "y", "", "a" * 300])
        self.emit("agn_input_create", [name, ["i", self.dtype_code()], ["i", ndim], dims, self.out()], "input")
        if self.pool["input"] and self.pool["input"][-1] not in self.pool["node"]:
            self.pool["node"].append(self.pool["input"][-1])

    def gen_agn_constant_create(self):
        dtype = self.dtype_code()
        ndim, dims, count = self.dims()
        self.emit("agn_constant_create", [self.data(dtype, count), ["i", dtype], ["i", ndim], dims, self.out()], "node")

    def live(self, kind, n):
        return [self.pick(self.pool[kind]) for _ in range(n)] if self.pool[kind] else []

    def gen_agn_node_create(self):
        if self.chance(0.7) and self.pool["node"]:
            kind = self.pick(OP_KINDS[:-2])
            hs = self.live("node", self.pick([1, 1, 2, 2, 3]))
            inputs, n = ["arr", "i64", len(hs), hs], ["i", len(hs)]
            self.emit("agn_node_create", [["str", kind, 1], self.attributes(kind), inputs, n, self.out()], "node")
            return
        inputs, n = self.handles("node")
        self.emit("agn_node_create", [self.string(OP_KINDS), self.attributes(), inputs, n, self.out()], "node")

    def gen_agn_random_node_create(self):
        inputs, n = self.handles("node", 3)
        if self.chance(0.6):
            shape = ["arr", "i64", 1, [2]]
            _, _, a = self.emit("agn_constant_create", [["arr", "i32", 2, [2, self.pick([3, 0, -1, 2**31 - 1])]], ["i", 1],
                                                        ["i", 1], shape, ["out", "i64", 1]], "node")
            _, _, b = self.emit("agn_constant_create", [["arr", "f32", 1, [self.pick([0.0, 1.0, 0.5, "nan", -1.0])]], ["i", 0],
                                                        ["i", 0], ["null"], ["out", "i64", 1]], "node")
            hs = [["h", a, 0], ["h", b, 0], self.pick([["h", b, 0]] + self.live("node", 1))]
            inputs, n = ["arr", "i64", 3, hs], ["i", 3]
        self.emit("agn_random_node_create", [self.ref("random"), self.string(RANDOM_KINDS),
                                             ["str", "{}", 1] if self.chance(0.5) else self.attributes(), inputs, n,
                                             self.out()], "node")

    def gen_agn_random_state_create(self):
        self.emit("agn_random_state_create", [["i", self.pick(U64)], self.out()], "random")

    def gen_agn_random_state_seed(self):
        self.emit("agn_random_state_seed", [self.ref("random"), ["i", self.pick(U64)]])

    def gen_agn_node_info(self):
        self.emit("agn_node_info", [self.ref("node"), self.out("i32"), self.out("i32"), self.out("i64", 8)])

    def gen_agn_node_repr(self):
        self.emit("agn_node_repr", [self.ref("node"), self.out("ptr")])

    def gen_agn_node_set_name(self):
        self.emit("agn_node_set_name", [self.ref("node"), self.string(["n", "", "\xff", "long" * 1000])])

    def gen_agn_shared_create(self):
        dtype = self.dtype_code()
        ndim, dims, count = self.dims()
        self.emit("agn_shared_create", [self.data(dtype, count), ["i", dtype], ["i", ndim], dims,
                                        self.string(["w", "", "\xc3\x28"]), self.out()], "shared")

    def gen_agn_shared_node(self):
        status, _, index = self.emit("agn_shared_node", [self.ref("shared"), self.out()], "node")

    def gen_agn_shared_info(self):
        self.emit("agn_shared_info", [self.ref("shared"), self.out("i32"), self.out("i32"), self.out("i64", 8)])

    def gen_agn_shared_get(self):
        n = self.r.randint(0, 300)
        h = self.ref("shared")
        if self.chance(0.6):
            st, w, _ = self.emit("agn_shared_info", [h, ["out", "i32", 1], ["out", "i32", 1], ["out", "i64", 8]])
            if st == 0:
                size = self._count(w[2][:w[1][0]]) * (1 if w[0][0] == 2 else 4)
                self.emit("agn_shared_get", [h, ["out", "u8", size], ["i", size]])
                return
        if self.chance(0.15):
            self.emit("agn_shared_get", [self.ref("shared"), ["null"], ["i", self.pick([0, 4] + HUGE_COUNTS)]])
        else:
            self.emit("agn_shared_get", [self.ref("shared"), ["out", "u8", n], ["i", self.pick([n, n, -1, 2**40])]])

    def gen_agn_shared_set(self):
        dtype = self.dtype_code()
        ndim, dims, count = self.dims()
        self.emit("agn_shared_set", [self.ref("shared"), self.data(dtype, count), ["i", dtype], ["i", ndim], dims])

    def gen_agn_grad(self):
        if self.chance(0.5) and self.pool["node"]:
            _, _, c = self.emit("agn_node_create", [["str", "sum", 1], ["str", "{}", 1], ["arr", "i64", 1, self.live("node", 1)],
                                                    ["i", 1], ["out", "i64", 1]], "node")
            hs = self.live("node", 2)
            self.emit("agn_grad", [["h", c, 0], ["arr", "i64", len(hs), hs], ["i", len(hs)], ["arr", "i64", 0, []], ["i", 0],
                                   ["i", self.pick([0, 1])], ["out", "i64", len(hs)]], "node")
            return
        wrt, n = self.handles("node", 3)
        consider, nc = self.handles("node", 2)
        count = n[1] if wrt[0] == "arr" and 0 <= n[1] <= 3 else 0
        out = ["out", "i64", count] if wrt[0] == "arr" and 0 <= n[1] <= 3 else ["null"]
        self.emit("agn_grad", [self.ref("node"), wrt, n, consider, nc, ["i", self.pick([0, 1, -1])], out], "node")

    def gen_agn_function_create(self):
        inputs = list(self.pool["input"][-4:])
        outputs = self.r.sample(self.pool["node"], min(len(self.pool["node"]), self.r.randint(0, 3)))
        if self.chance(0.2):
            ins, nin = self.handles("node", 3)
        else:
            ins, nin = ["arr", "i64", len(inputs), inputs], ["i", len(inputs)]
        outs, nout = ["arr", "i64", len(outputs), outputs], ["i", len(outputs)]
        if self.chance(0.15):
            outs, nout = self.handles("node", 3)
        nu = self.r.randint(0, 1) if self.chance(0.3) else 0
        upd_s = ["arr", "i64", nu, [self.ref("shared") for _ in range(nu)]]
        upd_v = ["arr", "i64", nu, [self.ref("node") for _ in range(nu)]]
        meta = {"inputs": inputs if ins[0] == "arr" and ins[3] == inputs else None,
                "n_out": outs[2] if outs[0] == "arr" else 0}
        self.emit("agn_function_create", [ins, nin, outs, nout, upd_s, upd_v, ["i", nu], ["i", self.pick([0, 1])],
                                          self.out()], "function", meta)

    def _input_buffers(self, fn):
        """Descriptor items for the inputs of a compiled function, from their static shapes (or adversarial)."""
        meta = self.meta.get((fn[1], fn[2])) if fn[0] == "h" else None
        meta = meta if isinstance(meta, dict) else None
        items, n = [], 0
        inputs = (meta or {}).get("inputs") or []
        for h in inputs:
            st, written, _ = self.emit("agn_node_info", [h, ["out", "i32", 1], ["out", "i32", 1], ["out", "i64", 8]])
            if st != 0:
                continue
            dtype, rank, dims = written[0][0], written[1][0], written[2]
            shape = [d if d >= 0 else self.r.randint(0, 3) for d in dims[:rank]]
            if self.chance(0.1):
                dtype = self.dtype_code()
            if self.chance(0.1):
                shape = [self.pick([2**48, 2**62, -1, 7])] + shape
            count = self._count(shape)
            ptr = ["addr", self.data(dtype if dtype in (0, 1, 2) else 0, count if 0 <= count <= 4096 else None)]
            items += [ptr, dtype, len(shape)] + shape
            n += 1
        return n, items

    def _descriptor(self, fn, with_outputs):
        n_in, items = self._input_buffers(fn)
        outs, n_out = [], 0
        if with_outputs:
            meta = self.meta.get((fn[1], fn[2])) if fn[0] == "h" else None
            k = meta.get("n_out", 0) if isinstance(meta, dict) else 0
            desc = [n_in, 0] + items
            # 8 output slots: more than any generated function has.
            st, written, _ = self.emit("agn_function_output_info", [fn, ["desc", desc], ["i", len(desc)], ["out", "i32", 8],
                                                                    ["out", "i32", 8], ["out", "i64", 64]])
            for i in range(k if st == 0 else self.r.randint(0, 2)):
                dtype = written[0][i] if st == 0 else 0
                shape = written[2][8 * i:8 * i + written[1][i]] if st == 0 else self.small_shape()
                count = self._count(shape)
                outs += [["addr", ["out", ("f32", "i32", "u8")[dtype] if dtype in (0, 1, 2) else "u8", count]], dtype, len(shape)] + shape
                n_out += 1
        desc = [n_in, n_out] + items + outs
        roll = self.r.random()
        if roll < 0.05:
            desc = [self.pick(HUGE_COUNTS), 0] + desc[2:]
        elif roll < 0.1:
            desc = desc[:self.r.randint(0, len(desc))]
        elif roll < 0.13:
            return ["null"], ["i", self.pick([0, 2, 2**40])]
        length = len(desc) if self.chance(0.9) else self.pick([l for l in (-1, 0, 1, len(desc) - 1) if l <= len(desc)] or [0])
        return ["desc", desc], ["i", length]

    def gen_agn_function_call(self):
        fn = self.ref("function")
        desc, length = self._descriptor(fn, True)
        self.emit("agn_function_call", [fn, desc, length])

    def gen_agn_function_output_info(self):
        fn = self.ref("function")
        desc, length = self._descriptor(fn, False)
        self.emit("agn_function_output_info", [fn, desc, length, self.out("i32", 64), self.out("i32", 64), self.out("i64", 512)])

    def gen_agn_set_num_threads(self):
        self.emit("agn_set_num_threads", [["i", self.pick([-1, 0, 1, 1, 2, 1025, 2**31 - 1, -2**31])]])

    def gen_agn_layer_create(self):
        if self.chance(0.5):
            kind, attrs, shape = self.pick([("DenseLayer", '{"num_units": 3}', [-1, 4]), ("InputLayer", '{"shape": [null, 4]}', None),
                                            ("NonlinearityLayer", '{"nonlinearity": "softmax"}', [-1, 4]),
                                            ("DenseLayer", '{"num_units": 2, "num_leading_axes": 2, "b": null}', [-1, 3, 4])])
            shapes = [] if shape is None else [shape]
            flat = [d for s in shapes for d in s]
            self.emit("agn_layer_create", [["str", kind, 1], ["str", attrs, 1], ["arr", "i64", len(flat), flat],
                                           ["arr", "i32", len(shapes), [len(s) for s in shapes]], ["i", len(shapes)],
                                           ["out", "i64", 1]], "layer")
            return
        n = self.r.randint(0, 2)
        ranks = [self.pick([0, 1, 2, 2, 3, -1, 9, 2**31 - 1]) for _ in range(n)]
        total = sum(r for r in ranks if 0 <= r <= 8) if all(0 <= r <= 8 for r in ranks) else 0
        shapes = ["arr", "i64", total, [self.pick([-1, 1, 2, 3, 4, 0, -5, 2**40, 2**62]) for _ in range(total)]]
        count = ["i", n] if self.chance(0.9) else ["i", self.pick(HUGE_COUNTS)]
        attrs = self.attributes() if self.chance(0.5) else ["str", self.pick([
            '{"num_units": 3}', '{"num_units": 3, "nonlinearity": "softmax"}', '{"shape": [null, 3]}',
            '{"num_units": 9e15}', '{"num_units": 3, "num_leading_axes": -100}', '{"shape": [' + ",".join(["2"] * 9) + "]}",
            '{"num_units": 2, "W": {"kind": "Orthogonal", "gain": "nan"}}', '{"num_units": 2, "W": {"shared": 1}}']), 1]
        self.emit("agn_layer_create", [self.string(LAYER_KINDS), attrs, shapes, ["arr", "i32", n, ranks], count,
                                       self.out()], "layer")

    def gen_agn_layer_output(self):
        inputs, n = self.handles("node", 2)
        self.emit("agn_layer_output", [self.ref("layer"), inputs, n, self.string(['{"deterministic": true}', "{}", "[[["]),
                                       self.out()], "node")

    def gen_agn_layer_outputs(self):
        inputs, n = self.handles("node", 4)
        cap = self.pick([0, 1, 2, 4, -1, 2**40])
        buf = ["out", "i64", cap] if 1 <= cap <= 4 else ["null"]
        self.emit("agn_layer_outputs", [self.ref("layer"), inputs, n, self.string(['{"hard_attention": true}', "{}", "[[["]),
                                        buf, ["i", cap], self.out()])

    def gen_agn_layer_info(self):
        self.emit("agn_layer_info", [self.ref("layer"), self.out("i32"), self.out("i64", 8), self.out()])

    def gen_agn_layer_param(self):
        self.emit("agn_layer_param", [self.ref("layer"), ["i", self.any_int()], self.out(), self.out("ptr")], "shared")

    def gen_agn_layer_repr(self):
        self.emit("agn_layer_repr", [self.ref("layer"), self.out("ptr")])

    def gen_agn_layer_describe(self):
        self.emit("agn_layer_describe", [self.ref("layer"), self.out("ptr")])

    def gen_agn_recurrence_step(self):
        if not self.pool["recurrence"] or self.chance(0.3):
            self.recurrence()
        if self.chance(0.5) and self.pool["recurrence"]:
            rec = self.pick(self.pool["recurrence"])
            prev = [self.constant(0, self.pick([[2, 3], [2, 3], [3], [2, 4]]))]
            current = [self.constant(0, [2, 3])] if self.chance(0.8) else []
            cap = self.pick([1, 2, 4])
            self.emit("agn_recurrence_step", [rec, ["null"], ["arr", "i64", 1, prev], ["i", 1], ["null"],
                                              ["arr", "i64", len(current), current], ["i", len(current)],
                                              ["str", self.pick(["{}", '{"deterministic": true}']), 1], ["out", "i64", cap], ["i", cap],
                                              ["out", "i64", 1]], "node")
            return

        def by_layer():
            """(layer array or NULL, node array, count): a layer named for each expression, or positional."""
            nodes, n = self.handles("node", 3)
            if self.chance(0.4) or nodes[0] != "arr":
                return ["null"], nodes, n
            k = nodes[2]
            return ["arr", "i64", k, [self.ref("layer") for _ in range(k)]], nodes, n
        prev_layers, prev, n_prev = by_layer()
        input_layers, current, n_current = by_layer()
        cap = self.pick([0, 1, 2, 4])
        outs, n_outs = (["out", "i64", max(cap, 1)], ["i", cap]) if self.chance(0.9) else (["out", "i64", 4], ["i", self.pick(HUGE_COUNTS)])
        options = self.string(['{}', '{"deterministic": true}', '{"recurrence_flags": {"deterministic": true}}', '[1]'])
        self.emit("agn_recurrence_step", [self.ref("recurrence"), prev_layers, prev, n_prev, input_layers, current, n_current,
                                          options, outs, n_outs, self.out()], "node")

    # ----- environments -----
    def gen_agn_env_create(self):
        if self.chance(0.6):
            status, _, index = self.emit("agn_env_create", [["str", self.pick(ENV_IDS[:6]), 1], ["i", self.pick([1, 2, 3, 4])],
                                                            ["i", self.pick([0, 1, 2])], ["i", self.pick([0, 5, 200, -1, 2**63 - 1])],
                                                            ["out", "i64", 1]], "env")
        else:
            num = self.pick([1, 2, 3, 4, 0, -1, 2**31, 2**63 - 1, (1 << 20) + 1] + ([1 << 20] if self.chance(0.02) else []))
            status, _, index = self.emit("agn_env_create", [self.string(ENV_IDS), ["i", num], ["i", self.pick([0, 1, 2, -1, 3, 2**31 - 1])],
                                                            ["i", self.any_int()], self.out()], "env")
        if status == 0:
            st, written, _ = self.emit("agn_env_describe", [["h", index, 0], ["out", "i64", 9], ["i", 9]])
            if st == 0:
                self.meta[(index, 0)] = written[0]
                n, obs = written[0][0], written[0][0] * written[0][1]
                if obs <= 1 << 16:
                    self.emit("agn_env_reset", [["h", index, 0], ["null"], ["i", 0], ["i", 0], ["f", 0.0], ["f", 0.0],
                                                ["out", "f32", obs], ["i", obs]])

    def env(self):
        h = self.ref("env")
        info = self.meta.get((h[1], h[2])) if h[0] == "h" else None
        return h, info if isinstance(info, list) else [1, 4, 4, 0, 2, 400, 600, 0, 0]

    def sized(self, ctype, true_n, cap=64):
        """(array, count) for an engine-sized buffer: the true size, a wrong small size, NULL or a huge count."""
        roll = self.r.random()
        if roll < 0.7 and true_n <= 1 << 16:
            return ["out", ctype, true_n], ["i", true_n]
        if roll < 0.85:
            n = self.r.randint(0, cap)
            return ["out", ctype, n], ["i", n]
        if roll < 0.93:
            return ["null"], ["i", self.pick([0, true_n] + HUGE_COUNTS)]
        return ["out", ctype, 4], ["i", self.pick(HUGE_COUNTS)]

    def gen_agn_env_describe(self):
        h, _ = self.env()
        buf, n = self.sized("i64", 9, 16)
        self.emit("agn_env_describe", [h, buf, n])

    def gen_agn_env_seed(self):
        h, info = self.env()
        words = self.r.randint(0, 4)
        arr = ["arr", "u32", words, [self.pick([0, 1, 2**32 - 1, 42]) for _ in range(words)]]
        count = ["i", words] if self.chance(0.9) else ["i", self.pick(HUGE_COUNTS)]
        self.emit("agn_env_seed", [h, ["i", self.pick([0, 0, 1, -1, info[0], 2**63 - 1])],
                                   ["i", self.pick([1, info[0], 0, -1, 2**63 - 1, -2**63])], arr, count])

    def gen_agn_env_reset(self):
        h, info = self.env()
        n, obs = info[0], info[0] * info[1]
        mask = ["null"] if self.chance(0.5) else ["arr", "u8", n, [self.pick([0, 1, 7]) for _ in range(n)]] \
            if n <= 4096 else ["null"]
        nmask = ["i", n if mask[0] == "arr" else self.pick([0, n, -1, 2**40])]
        buf, nobs = self.sized("f32", obs)
        self.emit("agn_env_reset", [h, mask, nmask, ["i", self.pick([0, 0, 1, -1])], ["f", self.pick(F64)],
                                    ["f", self.pick(F64)], buf, nobs])

    def _step(self, name):
        h, info = self.env()
        n, obs, width = info[0], info[0] * info[1], (1 if info[3] == 0 else info[4])
        na = n * width if self.chance(0.85) else self.r.randint(0, 8)
        if na > 1 << 16:
            actions, nact = ["null"], ["i", na]
        elif name.endswith("discrete"):
            good = self.chance(0.8)
            actions = ["arr", "i64", na, [self.r.randint(0, max(info[4] - 1, 0)) if good else self.pick([0, 1, 2, -1, 2**63 - 1, 3])
                                          for _ in range(na)]]
            nact = ["i", na]
        else:
            good = self.chance(0.8)
            actions = ["arr", "f32", na, [self.pick([0.0, 0.5, -1.0] if good else [0.0, 1.0, -1.0, "nan", "inf", 1e30])
                                          for _ in range(na)]]
            nact = ["i", na]
        obs_buf, nobs = self.sized("f32", obs)
        ne = n if self.chance(0.85) else self.r.randint(0, 8)
        flags = [["out", "f64", ne], ["out", "u8", ne], ["out", "u8", ne]] if ne <= 1 << 16 else [["null"]] * 3
        final, nfinal = (["null"], ["i", 0]) if self.chance(0.6) else self.sized("f32", obs)
        self.emit(name, [h, actions, nact, obs_buf, nobs] + flags + [["i", ne], final, nfinal])

    def gen_agn_env_step_discrete(self):
        self._step("agn_env_step_discrete")

    def gen_agn_env_step_box(self):
        self._step("agn_env_step_box")

    def gen_agn_env_state(self):
        h, info = self.env()
        buf, n = self.sized("f64", info[0] * info[2])
        self.emit("agn_env_state", [h, buf, n])

    def gen_agn_env_get_rng(self):
        h, info = self.env()
        self.emit("agn_env_get_rng", [h, ["i", self.pick([0, 1, -1, info[0], info[0] - 1, 2**63 - 1, -2**63])],
                                      self.out("u64", 4), self.out("i32")])

    def gen_agn_env_set_rng(self):
        h, info = self.env()
        words = ["null"] if self.chance(0.1) else ["arr", "u64", 4, [self.pick(U64) for _ in range(4)]]
        self.emit("agn_env_set_rng", [h, ["i", self.pick([0, 1, -1, info[0], 2**63 - 1])], words])

    def gen_agn_env_render(self):
        h, info = self.env()
        count = self.pick([1, 0, 2, -1, info[0], 2**63 - 1, -2**63])
        first = self.pick([0, 0, 1, -1, info[0], 2**63 - 1])
        frame = info[5] * info[6] * 3
        buf, n = self.sized("u8", count * frame if 0 <= count <= 2 else 0, 64)
        self.emit("agn_env_render", [h, ["i", first], ["i", count], buf, n])

    # ----- configuration -----
    def gen_agn_config_json(self):
        self.emit("agn_config_json", [self.out("ptr")])

    def gen_agn_set_flush_denormal(self):
        self.emit("agn_set_flush_denormal", [["i", self.pick([0, 1, 1, 1, -1, 2, 2**31 - 1, -2**31])]])

    # ----- helpers that build valid objects for the calls below -----
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

    # ----- learning objectives -----
    def gen_agn_learning_objective(self):
        kind = self.pick(OBJECTIVE_KINDS)
        if kind in OBJECTIVE_INPUTS and self.chance(0.6):
            spec = OBJECTIVE_INPUTS[kind]
            if self.chance(0.15):
                spec = spec[:-1] if self.chance(0.5) else spec + [("is_alive", 2, [2, 3])]
            names = [name for name, _, _ in spec]
            inputs = [self.constant(d, s if self.chance(0.9) else self.small_shape()) for _, d, s in spec]
            extra = json.loads(self.pick(OBJECTIVE_ATTRS))
            attrs = ["str", json.dumps(dict(extra, inputs=names)), 1]
            arr, n = ["arr", "i64", len(inputs), inputs], ["i", len(inputs)]
        else:
            arr, n = self.handles("node", 4)
            attrs = self.string(['{"inputs": ["qvalues", "actions", "rewards"]}', '{"inputs": "qvalues"}', '{"inputs": [1, 2]}',
                                 '{"inputs": ["qvalues", "qvalues", "qvalues"]}', '{}'] + OBJECTIVE_ATTRS)
        cap = self.pick([2] * 8 + [3, 1, 0])
        self.emit("agn_learning_objective", [self.string([kind]), attrs, arr, n,
                                             ["out", "i64", max(cap, 1)] if self.chance(0.95) else ["null"], ["i", cap]], "node")

    # ----- layer graph -----
    def gen_agn_layer_set_incoming(self):
        arr, n = self.handles("layer", 3)
        self.emit("agn_layer_set_incoming", [self.ref("layer"), arr, n])

    def gen_agn_layer_add_param(self):
        is_shared = self.pick([1, 1, 0, -1, 2])
        param = self.ref("shared" if is_shared == 1 and self.chance(0.8) else "node")
        self.emit("agn_layer_add_param", [self.ref("layer"), param, ["i", is_shared], self.string(["p", "", "W", "\xff"]),
                                          self.string(TAGS_JSON)])

    def gen_agn_layer_remove_param(self):
        self.emit("agn_layer_remove_param", [self.ref("layer"), ["i", self.any_int()]])

    def gen_agn_layer_set_param_tags(self):
        self.emit("agn_layer_set_param_tags", [self.ref("layer"), ["i", self.any_int()], self.string(TAGS_JSON)])

    def gen_agn_layer_set_nonlinearity(self):
        self.emit("agn_layer_set_nonlinearity", [self.ref("layer"), self.string([
            '{"nonlinearity": "tanh"}', '{"nonlinearity": "leaky_rectify", "leakiness": 1e308}', '{"nonlinearity": "nope"}',
            '{"host_key": 5, "label": "f"}', '{"host_key": -1}', '{"host_key": 9e18}', '{"host_key": 1.5}', '{}', '[]', 'null'])])

    def gen_agn_layer_remove_bias(self):
        self.emit("agn_layer_remove_bias", [self.ref("layer")])

    def gen_agn_layer_get_output(self):
        ls, n = self.handles("layer", 3)
        given, xs, k = self.pair_handles("layer", "node", 2)
        outs, cap = self.sized_out("i64", 6)
        counts = ["out", "i64", max(n[1], 1)] if ls[0] == "arr" and 0 <= n[1] <= 4 else ["null"]
        origins = ["out", "i64", outs[2]] if outs[0] == "out" and self.chance(0.95) else ["null"]
        self.emit("agn_layer_get_output", [ls, n, given, xs, k, self.string(['{"deterministic": true}', "{}", "[", '{"x": 1}']),
                                           outs, cap, counts, origins])

    def gen_agn_layer_get_output_shape(self):
        ls, n = self.handles("layer", 3)
        given, _, k = self.pair_handles("layer", "layer", 2)
        if k[1] in range(0, 3):
            shapes = [[self.pick([-1, 1, 2, 3, 4]) for _ in range(self.pick([0, 1, 2, 3]))] for _ in range(k[1])]
            ranks = [len(s) for s in shapes]
            if self.chance(0.1) and ranks:
                ranks[0] = self.pick([9, -1, 2**31 - 1])
            flat = [d for s in shapes for d in s]
            if self.chance(0.1) and flat:
                flat[0] = self.pick([-2, 2**40, 2**62, -2**63])
            dims, rk = ["arr", "i64", max(len(flat), 1), flat], ["arr", "i32", max(k[1], 1), ranks]
        else:
            dims, rk = ["null"], ["null"]
        m = n[1] if ls[0] == "arr" and 0 <= n[1] <= 4 else 0
        nd = ["out", "i32", max(m, 1)] if self.chance(0.95) else ["null"]
        od = ["out", "i64", 8 * max(m, 1)] if self.chance(0.95) else ["null"]
        self.emit("agn_layer_get_output_shape", [ls, n, given, dims, rk, k, nd, od])

    def gen_agn_layer_get_all_layers(self):
        ls, n = self.handles("layer", 3)
        treat, nt = self.handles("layer", 2)
        keys, cap = self.sized_out("i64", 8)
        self.emit("agn_layer_get_all_layers", [ls, n, treat, nt, keys, cap, self.out()])

    def gen_agn_layer_get_all_params(self):
        ls, n = self.handles("layer", 3)
        owners, cap = self.sized_out("i64", 8)
        indices = ["out", "i64", owners[2]] if owners[0] == "out" and self.chance(0.95) else ["null"]
        self.emit("agn_layer_get_all_params", [ls, n, self.string(TAG_FILTERS) if self.chance(0.9) else ["null"], owners, indices,
                                               cap, self.out()])

    def gen_agn_layer_count_params(self):
        ls, n = self.handles("layer", 3)
        self.emit("agn_layer_count_params", [ls, n, self.string(TAG_FILTERS) if self.chance(0.9) else ["null"], self.out()])

    def gen_agn_layer_set_all_param_values(self):
        layer = self.ref("layer")
        shapes = []
        if self.chance(0.7):
            st, w, _ = self.emit("agn_layer_info", [layer, ["out", "i32", 1], ["out", "i64", 8], ["out", "i64", 1]])
            for i in range(min(w[2][0], 6) if st == 0 else 0):
                s, _, j = self.emit("agn_layer_param", [layer, ["i", i], ["out", "i64", 1], ["out", "ptr", 1]], "shared")
                if s == 0:
                    shapes += self.shared_shapes([["h", j, 0]])
            if self.chance(0.1) and shapes:
                shapes = shapes[1:] if self.chance(0.5) else shapes + [[2]]
        else:
            shapes = [self.small_shape() for _ in range(self.r.randint(0, 3))]
        data, dtypes, ndims, dims, count = self.value_buffers(shapes)
        if count[1] != len(shapes):
            data, dtypes, ndims = ["null"], ["null"], ["null"]
        tags = ["str", "{}", 1] if self.chance(0.6) else self.string(TAG_FILTERS)
        self.emit("agn_layer_set_all_param_values", [["arr", "i64", 1, [layer]], ["i", 1], tags,
                                                     data, dtypes, ndims, dims, count])

    def gen_agn_layer_update(self):
        layer = self.ref("layer")
        if self.chance(0.3):
            layer = self.layer_of("BatchNormLayer", self.pick(['{}', '{"alpha": 0.5}', '{"axes": [0]}', '{"epsilon": -1}']), [[-1, 3]])
            x = self.constant(0, [2, 3])
            self.emit("agn_layer_output", [layer, ["arr", "i64", 1, [x]], ["i", 1],
                                           ["str", self.pick(['{}', '{"deterministic": false}', '{"batch_norm_update_averages": true}']), 1],
                                           ["out", "i64", 1]], "node")
        st, w, _ = self.emit("agn_layer_update", [layer, ["i", -1], ["out", "i64", 1], ["out", "i64", 1], ["out", "i64", 1], ["out", "i64", 1]])
        index = self.pick([0, 1, w[0][0] - 1 if st == 0 else 0, -1, -2, 2**63 - 1, -2**63, w[0][0] if st == 0 else 5])
        self.emit("agn_layer_update", [layer, ["i", index], self.out(), self.out(), self.out(), self.out()])

    def recurrence(self):
        """A Recurrence over a DenseLayer step, mostly valid (for agn_recurrence_step and agn_layer_outputs)."""
        prev = self.layer_of("InputLayer", '{"shape": [null, 3]}', [])
        new = self.layer_of("DenseLayer", '{"num_units": 3, "nonlinearity": "tanh"}', [[-1, 3]])
        self.emit("agn_layer_set_incoming", [new, ["arr", "i64", 1, [prev]], ["i", 1]])
        x = self.layer_of("InputLayer", '{"shape": [null, 3]}', [])
        seq = self.layer_of("InputLayer", '{"shape": [null, %d, 3]}' % self.pick([4, 0, 1]), [])
        attrs = self.pick(['{"state_variables": [[%d, %d]], "input_sequences": [[%d, %d]]}',
                           '{"state_variables": [[%d, %d]], "input_sequences": [[%d, %d]], "unroll_scan": false}',
                           '{"state_variables": [[%d, %d]], "input_sequences": [[%d, %d]], "n_steps": 9e15}',
                           '{"state_variables": [[%d, %d]], "input_sequences": [[%d, %d]], "state_init": {"list": [null]}}',
                           '{"state_variables": [[%d, %d], [%d, %d]]}'])
        rec = self.layer_of("Recurrence", attrs, [], [new, prev, x, seq])
        if self.runner.returned.get(rec[1]):
            self.pool["recurrence"].append(rec)
        if self.chance(0.5):
            self.emit("agn_layer_outputs", [rec, ["arr", "i64", 1, [self.constant(0, [2, 4, 3])]], ["i", 1], ["str", "{}", 1],
                                            ["out", "i64", 4], ["i", 4], ["out", "i64", 1]], "node")

    def gen_agn_host_install(self):
        if self.chance(0.1):
            self.emit("agn_host_install", [["null"]])
            return
        self.emit("agn_host_install", [["cb", self.pick(HOST_BEHAVIOURS)]])
        # A host layer and a host nonlinearity, so the callback is asked for something.
        key = self.pick([3, 7, 1, 2**40])
        layer = self.layer_of("CallbackLayer", self.pick([
            '{"host_key": %d, "output_shape": [null, 4]}', '{"host_key": %d, "output_count": 2, "output_shape": [null, 4]}',
            '{"host_key": %d}', '{"host_key": %d, "output_count": 9e15}', '{"host_key": %d, "output_count": -1}',
            '{"host_key": %d, "output_shape": [' + ",".join(["2"] * 9) + ']}']) % key, [[-1, 4]])
        x = self.constant(0, [2, 4])
        self.emit("agn_layer_outputs", [layer, ["arr", "i64", 1, [x]], ["i", 1], ["str", "{}", 1], ["out", "i64", 4], ["i", 4],
                                        ["out", "i64", 1]], "node")
        self.emit("agn_layer_get_output_shape", [["arr", "i64", 1, [layer]], ["i", 1], ["arr", "i64", 0, []], ["arr", "i64", 0, []],
                                                 ["arr", "i32", 0, []], ["i", 0], ["out", "i32", 1], ["out", "i64", 8]])
        dense = self.layer_of("DenseLayer", '{"num_units": 2}', [[-1, 4]])
        self.emit("agn_layer_set_nonlinearity", [dense, ["str", '{"host_key": %d, "label": "f"}' % key, 1]])
        self.emit("agn_layer_output", [dense, ["arr", "i64", 1, [x]], ["i", 1], ["str", "{}", 1], ["out", "i64", 1]], "node")

    # ----- initializers -----
    def gen_agn_init_seed(self):
        self.emit("agn_init_seed", [["i", self.pick(U64)]])

    def gen_agn_init_sample(self):
        ndim, dims, count = self.dims()
        if count is not None and count <= 4096 and self.chance(0.9):
            data, n = ["out", "f32", max(count, 1)], ["i", count]
        else:
            data, n = ["null"], ["i", self.pick([0, 1] + HUGE_COUNTS + ([count] if count is not None else []))]
        self.emit("agn_init_sample", [self.string(INIT_SPECS), ["i", ndim], dims, data, n])

    # ----- persistence -----
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

    # ----- update rules -----
    def update_outs(self, capacity):
        n = capacity if 0 <= capacity <= 64 else 1
        arrays = [["out", "i64", max(n, 1)] if self.chance(0.97) else ["null"] for _ in range(3)]
        return [["i", capacity]] + arrays + [self.out()]

    def gen_agn_updates_create(self):
        if self.chance(0.6):
            params = [self.parameter() for _ in range(self.r.randint(1, 2))]
            squares = [self.node_of("sum", [self.node_of("mul", [x, x])]) for _, x in params]
            loss = squares[0] if len(squares) == 1 else self.node_of("add", squares)
            use_grads = self.chance(0.3)
            grads = []
            if use_grads:
                _, _, g = self.emit("agn_grad", [loss, ["arr", "i64", len(params), [x for _, x in params]], ["i", len(params)],
                                                 ["arr", "i64", 0, []], ["i", 0], ["i", 0], ["out", "i64", len(params)]], "node")
                grads = [["h", g, k] for k in range(len(params))]
            kind = self.pick(UPDATE_KINDS[:8]) if self.chance(0.9) else self.pick(UPDATE_KINDS)
            attrs = UPDATE_VALID.get(kind, "{}") if self.chance(0.75) else self.pick(UPDATE_ATTRS)
            if self.chance(0.15) and '"learning_rate": ' in attrs:
                lr = self.pick([self.constant(0, []), self.constant(0, [2]), self.ref("node")])
                attrs = ["fmt", attrs.replace('"learning_rate": ', '"learning_rate": {"node": %d}, "x": ', 1), [lr]]
            else:
                attrs = ["str", attrs, 1]
            capacity = self.pick([3 * len(params) + 1] * 4 + [0, 1, -1, 2**40])
            st, w, i = self.emit("agn_updates_create", [["str", kind, 1], attrs, ["arr", "i64", len(params), [s for s, _ in params]],
                                                        ["i", len(params)], ["i", 0] if use_grads else loss,
                                                        ["arr", "i64", len(grads), grads], ["i", len(grads)]] + self.update_outs(capacity))
            if st == 0 and self.chance(0.8):
                self.run_updates(params, loss, w, i)
            return
        params, n = self.handles("shared", 3)
        grads, ng = self.handles("node", 3)
        loss = self.ref("node") if self.chance(0.5) else ["i", 0]
        capacity = self.pick([0, 1, 4, 10, -1, 2**63 - 1])
        self.emit("agn_updates_create", [self.string(UPDATE_KINDS), self.string(UPDATE_ATTRS), params, n, loss, grads, ng]
                  + self.update_outs(capacity))

    def run_updates(self, params, loss, written, index):
        """Compiles and runs a few training steps of updates made by agn_updates_create (the fused kernels)."""
        count = written[3][0]
        keys = written[0]
        # New optimizer state handles come back in the shared_out array: the runner lists out-array values in
        # order (key_index, shared, values, count), so shared i is entry capacity + i of the call's i64 outs.
        cap = len(written[0])
        targets = [params[keys[i]][0] if keys[i] >= 0 else ["h", index, cap + i] for i in range(count)]
        vals = [["h", index, 2 * cap + i] for i in range(count)]
        st, _, f = self.emit("agn_function_create", [["arr", "i64", 0, []], ["i", 0], ["arr", "i64", 1, [loss]], ["i", 1],
                                                     ["arr", "i64", count, targets], ["arr", "i64", count, vals], ["i", count],
                                                     ["i", self.pick([0, 1])], ["out", "i64", 1]], "function",
                             {"inputs": [], "n_out": 1})
        if st == 0:
            for _ in range(self.r.randint(1, 3)):
                self.emit("agn_function_call", [["h", f, 0], ["desc", [0, 1, ["addr", ["out", "f32", 1]], 0, 0]], ["i", 5]])

    def gen_agn_updates_apply(self):
        if self.chance(0.5):
            params = [self.parameter() for _ in range(self.r.randint(1, 2))]
            ups, vals = [s for s, _ in params], [self.node_of("mul", [x, self.constant(0, [])]) for _, x in params]
            k = len(ups)
        else:
            ups_arr, vals_arr, kk = self.pair_handles("shared", "node", 3)
            ups, vals, k = ups_arr[3] if ups_arr[0] == "arr" else None, vals_arr[3] if vals_arr[0] == "arr" else None, kk[1]
        if ups is None:
            us, vs = ["null"], ["null"]
        else:
            us, vs = ["arr", "i64", len(ups), ups], ["arr", "i64", len(vals), vals]
        roll = self.r.random()
        if roll < 0.3:
            pi, npi = ["null"], ["i", -1]
        elif roll < 0.9:
            m = self.r.randint(0, 2)
            pi, npi = ["arr", "i64", m, [self.pick([0, 0, 1, -1, k, 2**63 - 1]) for _ in range(m)]], ["i", m]
        else:
            pi, npi = ["null"], ["i", self.pick([1, -2] + HUGE_COUNTS)]
        capacity = self.pick([2 * max(k, 0) + 2, 4, 0, 1, -1])
        kind = ["str", self.pick(["apply_momentum", "apply_nesterov_momentum"]), 1] if self.chance(0.7) else \
            self.string(["apply_momentum", "apply_nesterov_momentum", "momentum", ""])
        attrs = ["str", '{"momentum": 0.9}', 1] if self.chance(0.7) else \
            self.string(['{"momentum": 0.9}', '{}', '{"momentum": "x"}', '{"momentum": {"node": 0}}', '['])
        self.emit("agn_updates_apply", [kind, attrs,
                                        us, vs, ["i", k], pi, npi] + self.update_outs(capacity))

    def gen_agn_total_norm_constraint(self):
        if self.chance(0.5):
            xs = [self.constant(0, self.small_shape()) for _ in range(self.r.randint(0, 3))]
            arr, n = ["arr", "i64", len(xs), xs], ["i", len(xs)]
        else:
            arr, n = self.handles("node", 3)
        m = n[1] if 0 <= n[1] <= 8 else 1
        scaled = ["out", "i64", max(m, 1)] if self.chance(0.95) else ["null"]
        self.emit("agn_total_norm_constraint", [arr, n, self.string(['{"max_norm": 1, "epsilon": 1e-7}', '{"max_norm": 0, "epsilon": 0}',
                                                                     '{"max_norm": NaN, "epsilon": 1}', '{"max_norm": 1}', '{}', '[]',
                                                                     '{"max_norm": -1e308, "epsilon": 1e308}']),
                                                scaled, self.out()], "node")

    # ----- envstep helper: environments in compiled functions (agn_env_node_create) -----
    def gen_agn_env_node_create(self):
        h, info = self.env()
        if self.chance(0.4):
            # The current observations: no inputs, one output.
            inputs, n = (["null"], ["i", 0]) if self.chance(0.8) else self.handles("node", 2)
            self.emit("agn_env_node_create", [h, ["str", "observations", 1], self.string(['{}', '', '{"x": 1}', '[1]']),
                                              inputs, n, ["out", "i64", 1], ["i", self.pick([1, 1, 1, 0, 5, -1])]], "node")
            return
        # A step: {actions, after} from live nodes (often an env observation node), or junk counts and kinds.
        inputs, n = self.handles("node", 3)
        kind = ["str", "step", 1] if self.chance(0.8) else self.string(["step", "observations", "reset", ""])
        self.emit("agn_env_node_create", [h, kind, ["str", "{}", 1] if self.chance(0.8) else self.attributes(), inputs, n,
                                          ["out", "i64", 5], ["i", self.pick([5, 5, 5, 1, 0, -1] + HUGE_COUNTS)]], "node")
    # ----- end envstep helper -----

    # ----- agentpy block: agents and graph/replay environments (agn_agent_*, agn_mdp_env_*) -----
    AGENT_METHODS = ["get_sessions", "get_agent_reaction", "zeros_like_memory", "", "nope"]
    MDP_ENV_KINDS = ["BooleanReasoningEnvironment", "SessionPoolEnvironment", "SessionBatchEnvironment", "HostEnvironment",
                     "", "CartPole-v1"]
    MDP_ENV_METHODS = ["describe", "get_action_results", "generate_new_data_batch", "set_data_batch", "get_reward_sequences",
                       "get_whether_alive", "joint_data", "load_sessions", "append_sessions", "get_session_updates",
                       "select_session_batch", "sample_session_batch", "pool_size", "values", "sequences", "", "nope"]
    SESSION_LENGTHS = ["1", "2", "3", "3", "0", "-1", "100001", "9e15", "1.5", "\"x\"", "null"]

    def agentpy_pools(self):
        for k in ("agent", "mdp_env"):
            self.pool.setdefault(k, [])

    def agentpy_agent(self):
        """An MDPAgent over valid layers (obs [None, 8], a dense memory [None, 3], Q [None, 6], greedy actions)."""
        obs = self.layer_of("InputLayer", '{"shape": [null, 8]}', [])
        prev = self.layer_of("InputLayer", '{"shape": [null, 3]}', [])
        new = self.layer_of("DenseLayer", '{"num_units": 3, "nonlinearity": "tanh"}', [[-1, 3]])
        self.emit("agn_layer_set_incoming", [new, ["arr", "i64", 1, [prev]], ["i", 1]])
        q = self.layer_of("DenseLayer", '{"num_units": 6, "nonlinearity": "linear"}', [[-1, 8]])
        self.emit("agn_layer_set_incoming", [q, ["arr", "i64", 1, [obs]], ["i", 1]])
        act = self.layer_of("BaseResolver", '{}', [[-1, 6]])
        self.emit("agn_layer_set_incoming", [act, ["arr", "i64", 1, [q]], ["i", 1]])
        template = self.pick(['{"observation_layers": [%d], "agent_states": [[%d, %d]], "policy_estimators": [%d], "action_layers": [%d]}'] * 4 +
                             ['{"observation_layers": [%d], "agent_states": [[%d, %d, %d]], "action_layers": [%d]}',
                              '{"observation_layers": [%d, %d], "agent_states": [[%d, %d]], "policy_estimators": %d}',
                              '{"observation_layers": [%d], "agent_states": [[%d, %d]], "action_layers": [%d], "extra": %d}'])
        self.emit("agn_agent_create", [["fmt", template, [obs, new, prev, q, act]], self.out()], "agent")

    def agentpy_env(self):
        """A graph or replay environment made by a mostly valid call."""
        roll = self.r.random()
        if roll < 0.35:
            attrs = self.pick(['{"seed": 1, "batch_size": 3}', '{}', '{"batch_size": 0}', '{"seed": -1}', '{"batch_size": 9e15}'])
            self.emit("agn_mdp_env_create", [["str", "BooleanReasoningEnvironment", 1], ["str", attrs, 1], ["null"], ["i", 0], self.out()], "mdp_env")
        elif roll < 0.65:
            attrs = self.pick(['{"observations": [{"shape": [8]}], "actions": [{"shape": [], "dtype": "int32"}], "agent_memories": [{"shape": [3]}]}',
                               '{"observations": [{"shape": [null]}], "actions": [{"shape": []}], "rng_seed": 5}',
                               '{"observations": [{"shape": [8, 8, 8, 8, 8, 8, 8]}]}', '{"observations": [{"dtype": "int32"}]}',
                               '{"observations": 1}', '{"rng_seed": -3}'])
            self.emit("agn_mdp_env_create", [["str", "SessionPoolEnvironment", 1], ["str", attrs, 1], ["null"], ["i", 0], self.out()], "mdp_env")
        elif roll < 0.85:
            o, a = self.constant(0, [2, self.pick([3, 3, 0, 1]), 8]), self.constant(1, [2, 3])
            attrs = self.pick(['{"inputs": ["observation", "action"], "single_observation_shapes": [[8]]}',
                               '{"inputs": ["observation", "rewards"], "single_observation_shapes": [[8]]}',
                               '{"inputs": ["observation"], "single_observation_shapes": [[8]]}',
                               '{"inputs": ["observation", "action"], "single_observation_shapes": [[7]], "single_action_shapes": "all_scalar"}',
                               '{"inputs": ["action", "observation"], "single_observation_shapes": []}', '{"inputs": [1, 2]}'])
            self.emit("agn_mdp_env_create", [["str", "SessionBatchEnvironment", 1], ["str", attrs, 1], ["arr", "i64", 2, [o, a]], ["i", 2],
                                             self.out()], "mdp_env")
        else:
            attrs = self.pick(['{"host_key": 1, "label": "Py", "state_shapes": [[1]], "observation_shapes": [[8]], "action_shapes": [[]]}',
                               '{"host_key": 0, "state_shapes": [[1]], "observation_shapes": [[8]], "action_shapes": [[]]}',
                               '{"host_key": 2, "state_shapes": [[-1]], "observation_shapes": [[8]], "action_shapes": [[]]}',
                               '{"host_key": 3, "state_shapes": [[1]], "observation_shapes": [[8]], "action_shapes": [[]], "state_dtypes": ["int64"]}'])
            self.emit("agn_mdp_env_create", [["str", "HostEnvironment", 1], ["str", attrs, 1], ["null"], ["i", 0], self.out()], "mdp_env")

    def agentpy_outs(self):
        cap = self.pick([16, 16, 16, 0, 1, 3, -1, 2**40])
        outs = ["out", "i64", max(min(cap, 16), 1)] if cap <= 16 else (["null"] if self.chance(0.5) else ["out", "i64", 16])
        return [outs, ["i", cap], self.out(), self.out("ptr")]

    def agentpy_keep(self, result, kind):
        """Pools the handles a successful method call wrote (the first n_out entries of outs)."""
        status, written, index = result
        if status == 0 and len(written) >= 2 and written[1]:
            for k in range(min(written[1][0], len(written[0]))):
                self.pool[kind].append(["h", index, k])
        return result

    def gen_agn_agent_create(self):
        self.agentpy_pools()
        if self.chance(0.7):
            self.agentpy_agent()
            return
        layers = [self.ref("layer") for _ in range(4)]
        attrs = ["fmt", '{"observation_layers": [%d], "agent_states": [[%d, %d]], "action_layers": [%d]}', layers] \
            if all(h[0] == "h" for h in layers) else self.attributes()
        self.emit("agn_agent_create", [attrs if self.chance(0.8) else self.string(['{}', '[]', '{"observation_layers": 1}']),
                                       self.out()], "agent")

    def agentpy_valid_sessions(self):
        """A valid get_sessions call (active on BooleanReasoning, or replay of a loaded pool), then its sequences
        compiled into a function and run."""
        self.agentpy_agent()
        if not self.pool["agent"]:
            return
        agent = self.pool["agent"][-1]
        replay = self.chance(0.5)
        if replay:
            _, _, e = self.emit("agn_mdp_env_create", [["str", "SessionPoolEnvironment", 1], ["str",
                                '{"observations": [{"shape": [8]}], "actions": [{"shape": []}], "agent_memories": [{"shape": [3]}]}', 1],
                                ["null"], ["i", 0], ["out", "i64", 1]], "mdp_env")
            n = self.pick([2, 2, 1])
            sessions = [self.constant(0, [n, 3, 8]), self.constant(1, [n, 3]), self.constant(0, [n, 3]), self.constant(0, [n, 3])]
            self.emit("agn_mdp_env_call", [["h", e, 0], ["str", "load_sessions", 1],
                                           ["str", '{"inputs": ["observation", "action", "rewards", "prev_memory"]}', 1],
                                           ["arr", "i64", 4, sessions], ["i", 4], ["out", "i64", 1], ["i", 0], ["out", "i64", 1], ["out", "ptr", 1]])
            if self.chance(0.5):
                st, _, b = self.emit("agn_mdp_env_call", [["h", e, 0], ["str", "sample_session_batch", 1], ["str", '{"max_n_samples": 3}', 1],
                                                          ["null"], ["i", 0], ["out", "i64", 1], ["i", 1], ["out", "i64", 1], ["out", "ptr", 1]])
                if st == 0:
                    e = b
        else:
            _, _, e = self.emit("agn_mdp_env_create", [["str", "BooleanReasoningEnvironment", 1], ["str", '{"seed": 3, "batch_size": 2}', 1],
                                                       ["null"], ["i", 0], ["out", "i64", 1]], "mdp_env")
        attrs = '{"environment": %d, "session_length": 3, "experience_replay": ' + ("true" if replay else "false") + \
            self.pick(['', ', "options": {"deterministic": true}', ', "initial_hidden": {"list": [null]}']) + '}'
        st, w, i = self.emit("agn_agent_call", [agent, ["str", "get_sessions", 1], ["fmt", attrs, [["h", e, 0]]], ["null"], ["i", 0],
                                                ["out", "i64", 16], ["i", 16], ["out", "i64", 1], ["out", "ptr", 1]])
        if st != 0:
            return
        outs = [["h", i, k] for k in range(w[1][0])]
        self.pool["node"].extend(outs)
        _, _, f = self.emit("agn_function_create", [["arr", "i64", 0, []], ["i", 0], ["arr", "i64", len(outs), outs], ["i", len(outs)],
                                                    ["arr", "i64", 0, []], ["arr", "i64", 0, []], ["i", 0], ["i", 1], ["out", "i64", 1]],
                            "function", {"inputs": [], "n_out": len(outs)})
        desc, length = self._descriptor(["h", f, 0], True)
        self.emit("agn_function_call", [["h", f, 0], desc, length])

    def gen_agn_agent_call(self):
        self.agentpy_pools()
        if self.chance(0.3):
            self.agentpy_valid_sessions()
            return
        if not self.pool["agent"] or self.chance(0.2):
            self.agentpy_agent()
        if not self.pool["mdp_env"] or self.chance(0.2):
            self.agentpy_env()
        agent = self.ref("agent")
        method = self.pick(self.AGENT_METHODS[:3] * 3 + self.AGENT_METHODS)
        inputs, n = ["null"], ["i", 0]
        if method == "get_sessions":
            env = self.ref(self.pick(["mdp_env", "mdp_env", "mdp_env", "env", "layer"]))
            length = self.pick(self.SESSION_LENGTHS)
            extra = self.pick(['', ', "experience_replay": true', ', "batch_size": 2', ', "batch_size": -2',
                               ', "initial_hidden": {"list": [null]}', ', "initial_hidden": [[1, 2, 3]]', ', "initial_observations": 7',
                               ', "options": {"deterministic": true}', ', "options": [1]', ', "nope": 1', ', "batch_size_var": 0'])
            attrs = ["fmt", '{"environment": %d, "session_length": ' + length + extra + '}', [env]] if env[0] == "h" \
                else ["str", '{"environment": 12345678, "session_length": 2}', 1]
        elif method == "get_agent_reaction":
            hs = [self.constant(0, self.pick([[2, 3], [2, 8], [3]])), self.constant(0, self.pick([[2, 8], [2, 3], []]))]
            k = self.pick([2, 2, 1, 0])
            inputs, n = ["arr", "i64", max(k, 1), hs[:k] or [["i", 0]]], ["i", k]
            attrs = ["str", self.pick(['{}', '{"options": {"deterministic": true}}', '{"options": 3}']), 1]
        elif method == "zeros_like_memory":
            attrs = ["str", self.pick(['{"batch_size": 2}', '{}', '{"batch_size": 0}', '{"batch_size": 9e15}', '{"batch_size": "2"}']), 1]
        else:
            attrs = self.attributes()
            inputs, n = self.handles("node", 2)
        self.agentpy_keep(self.emit("agn_agent_call", [agent, self.string([method]) if self.chance(0.1) else ["str", method, 1], attrs,
                                                       inputs, n] + self.agentpy_outs()), "shared" if method == "zeros_like_memory" else "node")

    def gen_agn_mdp_env_create(self):
        self.agentpy_pools()
        if self.chance(0.75):
            self.agentpy_env()
            return
        inputs, n = self.handles("node", 3)
        self.emit("agn_mdp_env_create", [self.string(self.MDP_ENV_KINDS), self.attributes(), inputs, n, self.out()], "mdp_env")

    def gen_agn_mdp_env_call(self):
        self.agentpy_pools()
        if not self.pool["mdp_env"] or self.chance(0.2):
            self.agentpy_env()
        env = self.ref(self.pick(["mdp_env"] * 5 + ["env", "agent", "node"]))
        method = self.pick(self.MDP_ENV_METHODS)
        names = self.pick(['["observation", "action", "rewards"]', '["observation", "action", "rewards", "is_alive"]',
                           '["observation", "action", "rewards", "prev_memory"]', '["rewards"]', '["observation", "x", "rewards"]',
                           '["observation", "action", "rewards", "rewards"]'])
        sessions = [self.constant(0, self.pick([[2, 3, 8], [2, 3, 8], [2, 3, 7], [2, 3]])),
                    self.constant(1, self.pick([[2, 3], [2, 3], [2, 4]])), self.constant(0, self.pick([[2, 3], [2, 3], [3]])),
                    self.constant(self.pick([0, 2]), self.pick([[2, 3], [2, 3]]))]
        k = len(json.loads(names))
        default = (["arr", "i64", k, sessions[:k] + [self.constant(0, [2, 3])] * max(0, k - 4)], ["i", k])
        attrs_by_method = {
            "get_action_results": ['{}', '{"options": {"deterministic": true}}'],
            "generate_new_data_batch": ['{"batch_size": 4}', '{"batch_size": 0}', '{"batch_size": 9e15}', '{}'],
            "load_sessions": ['{"inputs": %s}' % names], "append_sessions": ['{"inputs": %s, "max_pool_size": 3}' % names,
                                                                              '{"inputs": %s, "max_pool_size": 0}' % names],
            "get_session_updates": ['{"inputs": %s, "append": true, "max_pool_size": 2}' % names, '{"inputs": %s}' % names],
            "sample_session_batch": ['{"max_n_samples": 2}', '{"max_n_samples": 2, "replace": true}', '{"max_n_samples": 0}',
                                     '{"max_n_samples": 9e15}', '{}'],
        }
        attrs = ["str", self.pick(attrs_by_method.get(method, ['{}'])), 1] if self.chance(0.85) else self.attributes()
        if method in ("load_sessions", "append_sessions", "get_session_updates"):
            inputs, n = default
        elif method in ("get_action_results", "get_reward_sequences"):
            xs = [self.constant(0, self.pick([[2, 6], [2, 3, 6], [2, 1]])), self.constant(1, self.pick([[2], [2, 3], []]))]
            inputs, n = ["arr", "i64", 2, xs], ["i", 2]
        elif method in ("set_data_batch",):
            xs = [self.constant(0, self.pick([[2, 3], [0, 3], [2, 4]])), self.constant(0, self.pick([[2, 2], [3, 2]]))]
            inputs, n = ["arr", "i64", 2, xs], ["i", 2]
        elif method in ("get_whether_alive", "select_session_batch"):
            x = self.constant(self.pick([0, 1]), self.pick([[2, 3, 8], [2], [1], [2, 3]]))
            inputs, n = ["arr", "i64", 1, [x]], ["i", 1]
        elif self.chance(0.3):
            inputs, n = self.handles("node", 2)
        else:
            inputs, n = ["null"], ["i", 0]
        status, _, index = self.agentpy_keep(self.emit("agn_mdp_env_call", [env, ["str", method, 1], attrs, inputs, n] + self.agentpy_outs()),
                                             "mdp_env" if method in ("select_session_batch", "sample_session_batch")
                                             else "shared" if method in ("joint_data", "values") else "node")
        if status == 0 and method == "get_session_updates" and self.chance(0.5):
            self.emit("agn_function_create", [["arr", "i64", 0, []], ["i", 0], ["arr", "i64", 0, []], ["i", 0], ["arr", "i64", 0, []],
                                              ["arr", "i64", 0, []], ["i", 0], ["i", 0], ["out", "i64", 1]], "function",
                      {"inputs": [], "n_out": 0})
    # ----- end agentpy block -----
    # ----- native sessions block: agents on native envs (agn_native_environment_create,
    # agn_function_call_repeat) -----
    def gen_agn_function_call_repeat(self):
        fn = self.ref("function")
        desc, length = self._descriptor(fn, True)
        times = self.pick([1, 2, 3, 3, 0, -1, -2**63, 2**31, 2**40])
        self.emit("agn_function_call_repeat", [fn, ["i", times], desc, length])

    def gen_agn_native_environment_create(self):
        h, info = self.env()
        st, _, i = self.emit("agn_native_environment_create", [h, self.out()])
        if st == 0:
            self.__dict__.setdefault("natives", []).append((["h", i, 0], info))

    # ----- end native sessions block -----
    # ----- clone block: clone_network, reapply (the ReapplyLayer kind), TargetNetwork -----
    def dense_chain(self):
        """InputLayer -> DenseLayer -> DenseLayer made by valid calls: (input, hidden, output) refs."""
        inp = self.layer_of("InputLayer", '{"shape": [null, 3]}', [])
        hid = self.layer_of("DenseLayer", '{"num_units": 4}', [[-1, 3]])
        self.emit("agn_layer_set_incoming", [hid, ["arr", "i64", 1, [inp]], ["i", 1]])
        out = self.layer_of("DenseLayer", '{"num_units": 2, "nonlinearity": "tanh"}', [[-1, 4]])
        self.emit("agn_layer_set_incoming", [out, ["arr", "i64", 1, [hid]], ["i", 1]])
        return inp, hid, out

    def clone_refs(self, kind):
        """The pool of clone records or target networks (both pools are made on first use)."""
        self.pool.setdefault("clone", [])
        self.pool.setdefault("target", [])
        return self.pool[kind]

    def gen_agn_clone_network(self):
        self.clone_refs("clone")
        if self.chance(0.6):
            inp, hid, out = self.dense_chain()
            outputs, n = ["arr", "i64", 1, [out]], ["i", 1]
            bottom = self.pick([[], [hid], [inp], [self.parameter([3, 4])[0]], [self.constant(0, [2])]])
            bottom_arr, nb = ["arr", "i64", len(bottom), bottom], ["i", len(bottom)]
            if self.chance(0.4):
                alt = self.layer_of("DenseLayer", self.pick(['{"num_units": 4}', '{"num_units": 5}']), [[-1, 3]])
                self.emit("agn_layer_set_incoming", [alt, ["arr", "i64", 1, [inp]], ["i", 1]])
                pair = self.pick([(hid, alt), (hid, self.parameter([2])[0]), (self.parameter([3, 4])[0], self.parameter([3, 4])[0]),
                                  (self.parameter([3, 4])[0], self.parameter([1])[0])])
                olds, news, ns = ["arr", "i64", 1, [pair[0]]], ["arr", "i64", 1, [pair[1]]], ["i", 1]
            else:
                olds, news, ns = ["arr", "i64", 0, []], ["arr", "i64", 0, []], ["i", 0]
        else:
            outputs, n = self.handles("layer", 3)
            bottom_arr, nb = self.handles(self.pick(["layer", "shared", "node"]), 2)
            olds, news, ns = self.pair_handles("layer", self.pick(["layer", "shared"]), 2)
        if self.chance(0.15):
            self.gen_reapply_layer()
        prefix = ["null"] if self.chance(0.3) else self.string(["t.", "", "\xff", "a" * 300])
        self.emit("agn_clone_network", [outputs, n, bottom_arr, nb, olds, news, ns, ["i", self.any_int("i32")],
                                        ["i", self.any_int("i32")], prefix, self.out()], "clone")

    def gen_agn_clone_layers(self):
        refs = self.clone_refs("clone")
        if not refs or self.chance(0.2):
            self.gen_agn_clone_network()
        record = self.ref("clone")
        keys, cap = self.sized_out("i64", 6)
        layers = ["out", "i64", keys[2]] if keys[0] == "out" and self.chance(0.95) else ["null"]
        n_out = self.out()
        status, written, index = self.emit("agn_clone_layers", [record, keys, layers, cap, n_out])
        if status == 0 and keys[0] == layers[0] == n_out[0] == "out" and 0 <= cap[1] <= keys[2]:
            made = written[2][0]
            if made <= cap[1]:  # the new handles follow the keys among the returned values
                self.pool["layer"] += [["h", index, keys[2] + k] for k in range(made)]

    def gen_agn_clone_outputs(self):
        if not self.clone_refs("clone") or self.chance(0.2):
            self.gen_agn_clone_network()
        keys, cap = self.sized_out("i64", 4)
        self.emit("agn_clone_outputs", [self.ref("clone"), keys, cap, self.out()])

    def gen_agn_layer_set_host_key(self):
        self.emit("agn_layer_set_host_key", [self.ref("layer"), ["i", self.pick([0, 1, 7, -1, 2**63 - 1, -2**63])]])

    def gen_agn_target_network_create(self):
        self.clone_refs("target")
        if self.chance(0.6):
            inp, hid, out = self.dense_chain()
            st, _, rec = self.emit("agn_clone_network", [["arr", "i64", 1, [out]], ["i", 1], ["arr", "i64", 0, []], ["i", 0],
                                                         ["arr", "i64", 0, []], ["arr", "i64", 0, []], ["i", 0], ["i", 0], ["i", 1],
                                                         ["str", "t.", 1], ["out", "i64", 1]], "clone")
            st, w, index = self.emit("agn_clone_layers", [["h", rec, 0], ["out", "i64", 4], ["out", "i64", 4], ["i", 4], ["out", "i64", 1]])
            made = w[2][0] if st == 0 else 0
            clone = ["h", index, 4 + made - 1] if made else self.ref("layer")
            original = self.pick([out, out, hid, inp])
            self.emit("agn_target_network_create", [["arr", "i64", 1, [original]], ["i", 1], ["arr", "i64", 1, [clone]], ["i", 1],
                                                    self.out()], "target")
            return
        a, n = self.handles("layer", 2)
        b, m = self.handles("layer", 2)
        self.emit("agn_target_network_create", [a, n, b, m, self.out()], "target")

    def target_ref(self):
        if not self.clone_refs("target") or self.chance(0.2):
            self.gen_agn_target_network_create()
        return self.ref("target")

    def gen_agn_target_network_load_weights(self):
        self.emit("agn_target_network_load_weights", [self.target_ref(), ["f", self.pick(F64 + [0.25, 0.01, 1.0, 1.0])]])

    def gen_agn_target_network_pairs(self):
        target = self.target_ref()
        co, cap = self.sized_out("i64", 6)
        bufs = [["out", "i64", co[2]] if co[0] == "out" and self.chance(0.95) else ["null"] for _ in range(3)]
        self.emit("agn_target_network_pairs", [target, co] + bufs + [cap, self.out()])

    def gen_agn_target_network_updates(self):
        target = self.target_ref()
        alpha = self.pick([["i", 0], ["i", 0], self.constant(0, []), self.constant(0, [2]), self.constant(1, []), self.ref("node")])
        exprs, cap = self.sized_out("i64", 6)
        self.emit("agn_target_network_updates", [target, alpha, exprs, cap, self.out()], "node")

    def gen_reapply_layer(self):
        """A ReapplyLayer by agn_layer_create (valid and broken attributes); not a C function of its own."""
        inp, hid, out = self.dense_chain()
        other = self.layer_of("InputLayer", '{"shape": [null, 3]}', [])
        attrs = self.pick(['{"layers": [%d], "replacements": [[%d, %d]]}', '{"layers": [%d], "replacements": [[%d, %d, 1]]}',
                           '{"layers": %d, "replacements": [[%d, %d]]}', '{"layers": [%d, %d, %d], "replacements": []}',
                           '{"layers": [%d], "replacements": [[%d, %d]], "name": "r"}', '{"layers": [%d], "replacements": [[%d, %d.5]]}'])
        layer = self.layer_of("ReapplyLayer", attrs, [], [out, inp, other])
        self.emit("agn_layer_outputs", [layer, ["arr", "i64", 1, [self.constant(0, [2, 3])]], ["i", 1], ["str", "{}", 1],
                                        ["out", "i64", 4], ["i", 4], ["out", "i64", 1]], "node")
    # ----- end clone block -----


def main():
    """``python fuzz_abi_gen.py SEED CALLS``: makes CALLS calls from SEED, printing each spec before it runs."""
    import json
    seed, calls = int(sys.argv[1]), int(sys.argv[2])
    g = Generator(seed)

    def before(index, spec):
        sys.stdout.write(json.dumps(spec) + "\n")
        sys.stdout.flush()
    g.before = before
    while g.index < calls:
        g.step()
    sys.stdout.write("DONE " + json.dumps(g.counts) + "\n")


if __name__ == "__main__":
    main()
