"""Norm constraints on parameters and gradients (Lasagne's ``norm_constraint`` and ``total_norm_constraint``),
also available from :mod:`agentnet.updates` where Lasagne users look for them. The engine builds them
(``Sources/AgentNet/Updates/NormConstraints.swift``); this module converts arguments."""
import ctypes
import json

from . import _core, _lib
from ._checks import as_number
from ._core import Variable, c_i64p, check, handles, lib
from ._function import function as _function
from .tensor import _apply

__all__ = ["norm_constraint", "total_norm_constraint"]

_lib.declare("agn_total_norm_constraint", c_i64p, ctypes.c_int64, ctypes.c_char_p, c_i64p, c_i64p)


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
    axes = None if norm_axes is None else [int(a) for a in norm_axes]
    return _apply("norm_constraint", tensor_var, max_norm=as_number(max_norm, "max_norm"), norm_axes=axes,
                  epsilon=as_number(epsilon, "epsilon"))


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
        The rescaled tensors, same shapes as given (numpy arrays when given only numpy arrays).
    """
    tensor_vars = list(tensor_vars)
    symbolic = any(isinstance(t, Variable) for t in tensor_vars)
    inputs = [t if isinstance(t, Variable) else _core.constant(t, "float32") for t in tensor_vars]
    scaled = (ctypes.c_int64 * max(len(inputs), 1))()
    norm = ctypes.c_int64()
    attrs = json.dumps({"max_norm": as_number(max_norm, "max_norm"), "epsilon": as_number(epsilon, "epsilon")}).encode()
    check(lib.agn_total_norm_constraint(handles(inputs), len(inputs), attrs, scaled, ctypes.byref(norm)))
    outputs = [Variable(scaled[i]) for i in range(len(inputs))] + [Variable(norm.value)]
    if not symbolic:
        outputs = list(_function([], outputs, check_finite=False)())
    return (outputs[:-1], outputs[-1]) if return_norm else outputs[:-1]
