"""agentnet.learning objectives: the worked examples of reference §2.5-2.9, eager == symbolic, gradients
(constant vs differentiable references, A2C actor and critic), loss functions and bad inputs."""
import numpy as np
import pytest

import agentnet
from agentnet import objectives
from agentnet import tensor as T
from agentnet.learning import a2c, dpg, qlearning, reinforce, sarsa

Q = np.float32([[[1, 2], [3, 4], [5, 6], [7, 8]]])
A = np.int32([[0, 1, 0, 1]])
ONE = np.ones((1, 4), np.float32)
PI = np.float32([[[.5, .5], [.25, .75], [.9, .1], [.5, .5]]])
VS = np.float32([[1, 2, 3, 4]])


@pytest.mark.parametrize("n, expected", [(1, [3, 4, 5, 8]), (2, [3, 3.5, 5, 8]), (None, [2.75, 3.5, 5, 8])])
def test_qlearning_reference_examples(n, expected):
    ref = qlearning.get_elementwise_objective(Q, A, ONE, n_steps=n, gamma_or_gammas=0.5, return_reference=True)
    np.testing.assert_array_equal(ref, [expected])


def test_qlearning_loss_example():
    np.testing.assert_array_equal(qlearning.get_elementwise_objective(Q, A, ONE, gamma_or_gammas=0.5), [[4, 0, 0, 0]])


def test_qlearning_targets():
    target = Q + 1
    ref = qlearning.get_elementwise_objective(Q, A, ONE, qvalues_target=target, gamma_or_gammas=0.5, return_reference=True)
    np.testing.assert_array_equal(ref, [[3.5, 4.5, 5.5, 8]])
    ref = qlearning.get_elementwise_objective(Q, A, ONE, state_values_target=np.float32([[0, 2, 4, 6]]),
                                              gamma_or_gammas=0.5, return_reference=True)
    np.testing.assert_array_equal(ref, [[2, 3, 4, 8]])
    ref = qlearning.get_elementwise_objective(Q, A, ONE, gamma_or_gammas=0.5, crop_last=False, return_reference=True,
                                              state_values_target_after_end=np.float32([[10]]))
    np.testing.assert_array_equal(ref, [[3, 4, 5, 6]])


def test_qlearning_is_alive_masks_the_loss():
    alive = np.float32([[1, 1, 0, 0]])
    loss = qlearning.get_elementwise_objective(Q, A, ONE, is_alive=alive, gamma_or_gammas=0.5)
    # tick 1 is the end: reference = reward only = 1, Q(s,a) = 4.
    np.testing.assert_array_equal(loss, [[4, 9, 0, 0]])


def test_sarsa_reference_example():
    ref = sarsa.get_elementwise_objective(Q, A, ONE, gamma_or_gammas=0.5, return_reference=True)
    np.testing.assert_array_equal(ref, [[3, 3.5, 5, 8]])
    np.testing.assert_array_equal(sarsa.get_elementwise_objective(Q, A, ONE, gamma_or_gammas=0.5), [[4, 0.25, 0, 0]])


