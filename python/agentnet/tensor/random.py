"""``agentnet.tensor.random``: seeded random streams whose state advances on every call of a compiled function."""
import ctypes
import numpy as np

from .. import _core
from .._checks import as_dims, as_int
from .._core import Variable, check, lib


class RandomStreams:
    """Symbolic random draws (Theano's ``RandomStreams``/``MRG_RandomStreams``).

    Each draw owns a generator seeded from ``seed`` and the draw's creation order, so a program is reproducible
    for a seed, while repeated calls of a compiled function give fresh values. ``seed(s)`` reseeds every draw.
    """

    def __init__(self, seed=1234):
        self._seed = as_int(seed, "seed", None, None)
        self._states = []

    def _state(self):
        h = ctypes.c_int64()
        k = len(self._states)
        check(lib.agn_random_state_create(self._derive(k), ctypes.byref(h)))
        self._states.append(h.value)
        return h.value

    def _derive(self, k):
        return (self._seed * 0x9E3779B97F4A7C15 + k * 0xBF58476D1CE4E5B9 + 1) % (1 << 64)

    def seed(self, seed):
        """Reseeds every draw made from this stream."""
        self._seed = as_int(seed, "seed", None, None)
        for k, h in enumerate(self._states):
            check(lib.agn_random_state_seed(h, self._derive(k)))

    def __del__(self):
        for h in getattr(self, "_states", []):
            _core._lib.release(h)

    @staticmethod
    def _size(size):
        if size is None:
            size = ()
        if isinstance(size, Variable):
            return size
        if isinstance(size, (int, np.integer)):
            size = (size,)
        size = tuple(size)
        if any(isinstance(d, Variable) for d in size):
            from . import stack, cast
            as_dims([0 if isinstance(d, Variable) else d for d in size], "size")
            return stack([cast(d, "int32") if isinstance(d, Variable) else int(d) for d in size])
        return _core.constant(np.array(as_dims(size, "size"), dtype=np.int32).reshape(-1))

    def _draw(self, kind, size, a, b, dtype=None):
        attrs = {} if dtype is None else {"dtype": str(np.dtype(dtype)) if dtype != "floatX" else "float32"}
        inputs = [self._size(size), a if isinstance(a, Variable) else _core.constant(a),
                  b if isinstance(b, Variable) else _core.constant(b)]
        return _core.random_node(self._state(), "random_" + kind, inputs, **attrs)

    def uniform(self, size=(), low=0.0, high=1.0, dtype="float32"):
        """Uniform in ``[low, high)``."""
        return self._draw("uniform", size, np.float32(low), np.float32(high), dtype)

    def normal(self, size=(), avg=0.0, std=1.0, dtype="float32"):
        """Normal with mean ``avg`` and standard deviation ``std``."""
        return self._draw("normal", size, np.float32(avg), np.float32(std), dtype)

    def binomial(self, size=(), n=1, p=0.5, dtype="int32"):
        """Number of successes in ``n`` trials with success probability ``p`` (``p`` may be a tensor broadcast to ``size``)."""
        if isinstance(p, Variable) and size in ((), None):
            from . import shape
            size = shape(p)
        return self._draw("binomial", size, np.float32(n), p if isinstance(p, Variable) else np.float32(p), dtype)

    def choice(self, size=(), a=2, replace=True, p=None, dtype="int32"):
        """Integers drawn uniformly from ``[0, a)``; with probabilities ``p`` (``[..., a]``) one draw per row."""
        if not replace:
            raise ValueError("choice without replacement is not supported")
        if p is not None:
            from . import argmax
            return argmax(self.multinomial(pvals=p), axis=-1)
        return self._draw("choice", size, np.float32(a), np.float32(0), dtype)

    def multinomial(self, size=None, n=1, pvals=None, dtype="int32"):
        """One categorical draw per row of ``pvals`` (``[..., k]``), as a one-hot ``[..., k]`` tensor."""
        if pvals is None:
            raise ValueError("multinomial needs pvals")
        if n != 1:
            raise ValueError("multinomial supports n=1 (one draw per row)")
        return self._draw("multinomial", (), pvals if isinstance(pvals, Variable) else np.asarray(pvals, np.float32),
                          np.float32(0), dtype)


MRG_RandomStreams = RandomStreams
