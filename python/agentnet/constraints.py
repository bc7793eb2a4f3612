"""Norm constraints on parameters and gradients (Lasagne's ``norm_constraint`` and ``total_norm_constraint``),
also available from :mod:`agentnet.updates` where Lasagne users look for them."""
import numpy as np

from ._core import Variable
from . import tensor as T

__all__ = ["norm_constraint", "total_norm_constraint"]


def norm_constraint(tensor_var, max_norm, norm_axes=None, epsilon=1e-7):
    """Rescales ``tensor_var`` so that its norms along ``norm_axes`` are at most ``max_norm``.

    ``norms = sqrt(sum(x**2, axis=norm_axes, keepdims=True))``;
    result ``= x * clip(norms, 0, max_norm) / (epsilon + norms)``.

    Parameters
    ----------
    tensor_var : symbolic expression or numpy array
        Typically a weight matrix or its update, e.g. ``updates[W]``.
    max_norm : float
        The largest norm allowed.
    norm_axes : sequence of int, optional
        Axes to sum over. By default ``(0,)`` for 2-D tensors (dense weights ``[n_in, n_out]``, one norm per
        unit) and all axes but the first for 3-, 4- and 5-D tensors (convolution filters).
    epsilon : float
        Added to the norms to avoid division by zero.

    Returns
    -------
    symbolic expression (numpy array when given numpy)
        Same shape as ``tensor_var``.

    Raises
    ------
    ValueError
        If ``norm_axes`` is not given for a tensor that is not 2-, 3-, 4- or 5-D.
    """
    ndim = tensor_var.ndim if isinstance(tensor_var, Variable) else np.ndim(tensor_var)
    if norm_axes is not None:
        sum_over = tuple(int(a) for a in norm_axes)
    elif ndim == 2:
        sum_over = (0,)
    elif ndim in (3, 4, 5):
        sum_over = tuple(range(1, ndim))
    else:
        raise ValueError(f"Unsupported tensor dimensionality {ndim}. Must specify `norm_axes`")
    if not isinstance(tensor_var, Variable):
        tensor_var = np.asarray(tensor_var, dtype=np.float32)
    norms = T.sqrt(T.sum(T.square(tensor_var), axis=sum_over, keepdims=True))
    target_norms = T.clip(norms, np.float32(0), np.float32(max_norm))
    return tensor_var * (target_norms / (np.float32(epsilon) + norms))


def total_norm_constraint(tensor_vars, max_norm, epsilon=1e-7, return_norm=False):
    """Rescales a list of tensors together so that their joint Euclidean norm is at most ``max_norm``.

    ``norm = sqrt(sum_i sum(x_i**2))``; each ``x_i`` becomes ``x_i * clip(norm, 0, max_norm) / (epsilon + norm)``.
    Commonly used on gradients before an update rule (gradient clipping by global norm).

    Parameters
    ----------
    tensor_vars : list of symbolic expressions or numpy arrays
        The tensors to rescale, of any shapes.
    max_norm : float
        The largest joint norm allowed.
    epsilon : float
        Added to the norm to avoid division by zero.
    return_norm : bool
        Also return the joint norm before rescaling (a scalar).

    Returns
    -------
    list, or (list, scalar) when ``return_norm``
        The rescaled tensors, same shapes as given.
    """
    tensor_vars = list(tensor_vars)
    if not tensor_vars:
        raise ValueError("total_norm_constraint needs at least one tensor")
    if not any(isinstance(t, Variable) for t in tensor_vars):
        tensor_vars = [np.asarray(t, dtype=np.float32) for t in tensor_vars]
    total = None
    for t in tensor_vars:
        s = T.sum(T.square(t))
        total = s if total is None else total + s
    norm = T.sqrt(total)
    target_norm = T.clip(norm, np.float32(0), np.float32(max_norm))
    multiplier = target_norm / (np.float32(epsilon) + norm)
    scaled = [t * multiplier for t in tensor_vars]
    return (scaled, norm) if return_norm else scaled
