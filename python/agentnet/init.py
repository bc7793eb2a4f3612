"""``agentnet.init``: parameter initializers with Lasagne's names and semantics.

An initializer is called with a shape and returns a ``float32`` numpy array of that shape::

    W = agentnet.init.GlorotUniform()((784, 256))

Every initializer here is a spec the engine samples (``Sources/AgentNet/Layers/Initializer.swift``), from the
engine's one initializer generator. :func:`set_rng` seeds that generator from the ``numpy.random.RandomState``
it is given (like ``lasagne.random``), so results are reproducible after ``set_rng(np.random.RandomState(seed))``.
A user's own :class:`Initializer` subclass implements :meth:`Initializer.sample` in numpy instead.
"""
import ctypes
import json
import numbers

import numpy as np

from . import _lib
from ._checks import as_int, as_number
from ._lib import check, lib

_lib.declare("agn_init_seed", ctypes.c_uint64)
_lib.declare("agn_init_sample", ctypes.c_char_p, ctypes.c_int32, ctypes.POINTER(ctypes.c_int64),
             ctypes.POINTER(ctypes.c_float), ctypes.c_int64)

__all__ = ["get_rng", "set_rng", "Initializer", "Constant", "Normal", "Uniform", "Glorot", "GlorotUniform",
           "GlorotNormal", "He", "HeUniform", "HeNormal", "Orthogonal", "Sparse"]

_rng = np.random.RandomState()


def get_rng():
    """The ``numpy.random.RandomState`` used by all random initializers."""
    return _rng


def set_rng(new_rng):
    """Replaces the random state used by initializers (a ``numpy.random.RandomState``): the engine's initializer
    generator is reseeded with a number drawn from it, so the same state gives the same weights."""
    global _rng
    if not isinstance(new_rng, np.random.RandomState):
        raise TypeError(f"set_rng expects a numpy.random.RandomState, got {type(new_rng).__name__}")
    _rng = new_rng
    check(lib.agn_init_seed(int(new_rng.randint(0, 2**63 - 1, dtype=np.int64))))


def _engine_sample(spec, shape):
    """A float32 array of ``shape`` sampled by the engine from the initializer ``spec`` (a dict)."""
    out = np.empty(shape, np.float32)
    dims = (ctypes.c_int64 * max(len(shape), 1))(*shape)
    check(lib.agn_init_sample(json.dumps(spec).encode(), len(shape), dims,
                              out.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), out.size))
    return out


def _check_shape(shape):
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f"shape must be a tuple of ints, got {shape!r}") from None
    shape = tuple(as_int(d, f"shape {shape!r}: entry") for d in shape)
    if any(d < 0 for d in shape):
        raise ValueError(f"shape {shape} has a negative dimension")
    return shape


class Initializer:
    """Base class for parameter initializers.

    Subclasses implement :meth:`sample`; calling the instance is the same as ``sample(shape)``.
    """

    def __call__(self, shape):
        return self.sample(shape)

    def sample(self, shape):
        """Returns a ``float32`` array of the given ``shape`` (a tuple of ints)."""
        spec = self._spec()
        if spec is None:
            raise NotImplementedError(f"{type(self).__name__} does not implement sample")
        return _engine_sample(spec, _check_shape(shape))

    def _spec(self):
        """The engine's JSON spec of this initializer, or None for one sampled in Python."""
        return None

    def __repr__(self):
        attrs = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({attrs})"


class Constant(Initializer):
    """All values equal to ``val`` (default 0)."""

    def __init__(self, val=0.0):
        self.val = val

    def _spec(self):
        return {"kind": "Constant", "val": as_number(self.val, "Constant: val")}


class Normal(Initializer):
    """Samples from a normal distribution N(``mean``, ``std``²); default std 0.01."""

    def __init__(self, std=0.01, mean=0.0):
        self.std = std
        self.mean = mean

    def _spec(self):
        return {"kind": "Normal", "std": as_number(self.std, "Normal: std"), "mean": as_number(self.mean, "Normal: mean")}


class Uniform(Initializer):
    """Samples uniformly.

    Parameters
    ----------
    range : float or tuple of 2 floats
        ``a`` gives U(-a, a) (then shifted by ``mean``); ``(lo, hi)`` gives U(lo, hi). Default 0.01.
    std : float or None
        If given, samples U(mean - sqrt(3)·std, mean + sqrt(3)·std), which has this standard deviation and
        ``range`` is ignored.
    mean : float
        Centre of the interval when ``range`` is a number or ``std`` is given.
    """

    def __init__(self, range=0.01, std=None, mean=0.0):
        mean = as_number(mean, "Uniform: mean")
        if std is not None:
            std = as_number(std, "Uniform: std")
            a = mean - np.sqrt(3) * std
            b = mean + np.sqrt(3) * std
        elif not isinstance(range, (str, bytes)) and np.ndim(range) == 1:
            if len(range) != 2:
                raise ValueError(f"Uniform: range must be a number or a pair (low, high), got {range!r}")
            a, b = (as_number(v, "Uniform: range") + mean for v in range)
        else:
            r = as_number(range, "Uniform: range")
            a, b = -r + mean, r + mean
        self.range = (a, b)

    def _spec(self):
        return {"kind": "Uniform", "low": float(self.range[0]), "high": float(self.range[1])}


def _fans(shape, c01b):
    """Lasagne's fan-in / fan-out of a weight shape."""
    if c01b:
        if len(shape) != 4:
            raise RuntimeError("If c01b is True, only shapes of length 4 are accepted")
        n1, n2 = shape[0], shape[3]
        receptive_field_size = shape[1] * shape[2]
    else:
        if len(shape) < 2:
            raise RuntimeError("This initializer only works with shapes of length >= 2")
        n1, n2 = shape[:2]
        receptive_field_size = int(np.prod(shape[2:]))
    return n1 * receptive_field_size, n2 * receptive_field_size


