"""``agentnet.objectives``: loss functions with Lasagne's names and semantics.

Each elementwise loss returns one value per element (or per row for the categorical cross-entropy); reduce it to
a scalar for training with :func:`aggregate`. Like every ``agentnet.tensor`` op, these work on symbolic
expressions (building graph nodes) and on numpy arrays (returning numpy at once).

Functions
---------
squared_error, binary_crossentropy, categorical_crossentropy, huber_loss
    Elementwise / per-row losses.
aggregate
    Mean, sum or weight-normalised sum of a loss tensor, optionally weighted.
"""
import numpy as np

from ._core import Variable, constant
from . import tensor as T

__all__ = ["squared_error", "binary_crossentropy", "categorical_crossentropy", "huber_loss", "aggregate"]


def _ndim(x):
    return x.ndim if isinstance(x, Variable) else np.ndim(x)


def _prepare(x):
    """Symbolic expressions unchanged; anything else as a numpy array (float64 kept until the engine narrows it)."""
    return x if isinstance(x, Variable) else np.asarray(x)


def _align_targets(predictions, targets):
    """Lasagne's ``align_targets``: ``[N, 1]`` predictions with ``[N]`` targets → targets reshaped to ``[N, 1]``."""
    predictions, targets = _prepare(predictions), _prepare(targets)
    pshape = predictions.static_shape if isinstance(predictions, Variable) else np.shape(predictions)
    if len(pshape) == 2 and pshape[1] == 1 and _ndim(targets) == 1:
        targets = T.dimshuffle(targets, 0, "x") if isinstance(targets, Variable) else targets[:, None]
    return predictions, targets


def squared_error(a, b):
    """Elementwise squared difference ``(a - b)**2``.

    Parameters
    ----------
    a, b : symbolic expressions or numpy arrays
        Predictions and targets, of broadcastable shapes. ``[N, 1]`` with ``[N]`` is aligned to ``[N, 1]``.

    Returns
    -------
    symbolic expression (numpy array when given numpy)
        The broadcast shape of ``a`` and ``b``.
    """
    a, b = _align_targets(a, b)
    return T.square(a - b)


def binary_crossentropy(predictions, targets):
    """Elementwise ``-(t * log(p) + (1 - t) * log(1 - p))``.

    Parameters
    ----------
    predictions : symbolic expression or numpy array
        Probabilities in ``(0, 1)``, typically the output of a sigmoid, any shape.
    targets : symbolic expression or numpy array
        Targets in ``[0, 1]`` (0/1 labels or soft targets), same (or broadcastable) shape.

    Returns
    -------
    symbolic expression (numpy array when given numpy)
        The broadcast shape of ``predictions`` and ``targets``.

    Notes
    -----
    Predictions of exactly 0 or 1 give infinite losses; clip them first (e.g. ``T.clip(p, eps, 1 - eps)``).
    """
    predictions, targets = _align_targets(predictions, targets)
    one = np.float32(1)
    return -(targets * T.log(predictions) + (one - targets) * T.log(one - predictions))


def categorical_crossentropy(predictions, targets):
    """Per-row cross-entropy between predicted class distributions and targets.

    Parameters
    ----------
    predictions : symbolic expression or numpy array, shape ``[N, C]``
        Class probabilities per row, typically a softmax output.
    targets : symbolic expression or numpy array, shape ``[N]`` (int) or ``[N, C]`` (float)
        Either integer class indices, giving ``-log(predictions[i, targets[i]])``, or a one-hot / probability
        matrix, giving ``-sum_c targets[i, c] * log(predictions[i, c])``.

    Returns
    -------
    symbolic expression (numpy array when given numpy), shape ``[N]``

    Raises
    ------
    TypeError
        If class-index targets are not integers.
    ValueError
        If the ranks of predictions and targets do not fit either form.
    """
    predictions, targets = _prepare(predictions), _prepare(targets)
    pdim, tdim = _ndim(predictions), _ndim(targets)
    if pdim != 2:
        raise ValueError(f"categorical_crossentropy: predictions must be [N, C], got rank {pdim}")
    if tdim == pdim:
        return -T.sum(targets * T.log(predictions), axis=1)
    if tdim == pdim - 1:
        if np.dtype(targets.dtype).kind not in "iu":
            raise TypeError(f"categorical_crossentropy: class-index targets must be integers, got {targets.dtype}")
        if isinstance(predictions, Variable) or isinstance(targets, Variable):
            if not isinstance(predictions, Variable):
                predictions = constant(predictions)
            if not isinstance(targets, Variable):
                targets = np.asarray(targets, dtype=np.int32)
            rows = T.arange(predictions.shape[0])
        else:
            rows = np.arange(np.shape(predictions)[0], dtype=np.int32)
            targets = np.asarray(targets, dtype=np.int32)
        return -T.log(predictions[rows, targets])
    raise ValueError(f"categorical_crossentropy: targets must be [N] class indices or [N, C] like the predictions, "
                     f"got rank {tdim} targets for rank {pdim} predictions")


def huber_loss(predictions, targets, delta=1):
    """Elementwise Huber loss: ``0.5 * d**2`` where ``|d| <= delta``, else ``delta * (|d| - delta / 2)``,
    with ``d = targets - predictions``.

    Parameters
    ----------
    predictions, targets : symbolic expressions or numpy arrays
        Of broadcastable shapes (``[N, 1]`` with ``[N]`` is aligned to ``[N, 1]``).
    delta : float
        Where the loss turns from quadratic to linear (1 by default).

    Returns
    -------
    symbolic expression (numpy array when given numpy)
        The broadcast shape of ``predictions`` and ``targets``.
    """
    predictions, targets = _align_targets(predictions, targets)
    d = np.float32(delta)
    abs_diff = T.abs(targets - predictions)
    ift = np.float32(0.5) * squared_error(targets, predictions)
    iff = d * (abs_diff - d / np.float32(2))
    return T.where(T.le(abs_diff, d), ift, iff)


def aggregate(loss, weights=None, mode="mean"):
    """Reduces a loss tensor to a scalar, optionally weighting its elements.

    Parameters
    ----------
    loss : symbolic expression or numpy array
        Elementwise or per-row losses, any shape.
    weights : symbolic expression or numpy array, optional
        Multiplies ``loss`` elementwise (broadcastable to its shape), e.g. a ``[N]`` mask of valid rows.
    mode : {'mean', 'sum', 'normalized_sum'}
        ``'mean'``: mean of (weighted) losses; ``'sum'``: their sum; ``'normalized_sum'``: their sum divided by
        the sum of the weights (requires ``weights``).

    Returns
    -------
    symbolic scalar (numpy scalar array when given numpy)

    Raises
    ------
    ValueError
        For an unknown ``mode``, or ``'normalized_sum'`` without weights.
    """
    if mode not in ("mean", "sum", "normalized_sum"):
        raise ValueError(f"mode must be 'mean', 'sum' or 'normalized_sum', got {mode!r}")
    if mode == "normalized_sum" and weights is None:
        raise ValueError("require weights for mode='normalized_sum'")
    loss = _prepare(loss)
    if weights is not None:
        loss = loss * _prepare(weights)
    if mode == "mean":
        return T.mean(loss)
    if mode == "sum":
        return T.sum(loss)
    return T.sum(loss) / T.sum(_prepare(weights))
