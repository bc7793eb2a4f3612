"""Expression graphs: inputs, constants, op and random nodes, shared values and gradients (agn_input_create ...
agn_grad).
"""
from .values import HUGE_COUNTS, U64

OP_KINDS = ["add", "sub", "mul", "div", "pow", "maximum", "minimum", "mod", "floordiv", "eq", "neq", "lt", "le", "gt",
            "ge", "and", "or", "xor", "neg", "abs", "sign", "square", "relu", "invert", "exp", "log", "log1p", "sqrt",
            "tanh", "sigmoid", "softplus", "elu", "sin", "cos", "floor", "ceil", "round", "reciprocal", "sum", "mean",
            "max", "min", "prod", "ema", "ema_square", "adam_step", "where", "cast", "clip", "var", "std", "argmax",
            "argmin", "dot", "batched_dot", "reshape", "dimshuffle", "transpose", "flatten", "concatenate", "stack",
            "repeat", "tile", "getitem", "advanced_index", "one_hot", "cumsum", "arange", "alloc", "zeros_like",
            "ones_like", "shape", "softmax", "log_softmax", "logsumexp", "stop_gradient", "grad_clip", "broadcast_to",
            "conv2d", "conv1d", "pool2d", "random_uniform", "nonsense", ""]
RANDOM_KINDS = ["random_uniform", "random_normal", "random_binomial", "random_choice", "random_multinomial", "add"]


class GraphCalls:
    """Generators for the graph-building functions; mostly valid ops over live nodes, else junk kinds and arrays."""

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
