"""``agentnet.learning.sarsa``: n-step on-policy SARSA (state, action, reward, state', action'). For off-policy
expected-value SARSA use :mod:`agentnet.learning.qlearning` with ``state_values_target``."""
from .. import objectives
from . import _engine as E

__all__ = ["get_elementwise_objective"]


def get_elementwise_objective(qvalues, actions, rewards, is_alive="always", qvalues_target=None, n_steps=1,
                              gamma_or_gammas=0.99, crop_last=True, state_values_target_after_end="zeros",
                              consider_reference_constant=True, force_end_at_last_tick=False, return_reference=False,
                              loss_function=objectives.squared_error, is_truncated=None):
    """Per-tick loss between Q(s, a) and the n-step SARSA reference.

    ``Qref(s_t, a_t) = r_t + gamma*r_{t+1} + ... + gamma^n * Q_target(s_{t+n}, a_{t+n})`` with the action taken
    at ``t+n``; ``loss = loss_function(Qref, Q(s_t, a_t)) * is_alive``.

    Parameters
    ----------
    qvalues : float ``[batch, tick, action]``
    actions : int ``[batch, tick]``
    rewards : float ``[batch, tick]``
    is_alive : ``[batch, tick]`` of 0/1, or "always"
    qvalues_target : float ``[batch, tick, action]``, optional
        Q-values for the reference (a target network); defaults to ``qvalues``.
    n_steps : int, None or symbolic int
        1 (default) is ordinary SARSA; None propagates over the whole window.
    gamma_or_gammas : float, ``[batch]`` or ``[batch, tick]``
    crop_last : bool
        If True, the last tick's loss is zero.
    state_values_target_after_end : float ``[batch, 1]`` or "zeros"
    consider_reference_constant : bool
    force_end_at_last_tick : bool
    return_reference : bool
    loss_function : callable ``(reference, predicted) -> expression``
    is_truncated : ``[batch, tick]`` of 0/1, optional

    Returns
    -------
    float ``[batch, tick]``: the elementwise loss (or the reference).

    Examples
    --------
    >>> q = np.float32([[[1, 2], [3, 4], [5, 6], [7, 8]]])
    >>> get_elementwise_objective(q, np.int32([[0, 1, 0, 1]]), np.ones((1, 4)), gamma_or_gammas=0.5, return_reference=True)
    array([[3. , 3.5, 5. , 8. ]], dtype=float32)
    """
    fn = "sarsa.get_elementwise_objective"
    inputs = {"qvalues": E.check_rank(fn, "qvalues", qvalues, 3), "actions": E.check_rank(fn, "actions", actions, 2),
              "rewards": E.check_rank(fn, "rewards", rewards, 2)}
    if qvalues_target is not None:
        inputs["qvalues_target"] = E.check_rank(fn, "qvalues_target", qvalues_target, 3)
    return E.td_objective("sarsa", fn, inputs, ("state_values_target_after_end", state_values_target_after_end),
                          is_alive=is_alive, is_truncated=is_truncated, n_steps=n_steps,
                          gamma_or_gammas=gamma_or_gammas, crop_last=crop_last,
                          consider_reference_constant=consider_reference_constant,
                          force_end_at_last_tick=force_end_at_last_tick, loss_function=loss_function,
                          return_reference=return_reference)
