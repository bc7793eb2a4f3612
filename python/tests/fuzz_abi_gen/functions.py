"""Compiled functions: creating them from pooled inputs and outputs, and calling them through a buffer descriptor
built from their real input and output shapes (or bent: huge counts, truncated, NULL).
"""
from .values import HUGE_COUNTS


class FunctionCalls:
    """Generators for agn_function_create, agn_function_call(_repeat) and agn_function_output_info."""

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

    def gen_agn_function_call_repeat(self):
        fn = self.ref("function")
        desc, length = self._descriptor(fn, True)
        times = self.pick([1, 2, 3, 3, 0, -1, -2**63, 2**31, 2**40])
        self.emit("agn_function_call_repeat", [fn, ["i", times], desc, length])