def test_a2c_examples():
    actor, critic = a2c.get_elementwise_objective(PI, VS, A, ONE, gamma_or_gammas=0.5, return_separate=True)
    np.testing.assert_allclose(actor, [[0.6931, 0.1438, 0, 0]], atol=1e-4)
    np.testing.assert_array_equal(critic, [[1, 0.25, 0, 0]])
    actor, critic = a2c.get_elementwise_objective(PI, VS, A, ONE, n_steps=None, gamma_or_gammas=0.5, return_separate=True)
    np.testing.assert_allclose(actor, [[0.8664, 0.1438, 0, 0]], atol=1e-4)
    np.testing.assert_array_equal(critic, [[1.5625, 0.25, 0, 0]])
    _, critic = a2c.get_elementwise_objective(PI, VS, A, ONE, state_values_target=VS + 10, gamma_or_gammas=0.5,
                                              return_separate=True)
    np.testing.assert_array_equal(critic, [[36, 30.25, 25, 100]])
    total = a2c.get_elementwise_objective(PI, VS, A, ONE, gamma_or_gammas=0.5)
    np.testing.assert_allclose(total, [[1.6931, 0.3938, 0, 0]], atol=1e-4)
    log_actor, _ = a2c.get_elementwise_objective(np.log(PI), VS, A, ONE, gamma_or_gammas=0.5, return_separate=True,
                                                 treat_policy_as_logpolicy=True)
    np.testing.assert_allclose(log_actor, [[0.6931, 0.1438, 0, 0]], atol=1e-4)
    chosen, _ = a2c.get_elementwise_objective(np.float32([[.5, .75, .9, .5]]), VS, A, ONE, gamma_or_gammas=0.5,
                                              return_separate=True)
    np.testing.assert_allclose(chosen, [[0.6931, 0.1438, 0, 0]], atol=1e-4)


def test_a2c_separate_advantage_steps():
    actor, _ = a2c.get_elementwise_objective(PI, VS, A, ONE, n_steps=1, n_steps_advantage=None, gamma_or_gammas=0.5,
                                             return_separate=True)
    np.testing.assert_allclose(actor, [[0.8664, 0.1438, 0, 0]], atol=1e-4)


def test_reinforce_examples():
    r = np.float32([[1, 2, 3, 4, 5, 6]])
    logpi = np.full((1, 6), -1, np.float32)  # chosen-action log-probabilities: loss = G - baseline
    a = np.zeros((1, 6), np.int32)
    np.testing.assert_array_equal(reinforce.get_elementwise_objective(logpi, a, r, gamma_or_gammas=0.5,
                                                                      treat_policy_as_logpolicy=True),
                                  [[3.5625, 5.125, 6.25, 6.5, 5, 0]])
    np.testing.assert_array_equal(reinforce.get_elementwise_objective(logpi, a, r, gamma_or_gammas=0.5, crop_last=False,
                                                                      treat_policy_as_logpolicy=True),
                                  [[3.75, 5.5, 7, 8, 8, 6]])
    np.testing.assert_array_equal(reinforce.get_elementwise_objective(logpi, a, r, gamma_or_gammas=0.5, crop_last=False,
                                                                      baseline=np.ones((1, 6)), treat_policy_as_logpolicy=True),
                                  [[2.75, 4.5, 6, 7, 7, 5]])


def test_dpg_critic_example():
    qa, v = np.float32([[1, 4, 5, 8]]), np.float32([[2, 4, 6, 8]])
    ref = dpg.get_elementwise_objective_critic(qa, v, ONE, gamma_or_gammas=0.5, return_reference=True)
    np.testing.assert_array_equal(ref, [[3, 4, 5, 8]])
    np.testing.assert_array_equal(dpg.get_elementwise_objective_critic(qa, v, ONE, gamma_or_gammas=0.5), [[4, 0, 0, 0]])


# MARK: eager == symbolic

def test_symbolic_results_equal_eager_results():
    rng = np.random.default_rng(0)
    q = rng.normal(size=(3, 8, 4)).astype(np.float32)
    a = rng.integers(0, 4, (3, 8)).astype(np.int32)
    r = rng.normal(size=(3, 8)).astype(np.float32)
    alive = (rng.random((3, 8)) > 0.2).astype(np.float32)
    sq, sa, sr, sal = T.tensor3("q"), T.imatrix("a"), T.matrix("r"), T.matrix("alive")
    for mod in (qlearning, sarsa):
        sym = mod.get_elementwise_objective(sq, sa, sr, sal, n_steps=3, gamma_or_gammas=0.9)
        eager = mod.get_elementwise_objective(q, a, r, alive, n_steps=3, gamma_or_gammas=0.9)
        np.testing.assert_array_equal(agentnet.function([sq, sa, sr, sal], sym)(q, a, r, alive), eager)
    pi = np.exp(q) / np.exp(q).sum(-1, keepdims=True)
    v = rng.normal(size=(3, 8)).astype(np.float32)
    spi, sv = T.tensor3("pi"), T.matrix("v")
    sym = a2c.get_elementwise_objective(spi, sv, sa, sr, sal, n_steps=2, return_separate=True)
    out = agentnet.function([spi, sv, sa, sr, sal], list(sym))(pi, v, a, r, alive)
    for x, y in zip(out, a2c.get_elementwise_objective(pi, v, a, r, alive, n_steps=2, return_separate=True)):
        np.testing.assert_array_equal(x, y)


