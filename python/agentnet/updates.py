"""``agentnet.updates``: gradient-based update rules with Lasagne's names, signatures and semantics.

Every optimizer takes ``loss_or_grads`` (a scalar loss expression, differentiated with :func:`agentnet.tensor.grad`,
or a list of gradient expressions, one per parameter) and ``params`` (a list of shared variables), and returns an
``OrderedDict`` mapping each shared variable (parameters and new optimizer state) to its new symbolic value, ready
for ``agentnet.function(inputs, outputs, updates=updates)``.

Optimizer state (velocities, accumulators, Adam's moments and time step) lives in new float32 shared variables
initialised to zeros with the shape of the parameter's current value.

Functions
---------
sgd, momentum, nesterov_momentum, adagrad, rmsprop, adadelta, adam, adamax
    Update rules.
apply_momentum, apply_nesterov_momentum
    Add (Nesterov) momentum to an existing update dictionary.
norm_constraint, total_norm_constraint
    Rescale tensors (weights or gradients) to a maximum norm.
get_or_compute_grads
    Gradients of a loss, or a checked list of given gradients.
"""
from collections import OrderedDict
import numbers

import numpy as np

from ._core import SharedVariable, Variable, shared
from . import tensor as T

__all__ = [
    "sgd", "apply_momentum", "momentum", "apply_nesterov_momentum", "nesterov_momentum", "adagrad", "rmsprop",
    "adadelta", "adam", "adamax", "norm_constraint", "total_norm_constraint", "get_or_compute_grads",
]


def _const(x, name):
    """A hyperparameter as a float32 numpy scalar, or unchanged when it is symbolic (e.g. a shared learning rate)."""
    if isinstance(x, Variable):
        if x.ndim != 0:
            raise ValueError(f"{name} must be a scalar, got an expression of rank {x.ndim}")
        return x
    if isinstance(x, (numbers.Real, np.ndarray, np.generic)) and np.ndim(x) == 0:
        return np.float32(x)
    raise TypeError(f"{name} must be a number or a symbolic scalar, got {x!r}")


def _zeros_like_param(param, name):
    value = param.get_value(borrow=True)
    return shared(np.zeros(value.shape, dtype=np.float32), name=name)


def _state_name(param, suffix):
    base = getattr(param, "_given_name", None)
    return f"{base}.{suffix}" if base else suffix


def _check_params(params):
    if isinstance(params, (SharedVariable, Variable)):
        raise TypeError("params must be a list of shared variables, got a single variable (wrap it in a list)")
    params = list(params)
    for p in params:
        if not isinstance(p, SharedVariable):
            raise ValueError("params must contain shared variables only, got "
                             f"{p!r}; parameters are created with agentnet.shared(...)")
    return params


def get_or_compute_grads(loss_or_grads, params):
    """Gradients of ``loss_or_grads`` with respect to ``params``, or ``loss_or_grads`` itself if it is a list.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss expression, or a list of gradient expressions (one per parameter, same shapes).
    params : list of SharedVariable
        The variables to differentiate with respect to.

    Returns
    -------
    list of symbolic expressions
        One gradient per parameter, each shaped like the parameter.

    Raises
    ------
    ValueError
        If ``params`` contains anything but shared variables, or a gradient list has the wrong length.
    """
    params = _check_params(params)
    if isinstance(loss_or_grads, (list, tuple)):
        if len(loss_or_grads) != len(params):
            raise ValueError(f"Got {len(loss_or_grads)} gradient expressions for {len(params)} parameters")
        return list(loss_or_grads)
    if not isinstance(loss_or_grads, Variable):
        raise TypeError("loss_or_grads must be a symbolic scalar loss or a list of gradient expressions, "
                        f"got {type(loss_or_grads).__name__}")
    if loss_or_grads.ndim != 0:
        raise ValueError(f"the loss must be a scalar, got an expression of rank {loss_or_grads.ndim} "
                         "(aggregate it first, e.g. with agentnet.objectives.aggregate)")
    return T.grad(loss_or_grads, params)


def sgd(loss_or_grads, params, learning_rate):
    """Stochastic gradient descent: ``param := param - learning_rate * grad``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        The step size.

    Returns
    -------
    OrderedDict
        Shared variable → new value.
    """
    grads = get_or_compute_grads(loss_or_grads, params)
    lr = _const(learning_rate, "learning_rate")
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        updates[param] = param - lr * grad
    return updates


def apply_momentum(updates, params=None, momentum=0.9):
    """Adds classical momentum to an update dictionary.

    For each parameter with update ``param := param + step``, keeps a velocity ``v`` (zeros initially) and
    applies ``x = momentum * v + updates[param]``; ``v := x - param``; ``param := x``.

    Parameters
    ----------
    updates : OrderedDict
        Shared variable → new value (for instance from :func:`sgd`). It is not modified.
    params : list of SharedVariable, optional
        The variables to add momentum to; all keys of ``updates`` by default.
    momentum : float or symbolic scalar
        The amount of momentum to apply; higher values smooth more and take larger steps.

    Returns
    -------
    OrderedDict
        A copy of ``updates`` with momentum applied and the velocities' updates added.
    """
    if params is None:
        params = list(updates.keys())
    mom = _const(momentum, "momentum")
    updates = OrderedDict(updates)
    for param in _check_params(params):
        if param not in updates:
            raise KeyError(f"{param!r} has no entry in updates")
        velocity = _zeros_like_param(param, _state_name(param, "velocity"))
        x = mom * velocity + updates[param]
        updates[velocity] = x - param
        updates[param] = x
    return updates


