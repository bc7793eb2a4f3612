"""Recurrences: a Recurrence over a DenseLayer step, unrolled by agn_layer_outputs and stepped by
agn_recurrence_step.
"""
from .values import HUGE_COUNTS


class RecurrenceCalls:
    """Generators for agn_recurrence_step and the Recurrence layers it steps."""

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