class Glorot(Initializer):
    """Glorot (Xavier) weight initialization: std = gain · sqrt(2 / ((fan_in + fan_out) · receptive_field)).

    Parameters
    ----------
    initializer : class
        :class:`Normal` or :class:`Uniform`; called with ``std=...``.
    gain : float or 'relu'
        Scaling factor; 'relu' means sqrt(2).
    c01b : bool
        Shapes are ``(channels, rows, cols, batch)`` (cuda-convnet layout): fan-in is ``shape[0] * rows * cols``
        and fan-out ``shape[3] * rows * cols``. Otherwise fan-in is ``shape[0] * prod(shape[2:])`` and fan-out
        ``shape[1] * prod(shape[2:])``.
    """

    def __init__(self, initializer, gain=1.0, c01b=False):
        if gain == "relu":
            gain = np.sqrt(2)
        self.initializer = initializer
        self.gain = gain
        self.c01b = c01b

    _kind = "Glorot"

    def _spec(self):
        law = {Normal: "Normal", Uniform: "Uniform"}.get(self.initializer)
        if law is None:
            return None
        return {"kind": self._kind + law, "gain": as_number(self.gain, f"{type(self).__name__}: gain"), "c01b": bool(self.c01b)}

    def sample(self, shape):
        shape = _check_shape(shape)
        fan_in, fan_out = _fans(shape, self.c01b)  # Lasagne's errors, before the engine sees the shape
        if self._spec() is not None:
            return _engine_sample(self._spec(), shape)
        # a user's own distribution class, given the std
        return self.initializer(std=self.gain * np.sqrt(2.0 / (fan_in + fan_out))).sample(shape)


class GlorotNormal(Glorot):
    """Glorot initialization with a normal distribution (see :class:`Glorot`)."""

    def __init__(self, gain=1.0, c01b=False):
        super().__init__(Normal, gain, c01b)


class GlorotUniform(Glorot):
    """Glorot initialization with a uniform distribution: U(-a, a), a = gain · sqrt(6 / (fan_in + fan_out))."""

    def __init__(self, gain=1.0, c01b=False):
        super().__init__(Uniform, gain, c01b)


class He(Initializer):
    """He weight initialization: std = gain · sqrt(1 / fan_in).

    Parameters
    ----------
    initializer : class
        :class:`Normal` or :class:`Uniform`.
    gain : float or 'relu'
        Scaling factor; 'relu' means sqrt(2).
    c01b : bool
        fan-in is ``shape[0] * shape[1] * shape[2]`` when True, else ``prod(shape[:-1])`` for 2-D shapes and
        ``prod(shape[1:])`` for convolution filters (``num_filters, channels, rows, cols``).
    """

    def __init__(self, initializer, gain=1.0, c01b=False):
        if gain == "relu":
            gain = np.sqrt(2)
        self.initializer = initializer
        self.gain = gain
        self.c01b = c01b

    _kind = "He"
    _spec = Glorot._spec

    def sample(self, shape):
        shape = _check_shape(shape)
        if self.c01b:
            if len(shape) != 4:
                raise RuntimeError("If c01b is True, only shapes of length 4 are accepted")
            fan_in = int(np.prod(shape[:3]))
        else:
            if len(shape) == 2:
                fan_in = shape[0]
            elif len(shape) > 2:
                fan_in = int(np.prod(shape[1:]))
            else:
                raise RuntimeError("This initializer only works with shapes of length >= 2")
        if self._spec() is not None:
            return _engine_sample(self._spec(), shape)
        return self.initializer(std=self.gain * np.sqrt(1.0 / fan_in)).sample(shape)


class HeNormal(He):
    """He initialization with a normal distribution (see :class:`He`)."""

    def __init__(self, gain=1.0, c01b=False):
        super().__init__(Normal, gain, c01b)


class HeUniform(He):
    """He initialization with a uniform distribution (see :class:`He`)."""

    def __init__(self, gain=1.0, c01b=False):
        super().__init__(Uniform, gain, c01b)


class Orthogonal(Initializer):
    """Orthogonal matrix initialization (Saxe et al.): the flattened ``(shape[0], prod(shape[1:]))`` matrix has
    orthonormal rows or columns (whichever are fewer), times ``gain`` ('relu' means sqrt(2)).

    Sampled by the engine: Gram–Schmidt on standard normal vectors along the longer side.
    """

    def __init__(self, gain=1.0):
        if gain == "relu":
            gain = np.sqrt(2)
        self.gain = gain

    def sample(self, shape):
        shape = _check_shape(shape)
        if len(shape) < 2:
            raise RuntimeError("Only shapes of length 2 or more are supported.")
        return _engine_sample(self._spec(), shape)

    def _spec(self):
        return {"kind": "Orthogonal", "gain": as_number(self.gain, "Orthogonal: gain")}


class Sparse(Initializer):
    """A sparse matrix: each column has ``sparsity`` fraction of non-zero entries drawn from N(0, std²)."""

    def __init__(self, sparsity=0.1, std=0.01):
        self.sparsity = sparsity
        self.std = std

    def sample(self, shape):
        shape = _check_shape(shape)
        if len(shape) != 2:
            raise RuntimeError("sparse initializer only works with shapes of length 2")
        return _engine_sample(self._spec(), shape)

    def _spec(self):
        return {"kind": "Sparse", "sparsity": as_number(self.sparsity, "Sparse: sparsity"), "std": as_number(self.std, "Sparse: std")}
