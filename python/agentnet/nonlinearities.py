"""``agentnet.nonlinearities``: activation functions with Lasagne's names.

Each is a plain function of a tensor: symbolic expressions give expressions, numpy arrays are evaluated at once.
"""
from . import tensor as T

__all__ = ["sigmoid", "softmax", "tanh", "ScaledTanH", "ScaledTanh", "rectify", "LeakyRectify", "leaky_rectify",
           "very_leaky_rectify", "elu", "selu", "SELU", "softplus", "linear", "identity"]


def sigmoid(x):
    """Logistic sigmoid ``1 / (1 + exp(-x))``."""
    return T.sigmoid(x)


def softmax(x):
    """Softmax over the last axis (rows of a ``(batch, classes)`` matrix)."""
    return T.softmax(x, axis=-1)


def tanh(x):
    """Hyperbolic tangent."""
    return T.tanh(x)


class ScaledTanH:
    """``scale_out * tanh(scale_in * x)`` (LeCun's 1.7159 · tanh(2x/3) with ``scale_in=2/3, scale_out=1.7159``)."""

    def __init__(self, scale_in=1, scale_out=1):
        self.scale_in = scale_in
        self.scale_out = scale_out

    def __call__(self, x):
        return T.tanh(x * self.scale_in) * self.scale_out

    def __repr__(self):
        return f"ScaledTanH(scale_in={self.scale_in}, scale_out={self.scale_out})"


ScaledTanh = ScaledTanH


def rectify(x):
    """Rectified linear unit ``max(0, x)``."""
    return T.relu(x)


class LeakyRectify:
    """Leaky rectifier ``max(x, leakiness * x)`` (for ``0 <= leakiness <= 1``)."""

    def __init__(self, leakiness=0.01):
        self.leakiness = leakiness

    def __call__(self, x):
        return T.maximum(x, x * self.leakiness)

    def __repr__(self):
        return f"LeakyRectify(leakiness={self.leakiness})"


leaky_rectify = LeakyRectify()
leaky_rectify.__doc__ = "Leaky rectifier with leakiness 0.01."
very_leaky_rectify = LeakyRectify(1.0 / 3)


def elu(x):
    """Exponential linear unit: ``x`` for ``x > 0`` else ``exp(x) - 1``."""
    return T.elu(x)


class SELU:
    """Scaled exponential linear unit ``scale * (x if x > 0 else scale_neg * (exp(x) - 1))``."""

    def __init__(self, scale=1.0507009873554805, scale_neg=1.6732632423543772):
        self.scale = scale
        self.scale_neg = scale_neg

    def __call__(self, x):
        return self.scale * T.where(T.gt(x, 0), x, self.scale_neg * (T.exp(T.minimum(x, 0)) - 1))

    def __repr__(self):
        return f"SELU(scale={self.scale}, scale_neg={self.scale_neg})"


selu = SELU()


def softplus(x):
    """``log(1 + exp(x))``."""
    return T.softplus(x)


def linear(x):
    """The identity."""
    return x


identity = linear
