"""``agentnet.learning.generic``: helpers used by every learning algorithm (value references, action values,
session masks). Shapes are ``[batch, tick]``. Every function takes numpy arrays (and returns numpy) or symbolic
expressions (and returns an expression); both run the same engine op (``Sources/AgentNet/Learning/Generic.swift``).

Conventions (the seed's): a session is alive on the tick where it takes its terminating action and dead after it;
``gamma_or_gammas[:, t]`` discounts what comes after tick t, ``ref[t] = r[t] + gamma[t] * (...)``, for scalar,
``[batch]`` and ``[batch, tick]`` gammas alike.
"""
import warnings

from . import _engine as E

__all__ = ["get_end_indicator", "get_values_for_actions", "get_n_step_value_reference", "get_1_step_value_reference",
           "get_mask_by_eos"]


def get_end_indicator(is_alive, force_end_at_t_max=False):
    """Turns the session-alive indicator into an end-of-session indicator.

    ``is_end[:, t] = (is_alive[:, t] - is_alive[:, t+1] == 1)``: the tick where the terminating action is taken.

    Parameters
    ----------
    is_alive : array or expression, int/bool/float ``[batch, tick]``
    force_end_at_t_max : bool
        If True, sessions that did not end inside the window end at its last tick.

    Returns
    -------
    bool ``[batch, tick]``
        The last column is 0 (or, with ``force_end_at_t_max``, 1 in rows without an end).

    Examples
    --------
    >>> get_end_indicator(np.array([[1, 0, 1, 1, 0, 1]])).astype(int)
    array([[1, 0, 0, 1, 0, 0]])
    """
    E.check_rank("get_end_indicator", "is_alive", is_alive, 2)
    out = E.as_node(is_alive)
    return E.finish(E._core.node("end_indicator", [out], force_end_at_t_max=bool(force_end_at_t_max)), E.is_symbolic(is_alive))


def get_values_for_actions(values_for_all_actions, actions):
    """Selects the values (Q-values, policy probabilities) of the chosen actions.

    Parameters
    ----------
    values_for_all_actions : float ``[batch, tick, action]``
    actions : int ``[batch, tick]``
        Action ids; an id outside ``0..action-1`` is an error when computed.

    Returns
    -------
    float ``[batch, tick]``: ``values[b, t, actions[b, t]]``.
    """
    E.check_rank("get_values_for_actions", "values_for_all_actions", values_for_all_actions, 3)
    E.check_rank("get_values_for_actions", "actions", actions, 2)
    out = E._core.node("values_for_actions", [E.as_node(values_for_all_actions), E.as_node(actions, "int32")])
    return E.finish(out, E.is_symbolic(values_for_all_actions, actions))


def get_mask_by_eos(is_eos):
    """Mask of the ticks up to and including the first end-of-sequence tick.

    Parameters
    ----------
    is_eos : int/bool ``[batch, tick]``
        1 where the sequence ends.

    Returns
    -------
    bool ``[batch, tick]``
        1 where there is no end-of-sequence strictly before the tick (the seed returned uint8).
    """
    E.check_rank("get_mask_by_eos", "is_eos", is_eos, 2)
    return E.finish(E._core.node("mask_by_eos", [E.as_node(is_eos)]), E.is_symbolic(is_eos))


def _state_values(fn, state_values):
    if E.ndim(state_values) == 3:
        warnings.warn(f"{fn}: state_values of rank 3 are taken as [:, :, 0]", stacklevel=3)
        state_values = state_values[:, :, 0]
    return E.check_rank(fn, "state_values", state_values, 2)


def _after_end(fn, name, value):
    if E.is_default(value, "zeros"):
        return None
    return E.check_rank(fn, name, value, (1, 2))


def _reference(fn, state_values, rewards, is_alive, n_steps, gamma_or_gammas, crop_last, state_values_after_end,
               end_at_tmax, is_truncated):
    state_values = _state_values(fn, state_values)
    E.check_rank(fn, "rewards", rewards, 2)
    inputs = {"state_values": state_values, "rewards": rewards}
    if not E.is_default(is_alive, "always"):
        inputs["is_alive"] = E.check_rank(fn, "is_alive", is_alive, 2)
    inputs["state_values_after_end"] = _after_end(fn, "state_values_after_end", state_values_after_end)
    if is_truncated is not None:
        inputs["is_truncated"] = E.check_rank(fn, "is_truncated", is_truncated, 2)
    attrs = {"crop_last": bool(crop_last), "end_at_tmax": bool(end_at_tmax)}
    E.steps_attr("n_steps", n_steps, inputs, attrs)
    E.gamma_attr(gamma_or_gammas, inputs, attrs)
    out = E.node("value_reference", inputs, attrs)
    return E.finish(out, E.is_symbolic(*inputs.values()))


