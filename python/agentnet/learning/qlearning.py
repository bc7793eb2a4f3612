"""``agentnet.learning.qlearning``: n-step Q-learning for discrete actions, with any state-value function
(max Q, double Q-learning, expected SARSA, Boltzmann...) through ``state_values_target``."""
from .. import objectives
from . import _engine as E

__all__ = ["get_elementwise_objective"]


def get_elementwise_objective(qvalues, actions, rewards, is_alive="always", qvalues_target=None,
                              state_values_target=None, n_steps=1, gamma_or_gammas=0.99, crop_last=True,
                              state_values_target_after_end="zeros", consider_reference_constant=True,
                              aggregation_function="deprecated", force_end_at_last_tick=False, return_reference=False,
                              loss_function=objectives.squared_error, is_truncated=None):
    """Per-tick loss between Q(s, a) and the n-step Q-learning reference.

    ``Qref(s_t, a_t) = r_t + gamma*r_{t+1} + ... + gamma^n * max_a Q_target(s_{t+n}, a)``;
    ``loss = loss_function(Qref, Q(s_t, a_t)) * is_alive``.

    Parameters
    ----------
    qvalues : float ``[batch, tick, action]``
        Predicted Q-values.
    actions : int ``[batch, tick]``
        Committed actions.
    rewards : float ``[batch, tick]``
        Immediate rewards for the actions.
    is_alive : ``[batch, tick]`` of 0/1, or "always"
        Whether the session is active at each tick.
    qvalues_target : float ``[batch, tick, action]``, optional
        Q-values for the reference (e.g. a target network); defaults to ``qvalues``.
    state_values_target : float ``[batch, tick]`` (or ``[batch, tick, 1]``), optional
        V(s) for the reference instead of ``max_a qvalues_target`` (double Q-learning, expected SARSA, a teacher).
        Give this or ``qvalues_target``, not both.
    n_steps : int, None or symbolic int
        1 (default) is ordinary Q-learning; None propagates rewards over the whole window.
    gamma_or_gammas : float, ``[batch]`` or ``[batch, tick]``
        Discount; ``gamma[:, t]`` discounts what follows tick t.
    crop_last : bool
        If True, the last tick's loss is zero (its reference is its own Q(s, a)).
    state_values_target_after_end : float ``[batch, 1]`` or "zeros"
        V after the last tick, used when ``crop_last=False``.
    consider_reference_constant : bool
        If True (recommended), no gradient flows through the reference.
    aggregation_function : "deprecated"
        Anything else raises NotImplementedError, as in the seed; use ``state_values_target``.
    force_end_at_last_tick : bool
        If True, sessions that did not end inside the window end at its last tick.
    return_reference : bool
        If True, returns the reference Q-values instead of the loss.
    loss_function : callable ``(reference, predicted) -> expression``
        Default squared error ``(ref - Q)**2``; ``agentnet.objectives.huber_loss`` also runs in the engine; any
        other function of two expressions is applied to the engine's reference and Q(s, a).
    is_truncated : ``[batch, tick]`` of 0/1, optional
        Time-limit truncation (see :func:`agentnet.learning.generic.get_n_step_value_reference`).

    Returns
    -------
    float ``[batch, tick]``
        The elementwise loss (or the reference); reduce it yourself, e.g. ``loss.sum() / is_alive.sum()``.
        numpy in, numpy out; symbolic in, symbolic out.

    Examples
    --------
    >>> q = np.float32([[[1, 2], [3, 4], [5, 6], [7, 8]]])
    >>> get_elementwise_objective(q, np.int32([[0, 1, 0, 1]]), np.ones((1, 4)), gamma_or_gammas=0.5)
    array([[4., 0., 0., 0.]], dtype=float32)
    """
    fn = "qlearning.get_elementwise_objective"
    if aggregation_function != "deprecated":
        raise NotImplementedError("aggregation_function is deprecated: pass state_values_target instead, e.g. "
                                  "the expected value of Q under your policy")
    if qvalues_target is not None and state_values_target is not None:
        raise ValueError(f"{fn}: give qvalues_target or state_values_target, not both")
    inputs = {"qvalues": E.check_rank(fn, "qvalues", qvalues, 3), "actions": E.check_rank(fn, "actions", actions, 2),
              "rewards": E.check_rank(fn, "rewards", rewards, 2)}
    if qvalues_target is not None:
        inputs["qvalues_target"] = E.check_rank(fn, "qvalues_target", qvalues_target, 3)
    if state_values_target is not None:
        inputs["state_values_target"] = E.check_rank(fn, "state_values_target", state_values_target, (2, 3))
    return E.td_objective("qlearning", fn, inputs, ("state_values_target_after_end", state_values_target_after_end),
                          is_alive=is_alive, is_truncated=is_truncated, n_steps=n_steps,
                          gamma_or_gammas=gamma_or_gammas, crop_last=crop_last,
                          consider_reference_constant=consider_reference_constant,
                          force_end_at_last_tick=force_end_at_last_tick, loss_function=loss_function,
                          return_reference=return_reference)
