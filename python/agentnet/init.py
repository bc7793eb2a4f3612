"""``agentnet.init``: parameter initializers with Lasagne's names and semantics.

An initializer is called with a shape and returns a ``float32`` numpy array of that shape::

    W = agentnet.init.GlorotUniform()((784, 256))

Random initializers draw from the module random state (:func:`get_rng` / :func:`set_rng`, like
``lasagne.random``), so results are reproducible after ``set_rng(np.random.RandomState(seed))``.
"""
import numbers

import numpy as np

__all__ = ["get_rng", "set_rng", "Initializer", "Constant", "Normal", "Uniform", "Glorot", "GlorotUniform",
           "GlorotNormal", "He", "HeUniform", "HeNormal", "Orthogonal", "Sparse"]

_rng = np.random.RandomState()


def get_rng():
    """The ``numpy.random.RandomState`` used by all random initializers."""
    return _rng


def set_rng(new_rng):
    """Replaces the random state used by initializers (a ``numpy.random.RandomState``)."""
    global _rng
    if not isinstance(new_rng, np.random.RandomState):
        raise TypeError(f"set_rng expects a numpy.random.RandomState, got {type(new_rng).__name__}")
    _rng = new_rng


def _floatX(a):
    return np.asarray(a, dtype=np.float32)


def _check_shape(shape):
    if isinstance(shape, numbers.Integral):
        shape = (int(shape),)
    try:
        shape = tuple(int(d) for d in shape)
    except TypeError:
        raise TypeError(f"shape must be a tuple of ints, got {shape!r}") from None
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
        raise NotImplementedError()

    def __repr__(self):
        attrs = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({attrs})"


class Constant(Initializer):
    """All values equal to ``val`` (default 0)."""

    def __init__(self, val=0.0):
        self.val = val

    def sample(self, shape):
        return _floatX(np.ones(_check_shape(shape)) * self.val)


class Normal(Initializer):
    """Samples from a normal distribution N(``mean``, ``std``²); default std 0.01."""

    def __init__(self, std=0.01, mean=0.0):
        self.std = std
        self.mean = mean

    def sample(self, shape):
        return _floatX(get_rng().normal(self.mean, self.std, size=_check_shape(shape)))


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
        if std is not None:
            a = mean - np.sqrt(3) * std
            b = mean + np.sqrt(3) * std
        else:
            try:
                a, b = range
            except TypeError:
                a, b = -range, range
            a, b = a + mean, b + mean
        self.range = (a, b)

    def sample(self, shape):
        return _floatX(get_rng().uniform(low=self.range[0], high=self.range[1], size=_check_shape(shape)))


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

    def sample(self, shape):
        shape = _check_shape(shape)
        fan_in, fan_out = _fans(shape, self.c01b)
        std = self.gain * np.sqrt(2.0 / (fan_in + fan_out))
        return self.initializer(std=std).sample(shape)


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
        std = self.gain * np.sqrt(1.0 / fan_in)
        return self.initializer(std=std).sample(shape)


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

    Sampled as in Lasagne: the SVD ``u, s, v`` of a standard normal matrix, keeping ``u`` or ``v`` (whichever has
    the flat shape).
    """

    def __init__(self, gain=1.0):
        if gain == "relu":
            gain = np.sqrt(2)
        self.gain = gain

    def sample(self, shape):
        shape = _check_shape(shape)
        if len(shape) < 2:
            raise RuntimeError("Only shapes of length 2 or more are supported.")
        flat_shape = (shape[0], int(np.prod(shape[1:])))
        a = get_rng().normal(0.0, 1.0, flat_shape)
        u, _, v = np.linalg.svd(a, full_matrices=False)
        q = u if u.shape == flat_shape else v
        return _floatX(self.gain * q.reshape(shape))


class Sparse(Initializer):
    """A sparse matrix: each column has ``sparsity`` fraction of non-zero entries drawn from N(0, std²)."""

    def __init__(self, sparsity=0.1, std=0.01):
        self.sparsity = sparsity
        self.std = std

    def sample(self, shape):
        shape = _check_shape(shape)
        if len(shape) != 2:
            raise RuntimeError("sparse initializer only works with shapes of length 2")
        w = np.zeros(shape, dtype=np.float32)
        n_inputs, n_outputs = shape
        size = int(self.sparsity * n_inputs)
        rng = get_rng()
        for k in range(n_outputs):
            indices = np.arange(n_inputs)
            rng.shuffle(indices)
            indices = indices[:size]
            w[indices, k] = rng.normal(0.0, self.std, size=size)
        return w
