"""Native environments: creating, describing, seeding, resetting, stepping and rendering them, their state and
random streams, environment nodes in compiled functions and native agent environments.
"""
from .values import F64, HUGE_COUNTS, U64

ENV_IDS = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1",
           "BooleanReasoning-v0", "agentnet/CartPole-v1", "", "CartPole-v1\xff"]


class EnvCalls:
    """Generators for the agn_env_* functions, agn_env_node_create and agn_native_environment_create."""

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

    def gen_agn_native_environment_create(self):
        h, _ = self.env()
        self.emit("agn_native_environment_create", [h, self.out()])
