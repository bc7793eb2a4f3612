"""Update rules: optimizers over real parameters and losses, compiled and run for a few steps (the fused
kernels), momentum applied to given updates, and the total norm constraint.
"""
from .values import HUGE_COUNTS

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


class UpdateCalls:
    """Generators for agn_updates_create, agn_updates_apply and agn_total_norm_constraint."""

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
