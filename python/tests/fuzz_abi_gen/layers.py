"""Layers and the layer graph: creating layers, their outputs and parameters, graph helpers (get_output,
get_all_params, set_all_param_values, ...), host callbacks and host keys.
"""
from fuzz_abi_calls import HOST_BEHAVIOURS

from .values import HUGE_COUNTS

LAYER_KINDS = ["InputLayer", "DenseLayer", "NonlinearityLayer", "Conv2DLayer", "Recurrence", "CallbackLayer", "DictLayer",
               "ElementLayer", "BatchNormLayer", "", "nonsense"]
TAGS_JSON = ['["trainable"]', '[]', '["regularizable", "trainable"]', '["x", "x"]', '{}', '[1]', '[null]', '"trainable"']
TAG_FILTERS = ['{"trainable": true}', '{}', '{"regularizable": false, "trainable": true}', '{"trainable": 1}', '[]',
               '{"nonsense": true}', '{"trainable": null}']


class LayerCalls:
    """Generators for the agn_layer_* functions and agn_host_install."""

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

    def gen_agn_layer_set_host_key(self):
        self.emit("agn_layer_set_host_key", [self.ref("layer"), ["i", self.pick([0, 1, 7, -1, 2**63 - 1, -2**63])]])
