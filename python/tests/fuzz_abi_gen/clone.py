"""Cloning: clone_network over a dense chain (with bottom layers and replacements), its clone records, the
ReapplyLayer kind and target networks.
"""
from .values import F64


class CloneCalls:
    """Generators for agn_clone_*, agn_target_network_* and ReapplyLayer. Their pools ("clone", "target") are
    made on first use."""

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
            self.reapply_layer()
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

    def reapply_layer(self):
        """A ReapplyLayer by agn_layer_create (valid and broken attributes); not a C function of its own."""
        inp, hid, out = self.dense_chain()
        other = self.layer_of("InputLayer", '{"shape": [null, 3]}', [])
        attrs = self.pick(['{"layers": [%d], "replacements": [[%d, %d]]}', '{"layers": [%d], "replacements": [[%d, %d, 1]]}',
                           '{"layers": %d, "replacements": [[%d, %d]]}', '{"layers": [%d, %d, %d], "replacements": []}',
                           '{"layers": [%d], "replacements": [[%d, %d]], "name": "r"}', '{"layers": [%d], "replacements": [[%d, %d.5]]}'])
        layer = self.layer_of("ReapplyLayer", attrs, [], [out, inp, other])
        self.emit("agn_layer_outputs", [layer, ["arr", "i64", 1, [self.constant(0, [2, 3])]], ["i", 1], ["str", "{}", 1],
                                        ["out", "i64", 4], ["i", 4], ["out", "i64", 1]], "node")
