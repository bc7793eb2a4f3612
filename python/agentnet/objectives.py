"""``agentnet.objectives``: loss functions with Lasagne's names and semantics.

Each elementwise loss returns one value per element (or per row for the categorical cross-entropy); reduce it to
a scalar for training with :func:`aggregate`. Like every ``agentnet.tensor`` op, these work on symbolic
expressions (building graph nodes) and on numpy arrays (returning numpy at once). The engine builds them
(``Sources/AgentNet/Updates/Objectives.swift``); this module converts arguments.

Functions
---------
squared_error, binary_crossentropy, categorical_crossentropy, huber_loss
    Elementwise / per-row losses.
aggregate
    Mean, sum or weight-normalised sum of a loss tensor, optionally weighted.
"""
import numbers

import numpy as np

from .tensor import _apply

__all__ = ["squared_error", "binary_crossentropy", "categorical_crossentropy", "huber_loss", "aggregate"]


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
    return _apply("squared_error", a, b)


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
    return _apply("binary_crossentropy", predictions, targets)


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
    return _apply("categorical_crossentropy", predictions, targets)


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
    if not isinstance(delta, (numbers.Real, np.generic)) or np.ndim(delta) != 0:
        raise TypeError(f"delta must be a number, got {delta!r}")
    return _apply("huber_loss", predictions, targets, delta=float(delta))


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
    return _apply("aggregate", loss, *([] if weights is None else [weights]), mode=mode)
