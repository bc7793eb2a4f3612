"""Adam and Adamax for ``agentnet.updates`` (which re-exports them): Adam's moments and step run on fused engine
kernels (``ema``, ``ema_square``, ``adam_step``), Adamax on ordinary engine ops."""
from collections import OrderedDict

import numpy as np

from ._core import shared
from . import tensor as T
from .updates import get_or_compute_grads, _const, _state_name, _zeros_like_param


def _fused(kind, *args):
    """A fused optimizer kernel (``ema``, ``ema_square``, ``adam_step``) over engine expressions."""
    from . import _core
    return _core.node(kind, [a if isinstance(a, _core.Variable) else _core.constant(np.float32(a)) for a in args])


def adam(loss_or_grads, params, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """Adam (Kingma and Ba 2014), in the paper's efficient form.

    ``t := t + 1``; ``a_t = learning_rate * sqrt(1 - beta2**t) / (1 - beta1**t)``;
    ``m := beta1 * m + (1 - beta1) * grad``; ``v := beta2 * v + (1 - beta2) * grad**2``;
    ``param := param - a_t * m / (sqrt(v) + epsilon)``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        The step size (0.001 by default).
    beta1, beta2 : float or symbolic scalar
        Exponential decay rates of the first and second moment estimates.
    epsilon : float
        Added to ``sqrt(v)`` for numerical stability.

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the moments and the (scalar, float32) time step.
    """
    grads = get_or_compute_grads(loss_or_grads, params)
    lr, b1, b2 = _const(learning_rate, "learning_rate"), _const(beta1, "beta1"), _const(beta2, "beta2")
    eps = _const(epsilon, "epsilon")
    one = np.float32(1)
    t_prev = shared(np.float32(0), name="adam.t")
    t = t_prev + one
    a_t = lr * T.sqrt(one - T.pow(b2, t)) / (one - T.pow(b1, t))
    updates = OrderedDict()
    for param, g_t in zip(params, grads):
        m_prev = _zeros_like_param(param, _state_name(param, "m"))
        v_prev = _zeros_like_param(param, _state_name(param, "v"))
        # One fused engine kernel per moment and one for the step (same formulas, one pass each).
        m_t = _fused("ema", m_prev, g_t, b1)
        v_t = _fused("ema_square", v_prev, g_t, b2)
        updates[m_prev] = m_t
        updates[v_prev] = v_t
        updates[param] = _fused("adam_step", param, m_t, v_t, a_t, eps)
    updates[t_prev] = t
    return updates


def adamax(loss_or_grads, params, learning_rate=0.002, beta1=0.9, beta2=0.999, epsilon=1e-8):
    """Adamax (Kingma and Ba 2014, section 7), Adam with the infinity norm.

    ``t := t + 1``; ``a_t = learning_rate / (1 - beta1**t)``; ``m := beta1 * m + (1 - beta1) * grad``;
    ``u := max(beta2 * u, |grad|)``; ``param := param - a_t * m / (u + epsilon)``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        The step size (0.002 by default).
    beta1, beta2 : float or symbolic scalar
        Decay rates of the first moment and of the exponentially weighted infinity norm.
    epsilon : float
        Added to ``u`` for numerical stability.

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the moments and the time step.
    """
    grads = get_or_compute_grads(loss_or_grads, params)
    lr, b1, b2 = _const(learning_rate, "learning_rate"), _const(beta1, "beta1"), _const(beta2, "beta2")
    eps = _const(epsilon, "epsilon")
    one = np.float32(1)
    t_prev = shared(np.float32(0), name="adamax.t")
    t = t_prev + one
    a_t = lr / (one - T.pow(b1, t))
    updates = OrderedDict()
    for param, g_t in zip(params, grads):
        m_prev = _zeros_like_param(param, _state_name(param, "m"))
        u_prev = _zeros_like_param(param, _state_name(param, "u"))
        m_t = b1 * m_prev + (one - b1) * g_t
        u_t = T.maximum(b2 * u_prev, T.abs(g_t))
        step = a_t * m_t / (u_t + eps)
        updates[m_prev] = m_t
        updates[u_prev] = u_t
        updates[param] = param - step
    updates[t_prev] = t
    return updates
