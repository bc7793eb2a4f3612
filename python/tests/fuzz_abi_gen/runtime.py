"""Engine-wide calls: ABI version, last error, handle release and count, the memory limit, threads, the
configuration and denormal flushing.
"""


class RuntimeCalls:
    """Generators for the engine-wide functions (agn_abi_version ... agn_set_flush_denormal)."""

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

    def gen_agn_set_num_threads(self):
        self.emit("agn_set_num_threads", [["i", self.pick([-1, 0, 1, 1, 2, 1025, 2**31 - 1, -2**31])]])

    def gen_agn_config_json(self):
        self.emit("agn_config_json", [self.out("ptr")])

    def gen_agn_set_flush_denormal(self):
        self.emit("agn_set_flush_denormal", [["i", self.pick([0, 1, 1, 1, -1, 2, 2**31 - 1, -2**31])]])
