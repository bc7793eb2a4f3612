"""``agentnet.learning.dpg``: the deterministic policy gradient critic (also NAF's objective).

There is no actor objective, as in the seed: the actor maximises Q(s, mu(s)); build it by applying the critic to
the policy's actions (e.g. ``agentnet.utils.clone`` with shared parameters) and minimising ``-Q``.
"""
from .. import objectives
from . import _engine as E

__all__ = ["get_elementwise_objective_critic"]


def get_elementwise_objective_critic(action_qvalues, state_values, rewards, is_alive="always", n_steps=1,
                                     gamma_or_gammas=0.99, crop_last=True, state_values_after_end="zeros",
                                     force_end_at_last_tick=False, consider_reference_constant=True,
                                     return_reference=False, loss_function=objectives.squared_error,
                                     scan_dependencies=(), scan_strict=True, is_truncated=None):
    """Per-tick loss between Q(s, a) and the n-step reference ``r + gamma*r' + ... + gamma^n * V(s_{t+n})``.

    Parameters
    ----------
    action_qvalues : float ``[batch, tick]``
        Predicted Q(s, a) of the actions taken.
    state_values : float ``[batch, tick]``
        Predicted V(s) (Q of the best action; NAF's state value).
    rewards : float ``[batch, tick]``
    is_alive : ``[batch, tick]`` of 0/1, or "always"
    n_steps : int, None or symbolic int
    gamma_or_gammas : float, ``[batch]`` or ``[batch, tick]``
    crop_last : bool
        If True, the last tick's loss is zero.
    state_values_after_end : float ``[batch, 1]`` or "zeros"
    force_end_at_last_tick : bool
    consider_reference_constant : bool
    return_reference : bool
    loss_function : callable ``(reference, predicted) -> expression``
    scan_dependencies, scan_strict
        Accepted for compatibility; unused (there is no scan).
    is_truncated : ``[batch, tick]`` of 0/1, optional

    Returns
    -------
    float ``[batch, tick]``: the elementwise loss (or the reference).
    """
    fn = "dpg.get_elementwise_objective_critic"
    inputs = {"action_qvalues": E.check_rank(fn, "action_qvalues", action_qvalues, 2),
              "state_values": E.check_rank(fn, "state_values", state_values, 2),
              "rewards": E.check_rank(fn, "rewards", rewards, 2)}
    return E.td_objective("dpg_critic", fn, inputs, ("state_values_after_end", state_values_after_end),
                          is_alive=is_alive, is_truncated=is_truncated, n_steps=n_steps,
                          gamma_or_gammas=gamma_or_gammas, crop_last=crop_last,
                          consider_reference_constant=consider_reference_constant,
                          force_end_at_last_tick=force_end_at_last_tick, loss_function=loss_function,
                          return_reference=return_reference)
