"""Agents and graph/replay environments (agn_agent_*, agn_mdp_env_*): MDPAgents over valid layers, sessions
unrolled on BooleanReasoning or replayed from a loaded pool and run, and method calls with bent attributes.
"""
import json

AGENT_METHODS = ["get_sessions", "get_agent_reaction", "zeros_like_memory", "", "nope"]
MDP_ENV_KINDS = ["BooleanReasoningEnvironment", "SessionPoolEnvironment", "SessionBatchEnvironment", "HostEnvironment",
                 "", "CartPole-v1"]
MDP_ENV_METHODS = ["describe", "get_action_results", "generate_new_data_batch", "set_data_batch", "get_reward_sequences",
                   "get_whether_alive", "joint_data", "load_sessions", "append_sessions", "get_session_updates",
                   "select_session_batch", "sample_session_batch", "pool_size", "values", "sequences", "", "nope"]
SESSION_LENGTHS = ["1", "2", "3", "3", "0", "-1", "100001", "9e15", "1.5", "\"x\"", "null"]


class AgentCalls:
    """Generators for agn_agent_create/call and agn_mdp_env_create/call. Their pools ("agent", "mdp_env")
    are made on first use."""

    def agent_pools(self):
        for k in ("agent", "mdp_env"):
            self.pool.setdefault(k, [])

    def valid_agent(self):
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

    def valid_mdp_env(self):
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

    def method_outs(self):
        """The trailing args of agn_agent_call and agn_mdp_env_call: outs, out_cap (true, small or huge), n_out, reply."""
        cap = self.pick([16, 16, 16, 0, 1, 3, -1, 2**40])
        outs = ["out", "i64", max(min(cap, 16), 1)] if cap <= 16 else (["null"] if self.chance(0.5) else ["out", "i64", 16])
        return [outs, ["i", cap], self.out(), self.out("ptr")]

    def keep_outputs(self, result, kind):
        """Pools the handles a successful method call wrote (the first n_out entries of outs)."""
        status, written, index = result
        if status == 0 and len(written) >= 2 and written[1]:
            for k in range(min(written[1][0], len(written[0]))):
                self.pool[kind].append(["h", index, k])
        return result

    def gen_agn_agent_create(self):
        self.agent_pools()
        if self.chance(0.7):
            self.valid_agent()
            return
        layers = [self.ref("layer") for _ in range(4)]
        attrs = ["fmt", '{"observation_layers": [%d], "agent_states": [[%d, %d]], "action_layers": [%d]}', layers] \
            if all(h[0] == "h" for h in layers) else self.attributes()
        self.emit("agn_agent_create", [attrs if self.chance(0.8) else self.string(['{}', '[]', '{"observation_layers": 1}']),
                                       self.out()], "agent")

    def valid_sessions(self):
        """A valid get_sessions call (active on BooleanReasoning, or replay of a loaded pool), then its sequences
        compiled into a function and run."""
        self.valid_agent()
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
        self.agent_pools()
        if self.chance(0.3):
            self.valid_sessions()
            return
        if not self.pool["agent"] or self.chance(0.2):
            self.valid_agent()
        if not self.pool["mdp_env"] or self.chance(0.2):
            self.valid_mdp_env()
        agent = self.ref("agent")
        method = self.pick(AGENT_METHODS[:3] * 3 + AGENT_METHODS)
        inputs, n = ["null"], ["i", 0]
        if method == "get_sessions":
            env = self.ref(self.pick(["mdp_env", "mdp_env", "mdp_env", "env", "layer"]))
            length = self.pick(SESSION_LENGTHS)
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
        self.keep_outputs(self.emit("agn_agent_call", [agent, self.string([method]) if self.chance(0.1) else ["str", method, 1], attrs,
                                                       inputs, n] + self.method_outs()), "shared" if method == "zeros_like_memory" else "node")

    def gen_agn_mdp_env_create(self):
        self.agent_pools()
        if self.chance(0.75):
            self.valid_mdp_env()
            return
        inputs, n = self.handles("node", 3)
        self.emit("agn_mdp_env_create", [self.string(MDP_ENV_KINDS), self.attributes(), inputs, n, self.out()], "mdp_env")

    def gen_agn_mdp_env_call(self):
        self.agent_pools()
        if not self.pool["mdp_env"] or self.chance(0.2):
            self.valid_mdp_env()
        env = self.ref(self.pick(["mdp_env"] * 5 + ["env", "agent", "node"]))
        method = self.pick(MDP_ENV_METHODS)
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
        status, _, index = self.keep_outputs(self.emit("agn_mdp_env_call", [env, ["str", method, 1], attrs, inputs, n] + self.method_outs()),
                                             "mdp_env" if method in ("select_session_batch", "sample_session_batch")
                                             else "shared" if method in ("joint_data", "values") else "node")
        if status == 0 and method == "get_session_updates" and self.chance(0.5):
            self.emit("agn_function_create", [["arr", "i64", 0, []], ["i", 0], ["arr", "i64", 0, []], ["i", 0], ["arr", "i64", 0, []],
                                              ["arr", "i64", 0, []], ["i", 0], ["i", 0], ["out", "i64", 1]], "function",
                      {"inputs": [], "n_out": 0})
