"""The bridge from ``agentnet.learning`` to the engine's builders (``Sources/AgentNet/Learning``): arguments become
named input nodes and JSON attributes; numpy arguments are evaluated at once (numpy in, numpy out)."""
import ctypes
import json
import numbers

import numpy as np

from .. import _core, _lib, objectives
from .._core import Variable, check, lib
from .._function import function as _function

_lib.declare("agn_learning_objective", ctypes.c_char_p, ctypes.c_char_p, _core.c_i64p, ctypes.c_int64, _core.c_i64p,
             ctypes.c_int64)

#: The ``agentnet.objectives`` losses the engine applies itself, by the function that stands for each.
ENGINE_LOSSES = {objectives.squared_error: "squared_error", objectives.huber_loss: "huber_loss"}


def is_symbolic(*values):
    return any(isinstance(v, Variable) for v in values)


def ndim(x):
    return x.ndim if isinstance(x, Variable) else np.ndim(x)


def as_node(x, dtype=None):
    """A Variable unchanged; anything else as an engine constant (float64 → float32, int64 → int32)."""
    if isinstance(x, Variable):
        return x
    a = np.asarray(x)
    if dtype is None and a.dtype.kind == "b":
        dtype = "float32"
    return _core.constant(a, dtype)


def check_rank(fn, name, x, ranks):
    """ValueError naming the argument when ``x`` does not have one of ``ranks`` dimensions."""
    if isinstance(ranks, int):
        ranks = (ranks,)
    n = ndim(x)
    if n not in ranks:
        shapes = {2: "[batch, tick]", 3: "[batch, tick, action]", 1: "[batch]", 0: "a scalar"}
        want = " or ".join(shapes.get(r, f"rank {r}") for r in ranks)
        raise ValueError(f"{fn}: {name} must be {want}, got an array of rank {n}")
    return x


def is_default(x, word):
    return isinstance(x, str) and x == word


def steps_attr(name, n_steps, inputs, attrs):
    """``n_steps``: an int, None (whole session) or a symbolic int scalar."""
    if isinstance(n_steps, Variable):
        if n_steps.ndim != 0 or n_steps.dtype == "float32":
            raise TypeError(f"{name} must be an integer scalar expression, got {n_steps!r}")
        inputs[name] = n_steps
        return
    if n_steps is None:
        attrs[name] = None
        return
    if isinstance(n_steps, bool) or not isinstance(n_steps, numbers.Integral) or n_steps < 1:
        raise ValueError(f"{name} must be a positive integer, None or a symbolic integer, got {n_steps!r}")
    attrs[name] = int(n_steps)


def gamma_attr(gamma, inputs, attrs):
    """A Python number as an attribute; arrays and expressions as an input (scalar, [batch] or [batch, tick])."""
    if isinstance(gamma, numbers.Real) and not isinstance(gamma, bool):
        attrs["gamma_or_gammas"] = float(gamma)
        return
    if gamma is None or isinstance(gamma, (str, bytes, bool)) or (
            not isinstance(gamma, Variable) and np.asarray(gamma).dtype.kind not in "fiu"):
        raise TypeError(f"gamma_or_gammas must be a number, an array or a symbolic expression, got {gamma!r}")
    if ndim(gamma) > 2:
        raise ValueError(f"gamma_or_gammas must be a scalar, [batch] or [batch, tick], got rank {ndim(gamma)}")
    inputs["gamma_or_gammas"] = gamma


def loss_attr(loss_function, attrs):
    """The engine's name for a built-in loss; None (the caller applies it) for a user function."""
    if not callable(loss_function):
        raise TypeError(f"loss_function must be a function of (reference, predicted), got {loss_function!r}")
    try:
        name = ENGINE_LOSSES.get(loss_function)
    except TypeError:
        name = None
    attrs["loss_function"] = name
    return name


def build_objective(kind, inputs, attrs):
    """Engine objective ``kind`` over named inputs (None entries are left out): one or two Variables."""
    present = [(k, v) for k, v in inputs.items() if v is not None]
    names = [k for k, _ in present]
    nodes = [as_node(v, "int32" if k in ("actions", "n_steps", "n_steps_advantage") else None) for k, v in present]
    attrs = dict(attrs, inputs=names)
    outs = (ctypes.c_int64 * 2)()
    check(lib.agn_learning_objective(kind.encode(), json.dumps(attrs).encode(), _core.handles(nodes), len(nodes), outs, 2))
    return [Variable(outs[i]) for i in range(2) if outs[i]]


def node(kind, inputs, attrs):
    """Engine node ``kind`` over named inputs (None entries left out), for the generic helpers."""
    present = [(k, v) for k, v in inputs.items() if v is not None]
    attrs = dict(attrs, inputs=[k for k, _ in present])
    nodes = [as_node(v, "int32" if k == "n_steps" else None) for k, v in present]
    h = ctypes.c_int64()
    check(lib.agn_node_create(kind.encode(), json.dumps(attrs).encode(), _core.handles(nodes), len(nodes), ctypes.byref(h)))
    return Variable(h.value)


def finish(result, symbolic):
    """Symbolic results as they are; otherwise evaluated through one compiled function of constants."""
    if symbolic:
        return result
    if isinstance(result, tuple):
        return tuple(_function([], list(result), check_finite=False)())
    return _function([], result, check_finite=False)()


def apply_loss(loss_function, reference, predicted, is_alive):
    """``loss_function(reference, predicted) * is_alive`` for a user's loss on engine-built terms."""
    loss = loss_function(reference, predicted)
    if not isinstance(loss, Variable):
        raise TypeError(f"loss_function must build an expression from its two arguments, got {type(loss).__name__}")
    if not is_default(is_alive, "always"):
        loss = loss * as_node(is_alive, "float32")
    return loss


def td_objective(kind, fn, inputs, after, *, is_alive, is_truncated, n_steps, gamma_or_gammas, crop_last,
                 consider_reference_constant, force_end_at_last_tick, loss_function, return_reference):
    """A TD objective (Q-learning, SARSA, the DPG critic) from its checked tensor ``inputs`` and the arguments they
    share: ``after`` is ``(name, value)`` of the value after the last tick. The engine applies a built-in loss; a
    user's loss is applied to the engine's (reference, predicted)."""
    common_inputs(fn, inputs, is_alive, is_truncated, *after)
    attrs = {"crop_last": bool(crop_last), "consider_reference_constant": bool(consider_reference_constant),
             "force_end_at_last_tick": bool(force_end_at_last_tick), "return_reference": bool(return_reference)}
    steps_attr("n_steps", n_steps, inputs, attrs)
    gamma_attr(gamma_or_gammas, inputs, attrs)
    symbolic = is_symbolic(*inputs.values())
    name = loss_attr(loss_function, attrs)
    outs = build_objective(kind, inputs, attrs)
    if return_reference or name is not None:
        return finish(outs[0], symbolic)
    return finish(apply_loss(loss_function, outs[0], outs[1], is_alive), symbolic)


def common_inputs(fn, inputs, is_alive, is_truncated, after_name, after_value):
    """Adds the optional ``[batch, tick]`` masks and the ``[batch, 1]`` value after the end, checking ranks."""
    if not is_default(is_alive, "always"):
        inputs["is_alive"] = check_rank(fn, "is_alive", is_alive, 2)
    if is_truncated is not None:
        inputs["is_truncated"] = check_rank(fn, "is_truncated", is_truncated, 2)
    if after_name is not None and not is_default(after_value, "zeros"):
        inputs[after_name] = check_rank(fn, after_name, after_value, (1, 2))
    return inputs
