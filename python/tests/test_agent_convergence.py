"""The seed's test_convergence: an RNN agent learns BooleanReasoning with Q-learning (1 and 3 steps) and SARSA on
active get_sessions rollouts, trained with Adam; the greedy policy's mean reward must exceed 2 (optimum 3)."""
import time

import numpy as np
import pytest

import agentnet
from agentnet import updates
from agentnet.agent import Agent
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from agentnet.layers import DenseLayer, InputLayer
from agentnet.learning import qlearning, sarsa
from agentnet.memory import RNNCell
from agentnet.resolver import EpsilonGreedyResolver


# Adam's step and the number of parallel games per case: 1-step Q-learning bootstraps on max_a Q and, with Adam at
# the step that suits SARSA and 3-step Q-learning (0.01), settles on ending at once (greedy reward 0); a smaller step
# on a larger batch converges.
@pytest.mark.parametrize("algo, n_steps, learning_rate, n_parallel_games",
                         [(qlearning, 1, 5e-4, 100), (sarsa, 1, 0.01, 25), (qlearning, 3, 0.01, 25)],
                         ids=["qlearning-1", "sarsa-1", "qlearning-3"])
def test_reasoning_value_based(algo, n_steps, learning_rate, n_parallel_games):
    agentnet.init.set_rng(np.random.RandomState(0))
    env = BooleanReasoningEnvironment(seed=42)
    observation_layer = InputLayer((None,) + tuple(env.observation_shapes), name="observation_input")
    prev_state_layer = InputLayer([None, 64], name="prev_state_input")
    rnn = RNNCell(prev_state_layer, observation_layer, name="rnn0")
    q_values = DenseLayer(rnn, num_units=env.n_actions, nonlinearity=None, name="QEvaluator")
    epsilon = agentnet.shared(np.float32(0.1), name="e-greedy.epsilon")
    resolver = EpsilonGreedyResolver(q_values, epsilon=epsilon, seed=7, name="resolver")
    agent = Agent(observation_layer, agent_states={rnn: prev_state_layer}, policy_estimators=q_values,
                  action_layers=resolver)
    weights = agentnet.layers.get_all_params(resolver, trainable=True)

    (state_seq,), observation_seq, agent_state, action_seq, qvalues_seq = agent.get_sessions(
        env, session_length=10, batch_size=env.batch_size)
    rewards_seq = env.get_reward_sequences(state_seq, action_seq)
    is_alive_seq = env.get_whether_alive(observation_seq)
    kwargs = {"n_steps": n_steps} if algo is qlearning else {}
    error = algo.get_elementwise_objective(qvalues_seq, action_seq, rewards_seq, is_alive_seq, gamma_or_gammas=0.99,
                                           **kwargs)
    loss = error.sum(axis=1).mean()
    train_fun = agentnet.function([], [loss], updates=updates.adam(loss, weights, learning_rate=learning_rate))
    mean_session_reward = agentnet.function([], rewards_seq.sum(axis=1).mean())

    start, reached = time.time(), None
    for epoch in range(5000):
        epsilon.set_value(np.float32(0.05 + 0.95 * np.exp(-epoch / 2500.)))
        env.generate_new_data_batch(n_parallel_games)
        train_fun()
        if epoch % 100 == 0:
            epsilon.set_value(np.float32(0))
            env.generate_new_data_batch(200)
            greedy = float(mean_session_reward())
            if greedy > 2:
                reached = epoch
                break
    elapsed = time.time() - start
    print(f"\n{algo.__name__.split('.')[-1]} n_steps={n_steps}: greedy reward {greedy:.2f} > 2 at epoch {reached} "
          f"({elapsed:.1f} s)")
    assert reached is not None, f"diverged: greedy reward {greedy:.2f} after 5000 epochs"
