"""``agentnet.learning.a2c``: advantage actor-critic (A2C/A3C, arXiv:1602.01783) with k-step advantages
(arXiv:1506.02438). The agent outputs action probabilities (or log-probabilities) and state values."""
from .. import objectives
from . import _engine as E
from .generic import _state_values

__all__ = ["get_elementwise_objective"]


def get_elementwise_objective(policy, state_values, actions, rewards, is_alive="always", state_values_target=None,
                              n_steps=1, n_steps_advantage="same", gamma_or_gammas=0.99, crop_last=True,
                              state_values_target_after_end="zeros", state_values_after_end="zeros",
                              consider_value_reference_constant=True, force_end_at_last_tick=False,
                              return_separate=False, treat_policy_as_logpolicy=False,
                              loss_function=objectives.squared_error, is_truncated=None):
    """Per-tick actor and critic losses.

    ``L_actor = -log pi(a|s) * A(s, a)`` with ``A = Vref_adv - V`` held constant (``Vref_adv`` the n-step
    reference of the current V with ``n_steps_advantage``); ``L_critic = loss_function(Vref, V) * is_alive``
    with ``Vref`` the n-step reference of ``state_values_target`` (default the current V). No entropy term.

    Parameters
    ----------
    policy : float ``[batch, tick, action]`` or ``[batch, tick]``
        Probabilities of all actions, or of the chosen actions only.
    state_values : float ``[batch, tick]`` (``[batch, tick, 1]`` is squeezed with a warning)
    actions : int ``[batch, tick]``
    rewards : float ``[batch, tick]``
    is_alive : ``[batch, tick]`` of 0/1, or "always"
    state_values_target : float ``[batch, tick]``, optional
        Values for the critic's reference (an older snapshot); defaults to ``state_values``.
    n_steps : int, None or symbolic int
        Lookahead of the critic's reference; 1 is one-step TD, None the whole session.
    n_steps_advantage : "same", int, None or symbolic int
        Lookahead of the advantage; "same" uses ``n_steps``.
    gamma_or_gammas : float, ``[batch]`` or ``[batch, tick]``
    crop_last : bool
        If True, the last tick is not computed (advantage 0 there; the critic's reference is the target's own value).
    state_values_target_after_end, state_values_after_end : float ``[batch, 1]`` or "zeros"
        The target's and the current values after the last tick (critic and advantage references).
    consider_value_reference_constant : bool
        If True, no critic gradient flows through its reference.
    force_end_at_last_tick : bool
    return_separate : bool
        If True, returns ``(actor_loss, critic_loss)`` instead of their sum.
    treat_policy_as_logpolicy : bool
        If True, ``policy`` holds log-probabilities (numerically safer).
    loss_function : callable ``(reference, predicted) -> expression``
        The critic's loss; default squared error.
    is_truncated : ``[batch, tick]`` of 0/1, optional

    Returns
    -------
    float ``[batch, tick]`` (actor + critic), or a tuple of both with ``return_separate``.

    Examples
    --------
    >>> pi = np.float32([[[.5, .5], [.25, .75], [.9, .1], [.5, .5]]])
    >>> actor, critic = get_elementwise_objective(pi, np.float32([[1, 2, 3, 4]]), np.int32([[0, 1, 0, 1]]),
    ...                                           np.ones((1, 4)), gamma_or_gammas=0.5, return_separate=True)
    >>> critic
    array([[1.  , 0.25, 0.  , 0.  ]], dtype=float32)
    """
    fn = "a2c.get_elementwise_objective"
    state_values = _state_values(fn, state_values)
    inputs = {"policy": E.check_rank(fn, "policy", policy, (2, 3)), "state_values": state_values,
              "actions": E.check_rank(fn, "actions", actions, 2), "rewards": E.check_rank(fn, "rewards", rewards, 2)}
    if state_values_target is not None:
        inputs["state_values_target"] = _state_values(fn, state_values_target)
    E.common_inputs(fn, inputs, is_alive, is_truncated, "state_values_target_after_end", state_values_target_after_end)
    E.common_inputs(fn, inputs, "always", None, "state_values_after_end", state_values_after_end)
    attrs = {"crop_last": bool(crop_last), "consider_value_reference_constant": bool(consider_value_reference_constant),
             "force_end_at_last_tick": bool(force_end_at_last_tick), "return_separate": bool(return_separate),
             "treat_policy_as_logpolicy": bool(treat_policy_as_logpolicy)}
    E.steps_attr("n_steps", n_steps, inputs, attrs)
    if not E.is_default(n_steps_advantage, "same"):
        E.steps_attr("n_steps_advantage", n_steps_advantage, inputs, attrs)
    E.gamma_attr(gamma_or_gammas, inputs, attrs)
    symbolic = E.is_symbolic(*inputs.values())
    name = E.loss_attr(loss_function, attrs)
    outs = E.build_objective("a2c", inputs, attrs)
    if name is not None:
        return E.finish(tuple(outs) if return_separate else outs[0], symbolic)
    actor = outs[0]
    critic = E.apply_loss(loss_function, outs[1], E.as_node(state_values), is_alive)
    return E.finish((actor, critic) if return_separate else actor + critic, symbolic)
