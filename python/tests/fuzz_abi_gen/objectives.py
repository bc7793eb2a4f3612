"""Learning objectives (agn_learning_objective): valid inputs of batch 2, 3 ticks, 2 actions, or bent ones.
"""
import json

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


class ObjectiveCalls:
    """The generator for agn_learning_objective."""

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
