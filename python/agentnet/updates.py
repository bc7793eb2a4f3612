"""``agentnet.updates``: gradient-based update rules with Lasagne's names, signatures and semantics.

Every optimizer takes ``loss_or_grads`` (a scalar loss expression, differentiated with :func:`agentnet.tensor.grad`,
or a list of gradient expressions, one per parameter) and ``params`` (a list of shared variables), and returns an
``OrderedDict`` mapping each shared variable (parameters and new optimizer state) to its new symbolic value, ready
for ``agentnet.function(inputs, outputs, updates=updates)``.

Optimizer state (velocities, accumulators, Adam's moments and time step) lives in new float32 shared variables
initialised to zeros with the shape of the parameter's current value. The rules are built by the engine
(``Sources/AgentNet/Updates``), most of them on fused one-pass kernels; this module converts arguments.

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
import ctypes
import json
import numbers

import numpy as np

from . import _core, _lib
from ._core import SharedVariable, Variable, c_i64p, check, handles, lib
from . import tensor as T

__all__ = [
    "sgd", "apply_momentum", "momentum", "apply_nesterov_momentum", "nesterov_momentum", "adagrad", "rmsprop",
    "adadelta", "adam", "adamax", "norm_constraint", "total_norm_constraint", "get_or_compute_grads",
]

_lib.declare("agn_updates_create", ctypes.c_char_p, ctypes.c_char_p, c_i64p, ctypes.c_int64, ctypes.c_int64, c_i64p,
             ctypes.c_int64, ctypes.c_int64, c_i64p, c_i64p, c_i64p, c_i64p)
_lib.declare("agn_updates_apply", ctypes.c_char_p, ctypes.c_char_p, c_i64p, c_i64p, ctypes.c_int64, c_i64p,
             ctypes.c_int64, ctypes.c_int64, c_i64p, c_i64p, c_i64p, c_i64p)


def _hyper(x, name):
    """A hyperparameter as JSON: a number, or ``{"node": handle}`` for a symbolic scalar (e.g. a shared learning rate)."""
    if isinstance(x, Variable):
        if x.ndim != 0:
            raise ValueError(f"{name} must be a scalar, got an expression of rank {x.ndim}")
        return {"node": x.handle}
    if isinstance(x, (numbers.Real, np.ndarray, np.generic)) and np.ndim(x) == 0:
        return float(x)
    raise TypeError(f"{name} must be a number or a symbolic scalar, got {x!r}")


def _check_params(params):
    if isinstance(params, (SharedVariable, Variable)):
        raise TypeError("params must be a list of shared variables, got a single variable (wrap it in a list)")
    params = list(params)
    for p in params:
        if not isinstance(p, SharedVariable):
            raise ValueError("params must contain shared variables only, got "
                             f"{p!r}; parameters are created with agentnet.shared(...)")
    return params


def _i64(values):
    return (ctypes.c_int64 * max(len(values), 1))(*values)


def _collect(call, keys, capacity):
    """Runs an ``agn_updates_*`` call and turns its (key index, shared, value) triples into an OrderedDict."""
    key_index, shared, values = _i64([0] * capacity), _i64([0] * capacity), _i64([0] * capacity)
    count = ctypes.c_int64()
    check(call(capacity, key_index, shared, values, ctypes.byref(count)))
    updates = OrderedDict()
    for i in range(count.value):
        key = keys[key_index[i]] if key_index[i] >= 0 else SharedVariable._adopt(shared[i])
        updates[key] = Variable(values[i])
    return updates


def _rule(kind, loss_or_grads, params, **hyper):
    """Builds update rule ``kind`` in the engine."""
    params = _check_params(params)
    if isinstance(loss_or_grads, (list, tuple)):
        grads = [g if isinstance(g, Variable) else _core.constant(g) for g in get_or_compute_grads(loss_or_grads, params)]
        loss = 0
    elif isinstance(loss_or_grads, Variable):
        grads, loss = [], loss_or_grads.handle
    else:
        raise TypeError("loss_or_grads must be a symbolic scalar loss or a list of gradient expressions, "
                        f"got {type(loss_or_grads).__name__}")
    attrs = json.dumps({k: _hyper(v, k) for k, v in hyper.items()}).encode()
    n = len(params)
    return _collect(lambda *out: lib.agn_updates_create(kind.encode(), attrs, _i64([p.shared_handle for p in params]), n,
                                                        loss, handles(grads), len(grads), *out), params, 3 * n + 1)


def _apply(kind, updates, params, momentum):
    """Adds (Nesterov) momentum to ``updates`` in the engine; entries not in ``params`` are kept as they are."""
    keys = list(updates.keys())
    chosen = keys if params is None else _check_params(params)
    for p in chosen:
        if p not in updates:
            raise KeyError(f"{p!r} has no entry in updates")
    _check_params(keys)
    values = [v if isinstance(v, Variable) else _core.constant(v) for v in updates.values()]
    index = [keys.index(p) for p in chosen]
    attrs = json.dumps({"momentum": _hyper(momentum, "momentum")}).encode()
    out = _collect(lambda *o: lib.agn_updates_apply(kind.encode(), attrs, _i64([k.shared_handle for k in keys]),
                                                    handles(values), len(keys), _i64(index), len(index), *o),
                   keys, len(keys) + len(index))
    for k in keys:
        if not any(k is p for p in chosen):
            out[k] = updates[k]
    return out


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
    return _rule("sgd", loss_or_grads, params, learning_rate=learning_rate)


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
    return _apply("apply_momentum", updates, params, momentum)


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
    return _rule("momentum", loss_or_grads, params, learning_rate=learning_rate, momentum=momentum)


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
    return _apply("apply_nesterov_momentum", updates, params, momentum)


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
    return _rule("nesterov_momentum", loss_or_grads, params, learning_rate=learning_rate, momentum=momentum)


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
    return _rule("adagrad", loss_or_grads, params, learning_rate=learning_rate, epsilon=epsilon)


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
    return _rule("rmsprop", loss_or_grads, params, learning_rate=learning_rate, rho=rho, epsilon=epsilon)


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
    return _rule("adadelta", loss_or_grads, params, learning_rate=learning_rate, rho=rho, epsilon=epsilon)


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
        Exponential decay rates of the first and second moment estimates, in [0, 1).
    epsilon : float
        Added to ``sqrt(v)`` for numerical stability.

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the moments and the (scalar, float32) time step.
    """
    return _rule("adam", loss_or_grads, params, learning_rate=learning_rate, beta1=beta1, beta2=beta2,
                 epsilon=epsilon)


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
        Decay rates of the first moment and of the exponentially weighted infinity norm, in [0, 1).
    epsilon : float
        Added to ``u`` for numerical stability.

    Returns
    -------
    OrderedDict
        Shared variable → new value, including the moments and the time step.
    """
    return _rule("adamax", loss_or_grads, params, learning_rate=learning_rate, beta1=beta1, beta2=beta2,
                 epsilon=epsilon)


from .constraints import norm_constraint, total_norm_constraint  # noqa: E402  (Lasagne keeps them in updates)
