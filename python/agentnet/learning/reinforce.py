"""``agentnet.learning.reinforce``: REINFORCE (Williams 1992) with an optional baseline."""
from . import _engine as E

__all__ = ["get_elementwise_objective"]


def get_elementwise_objective(policy, actions, rewards, is_alive="always", baseline="zeros", gamma_or_gammas=0.99,
                              crop_last=True, treat_policy_as_logpolicy=False, is_truncated=None):
    """Per-tick loss ``-log pi(a|s) * (G - baseline) * is_alive`` with the return ``G`` held constant.

    ``G[t] = r[t] + gamma*r[t+1] + ...`` to the session's end (or the window's last tick). With the default
    ``crop_last=True`` the last tick is not computed, so (as in the seed) its reward is dropped from every return.

    Parameters
    ----------
    policy : float ``[batch, tick, action]`` or ``[batch, tick]``
        Probabilities of all actions, or of the chosen ones.
    actions : int ``[batch, tick]``
    rewards : float ``[batch, tick]``
    is_alive : ``[batch, tick]`` of 0/1, or "always"
    baseline : float ``[batch, tick]`` or "zeros"
        Subtracted from the return (e.g. predicted V(s)); no gradient flows into it.
    gamma_or_gammas : float, ``[batch]`` or ``[batch, tick]``
    crop_last : bool
    treat_policy_as_logpolicy : bool
        If True, ``policy`` holds log-probabilities.
    is_truncated : ``[batch, tick]`` of 0/1, optional
        Truncated ticks bootstrap from zero values, i.e. the return stops there without being a termination.

    Returns
    -------
    float ``[batch, tick]``

    Examples
    --------
    >>> pi = np.full((1, 6, 1), np.float32(np.exp(-1)))
    >>> get_elementwise_objective(pi, np.zeros((1, 6), np.int32), np.float32([[1, 2, 3, 4, 5, 6]]), gamma_or_gammas=0.5)
    array([[3.5625, 5.125 , 6.25  , 6.5   , 5.    , 0.    ]], dtype=float32)
    """
    fn = "reinforce.get_elementwise_objective"
    inputs = {"policy": E.check_rank(fn, "policy", policy, (2, 3)), "actions": E.check_rank(fn, "actions", actions, 2),
              "rewards": E.check_rank(fn, "rewards", rewards, 2)}
    if not E.is_default(baseline, "zeros"):
        inputs["baseline"] = E.check_rank(fn, "baseline", baseline, (2, 3))
    E.common_inputs(fn, inputs, is_alive, is_truncated, None, None)
    attrs = {"crop_last": bool(crop_last), "treat_policy_as_logpolicy": bool(treat_policy_as_logpolicy)}
    E.gamma_attr(gamma_or_gammas, inputs, attrs)
    outs = E.build_objective("reinforce", inputs, attrs)
    return E.finish(outs[0], E.is_symbolic(*inputs.values()))