# MARK: gradients

def _numeric_grad(f, x0, eps=1e-2):
    num = np.zeros_like(x0)
    for i in np.ndindex(x0.shape):
        x = x0.copy()
        x[i] += eps
        plus = float(f(x))
        x[i] -= 2 * eps
        num[i] = (plus - float(f(x))) / (2 * eps)
    return num


def test_qlearning_gradient_flows_only_through_qa_when_reference_is_constant():
    rng = np.random.default_rng(1)
    q0 = (rng.permutation(30).reshape(2, 5, 3) * 0.1).astype(np.float64)  # no ties within eps at the max
    a = rng.integers(0, 3, (2, 5)).astype(np.int32)
    r = rng.normal(size=(2, 5)).astype(np.float32)
    sq = T.tensor3("q")
    for constant in (True, False):
        loss = qlearning.get_elementwise_objective(sq, a, r, n_steps=2, gamma_or_gammas=0.9,
                                                   consider_reference_constant=constant).sum()
        g = agentnet.function([sq], T.grad(loss, sq))(q0)
        ref = qlearning.get_elementwise_objective(q0, a, r, n_steps=2, gamma_or_gammas=0.9, return_reference=True)
        if constant:
            # Finite differences against the Q(s,a) path only: the reference is held at its value.
            qa_only = agentnet.function([sq], objectives.squared_error(ref, _qa(sq, a)).sum())
            expected = _numeric_grad(qa_only, q0)
        else:
            expected = _numeric_grad(agentnet.function([sq], loss), q0)
        np.testing.assert_allclose(g, expected, atol=3e-3, err_msg=f"constant={constant}")
    # The two differ: with False the gradient also reaches the max-Q values of the next ticks.
    gc = agentnet.function([sq], T.grad(qlearning.get_elementwise_objective(sq, a, r, n_steps=2).sum(), sq))(q0)
    gf = agentnet.function([sq], T.grad(qlearning.get_elementwise_objective(sq, a, r, n_steps=2,
                                                                            consider_reference_constant=False).sum(), sq))(q0)
    assert not np.allclose(gc, gf)


def _qa(q, a):
    from agentnet.learning.generic import get_values_for_actions
    return get_values_for_actions(q, a)


def test_a2c_actor_and_critic_gradients():
    pi, v0 = PI.astype(np.float64), VS.astype(np.float64)
    spi, sv = T.tensor3("pi"), T.matrix("v")
    actor, critic = a2c.get_elementwise_objective(spi, sv, A, ONE, gamma_or_gammas=0.5, return_separate=True)
    g_pi_actor, g_v_actor = agentnet.function([spi, sv], T.grad(actor.sum(), [spi, sv], disconnected_inputs="ignore"))(pi, v0)
    g_v_critic = agentnet.function([spi, sv], T.grad(critic.sum(), sv))(pi, v0)
    # actor: d(-log pi_a * A)/d pi_a = -A / pi_a, with A = r + gamma V' - V = [1, .5, 0, 0] held constant.
    adv = np.array([1, 0.5, 0, 0])
    expected = np.zeros_like(pi)
    expected[0, np.arange(4), A[0]] = -adv / pi[0, np.arange(4), A[0]]
    np.testing.assert_allclose(g_pi_actor, expected, rtol=1e-5)
    np.testing.assert_array_equal(g_v_actor, np.zeros_like(v0))
    # critic with a constant reference [2, 2.5, 3, 4]: d(ref - V)^2/dV = -2 (ref - V).
    np.testing.assert_allclose(g_v_critic, [[-2, -1, 0, 0]], atol=1e-6)
    _, critic_free = a2c.get_elementwise_objective(pi, sv, A, ONE, gamma_or_gammas=0.5, return_separate=True,
                                                   consider_value_reference_constant=False)
    g_free = agentnet.function([sv], T.grad(critic_free.sum(), sv))(v0)
    np.testing.assert_allclose(g_free, _numeric_grad(agentnet.function([sv], critic_free.sum()), v0), atol=3e-3)
    assert not np.allclose(g_free, g_v_critic)