def get_n_step_value_reference(state_values, rewards, is_alive="always", n_steps=None, gamma_or_gammas=0.99,
                               crop_last=True, state_values_after_end="zeros", end_at_tmax=False, force_n_step=False,
                               is_truncated=None):
    """The n-step TD reference for state values, in one engine pass over the ticks.

    ``Vref[t] = r[t] + gamma*r[t+1] + ... + gamma^k * V[t+k]``: every n-th tick (counted back from the last
    computed one) bootstraps ``r + gamma * V_next``; the ticks before it propagate ``r + gamma * Vref_next``,
    accumulating 2..n rewards ("A3C-style" 1..n lookahead). Session ends cut propagation (reward only).

    Parameters
    ----------
    state_values : float ``[batch, tick]``
        Predicted V(s) (for Q-learning the max over Q-values). ``[batch, tick, 1]`` is taken as ``[:, :, 0]`` with a
        warning.
    rewards : float ``[batch, tick]``
        Rewards for the actions taken at each tick.
    is_alive : ``[batch, tick]`` of 0/1, or "always"
        Whether the session runs at each tick; ticks after an end get unspecified values (mask them).
    n_steps : int, None or symbolic int
        Lookahead; None propagates over the whole window and bootstraps once, at the last computed tick.
    gamma_or_gammas : float, ``[batch]`` or ``[batch, tick]``
        Discount; ``gamma[:, t]`` discounts what follows tick t.
    crop_last : bool
        If True, the last tick is not computed: its reference is its own prediction ``V[:, -1]``, and tick
        ``T-2`` bootstraps from it.
    state_values_after_end : float ``[batch, 1]`` or "zeros"
        V after the last tick, used when ``crop_last=False``.
    end_at_tmax : bool
        If True, a session without an end in the window ends at the last tick.
    force_n_step : bool
        Accepted for compatibility: the 1-step reference is this same op with ``n_steps=1``, so results are equal.
    is_truncated : ``[batch, tick]`` of 0/1, optional (beyond the seed)
        1 where a time limit cut the session: that tick bootstraps from the next tick's value (the final
        observation's) instead of ending, and earlier ticks propagate into it; it wins over an alive→dead
        transition on the same tick. None reproduces the seed exactly.

    Returns
    -------
    float ``[batch, tick]``

    Notes
    -----
    **Differs from the 2017 code on purpose.** It aligned blocks with ``((T-1-t) + crop_last) % n == 0``; with
    ``crop_last=True`` and n >= 3 that left the ticks between the last boundary and T-2 without any bootstrap
    (they summed rewards to the window's end as if it were terminal), contrary to its own docs. Blocks here are
    counted back from the last computed tick (T-2 with ``crop_last``, else T-1), so it always bootstraps from
    the prediction after it. Both agree for n = 1, n = 2, None, and for every n when ``crop_last=False``.

    Examples
    --------
    >>> get_n_step_value_reference(np.float32([[10, 20, 30, 40, 50, 60]]), np.float32([[1, 2, 3, 4, 5, 6]]),
    ...                            n_steps=2, gamma_or_gammas=0.5)
    array([[11. , 13.5, 23. , 21.5, 35. , 60. ]], dtype=float32)
    """
    return _reference("get_n_step_value_reference", state_values, rewards, is_alive, n_steps, gamma_or_gammas,
                      crop_last, state_values_after_end, end_at_tmax, is_truncated)


def get_1_step_value_reference(state_values, rewards, is_alive="always", gamma_or_gammas=0.99, crop_last=True,
                               state_values_after_end="zeros", end_at_tmax=False, is_truncated=None):
    """The 1-step TD reference ``Vref = r + gamma * V_next * (1 - is_end)``.

    Parameters and shapes as :func:`get_n_step_value_reference` (it is that op with ``n_steps=1``); with
    ``crop_last``, ``Vref[:, -1] = V[:, -1]``.

    Returns
    -------
    float ``[batch, tick]``
    """
    return _reference("get_1_step_value_reference", state_values, rewards, is_alive, 1, gamma_or_gammas,
                      crop_last, state_values_after_end, end_at_tmax, is_truncated)