def momentum(loss_or_grads, params, learning_rate, momentum=0.9):
    """SGD with classical momentum: ``v := momentum * v - learning_rate * grad``; ``param := param + v``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        The step size.
    momentum : float or symbolic scalar
        The amount of momentum (0.9 by default).

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the velocities.
    """
    updates = sgd(loss_or_grads, params, learning_rate)
    return apply_momentum(updates, momentum=momentum)


def apply_nesterov_momentum(updates, params=None, momentum=0.9):
    """Adds Nesterov momentum to an update dictionary.

    With ``step = updates[param] - param`` and velocity ``v`` (zeros initially):
    ``x = momentum * v + step``; ``v := x``; ``param := momentum * x + updates[param]``.

    Parameters
    ----------
    updates : OrderedDict
        Shared variable → new value (for instance from :func:`sgd`). It is not modified.
    params : list of SharedVariable, optional
        The variables to add momentum to; all keys of ``updates`` by default.
    momentum : float or symbolic scalar
        The amount of momentum to apply.

    Returns
    -------
    OrderedDict
        A copy of ``updates`` with Nesterov momentum applied and the velocities' updates added.
    """
    if params is None:
        params = list(updates.keys())
    mom = _const(momentum, "momentum")
    updates = OrderedDict(updates)
    for param in _check_params(params):
        if param not in updates:
            raise KeyError(f"{param!r} has no entry in updates")
        velocity = _zeros_like_param(param, _state_name(param, "velocity"))
        x = mom * velocity + updates[param] - param
        updates[velocity] = x
        updates[param] = mom * x + updates[param]
    return updates


def nesterov_momentum(loss_or_grads, params, learning_rate, momentum=0.9):
    """SGD with Nesterov momentum: ``v := momentum * v - learning_rate * grad``;
    ``param := param + momentum * v - learning_rate * grad``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        The step size.
    momentum : float or symbolic scalar
        The amount of momentum (0.9 by default).

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the velocities.
    """
    updates = sgd(loss_or_grads, params, learning_rate)
    return apply_nesterov_momentum(updates, momentum=momentum)


def adagrad(loss_or_grads, params, learning_rate=1.0, epsilon=1e-6):
    """Adagrad: ``a := a + grad**2``; ``param := param - learning_rate * grad / sqrt(a + epsilon)``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        The step size (1.0 by default).
    epsilon : float
        Added inside the square root for numerical stability.

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the accumulators.
    """
    grads = get_or_compute_grads(loss_or_grads, params)
    lr, eps = _const(learning_rate, "learning_rate"), _const(epsilon, "epsilon")
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        accu = _zeros_like_param(param, _state_name(param, "accu"))
        accu_new = accu + T.square(grad)
        updates[accu] = accu_new
        updates[param] = param - lr * grad / T.sqrt(accu_new + eps)
    return updates


def rmsprop(loss_or_grads, params, learning_rate=1.0, rho=0.9, epsilon=1e-6):
    """RMSProp: ``a := rho * a + (1 - rho) * grad**2``; ``param := param - learning_rate * grad / sqrt(a + epsilon)``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        The step size (1.0 by default).
    rho : float or symbolic scalar
        Decay of the moving average of squared gradients (0.9 by default).
    epsilon : float
        Added inside the square root for numerical stability.

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the accumulators.
    """
    grads = get_or_compute_grads(loss_or_grads, params)
    lr, r, eps = _const(learning_rate, "learning_rate"), _const(rho, "rho"), _const(epsilon, "epsilon")
    one = np.float32(1)
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        accu = _zeros_like_param(param, _state_name(param, "accu"))
        accu_new = r * accu + (one - r) * T.square(grad)
        updates[accu] = accu_new
        updates[param] = param - lr * grad / T.sqrt(accu_new + eps)
    return updates


def adadelta(loss_or_grads, params, learning_rate=1.0, rho=0.95, epsilon=1e-6):
    """Adadelta (Zeiler 2012).

    ``a := rho * a + (1 - rho) * grad**2``;
    ``u = grad * sqrt(d + epsilon) / sqrt(a + epsilon)``; ``param := param - learning_rate * u``;
    ``d := rho * d + (1 - rho) * u**2``.

    Parameters
    ----------
    loss_or_grads : symbolic scalar or list of symbolic expressions
        A scalar loss, or one gradient expression per parameter.
    params : list of SharedVariable
        The parameters to update.
    learning_rate : float or symbolic scalar
        Scales the step (1.0 by default, as in the paper).
    rho : float or symbolic scalar
        Decay of both moving averages (0.95 by default).
    epsilon : float
        Added inside the square roots.

    Returns
    -------
    OrderedDict
        Shared variable → new value, including both accumulators.
    """
    grads = get_or_compute_grads(loss_or_grads, params)
    lr, r, eps = _const(learning_rate, "learning_rate"), _const(rho, "rho"), _const(epsilon, "epsilon")
    one = np.float32(1)
    updates = OrderedDict()
    for param, grad in zip(params, grads):
        accu = _zeros_like_param(param, _state_name(param, "accu"))
        delta_accu = _zeros_like_param(param, _state_name(param, "delta_accu"))
        accu_new = r * accu + (one - r) * T.square(grad)
        updates[accu] = accu_new
        update = grad * T.sqrt(delta_accu + eps) / T.sqrt(accu_new + eps)
        updates[param] = param - lr * update
        updates[delta_accu] = r * delta_accu + (one - r) * T.square(update)
    return updates


from ._adam import adam, adamax  # noqa: E402  (in a module of their own, on fused engine kernels)
from .constraints import norm_constraint, total_norm_constraint  # noqa: E402  (Lasagne keeps them in updates)