# MARK: loss functions, bad inputs

def test_loss_functions():
    huber = qlearning.get_elementwise_objective(Q, A, ONE, gamma_or_gammas=0.5, loss_function=objectives.huber_loss)
    np.testing.assert_array_equal(huber, [[1.5, 0, 0, 0]])
    alive = np.float32([[1, 1, 0, 0]])
    user = qlearning.get_elementwise_objective(Q, A, ONE, alive, gamma_or_gammas=0.5, loss_function=lambda a, b: T.abs(a - b))
    np.testing.assert_array_equal(user, [[2, 3, 0, 0]])
    sq = T.tensor3("q")
    sym = qlearning.get_elementwise_objective(sq, A, ONE, alive, gamma_or_gammas=0.5, loss_function=lambda a, b: T.abs(a - b))
    np.testing.assert_array_equal(agentnet.function([sq], sym)(Q), user)
    actor, critic = a2c.get_elementwise_objective(PI, VS, A, ONE, gamma_or_gammas=0.5, return_separate=True,
                                                  loss_function=lambda a, b: T.abs(a - b))
    np.testing.assert_array_equal(critic, [[1, 0.5, 0, 0]])
    np.testing.assert_allclose(actor, [[0.6931, 0.1438, 0, 0]], atol=1e-4)


def test_bad_inputs():
    with pytest.raises(NotImplementedError):
        qlearning.get_elementwise_objective(Q, A, ONE, aggregation_function=T.max)
    with pytest.raises(ValueError, match="not both"):
        qlearning.get_elementwise_objective(Q, A, ONE, qvalues_target=Q, state_values_target=VS)
    with pytest.raises(ValueError, match="qvalues"):
        qlearning.get_elementwise_objective(Q[0], A, ONE)
    with pytest.raises(ValueError, match="actions"):
        sarsa.get_elementwise_objective(Q, A[0], ONE)
    with pytest.raises(ValueError, match="rewards"):
        dpg.get_elementwise_objective_critic(VS, VS, ONE[0])
    with pytest.raises(ValueError, match="policy"):
        a2c.get_elementwise_objective(PI[0, 0], VS, A, ONE)
    with pytest.raises(ValueError, match="is_alive"):
        reinforce.get_elementwise_objective(PI, A, ONE, is_alive=ONE[0])
    with pytest.raises(ValueError, match="n_steps"):
        qlearning.get_elementwise_objective(Q, A, ONE, n_steps=-1)
    with pytest.raises(ValueError):
        qlearning.get_elementwise_objective(Q, A, np.ones((1, 5)))


def test_naf_sizes_and_objective():
    from agentnet.learning import qlearning_naf
    assert [qlearning_naf.diag_to_tril_size(d) for d in (1, 2, 3, 4)] == [1, 3, 6, 10]
    assert [qlearning_naf.tril_size_to_diag(s) for s in (1, 3, 6, 10)] == [1, 2, 3, 4]
    with pytest.raises(ValueError):
        qlearning_naf.tril_size_to_diag(4)
    qa, v = np.float32([[1, 4, 5, 8]]), np.float32([[2, 4, 6, 8]])
    np.testing.assert_array_equal(qlearning_naf.get_elementwise_objective(qa, v, ONE, gamma_or_gammas=0.5), [[4, 0, 0, 0]])
