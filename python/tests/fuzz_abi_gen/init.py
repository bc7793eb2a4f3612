"""Initializers: seeding and sampling (agn_init_seed, agn_init_sample) with valid and broken specs.
"""
from .values import HUGE_COUNTS, U64

INIT_SPECS = ['{"kind": "GlorotUniform", "gain": 1}', '{"kind": "GlorotNormal"}', '{"kind": "HeNormal", "gain": "relu"}',
              '{"kind": "Normal", "std": 0.01, "mean": 0}', '{"kind": "Uniform", "range": [1, -1]}', '{"kind": "Uniform", "range": 1e308}',
              '{"kind": "Orthogonal"}', '{"kind": "Orthogonal", "gain": NaN}', '{"kind": "Constant", "val": 1e308}',
              '{"kind": "Sparse", "sparsity": 2}', '{"kind": "GlorotUniform", "c01b": true}', '{"kind": "nonsense"}', '{}',
              '{"kind": "Uniform", "std": -1}', '{"kind": "Normal", "std": Infinity}']


class InitCalls:
    """Generators for agn_init_seed and agn_init_sample."""

    def gen_agn_init_seed(self):
        self.emit("agn_init_seed", [["i", self.pick(U64)]])

    def gen_agn_init_sample(self):
        ndim, dims, count = self.dims()
        if count is not None and count <= 4096 and self.chance(0.9):
            data, n = ["out", "f32", max(count, 1)], ["i", count]
        else:
            data, n = ["null"], ["i", self.pick([0, 1] + HUGE_COUNTS + ([count] if count is not None else []))]
        self.emit("agn_init_sample", [self.string(INIT_SPECS), ["i", ndim], dims, data, n])
