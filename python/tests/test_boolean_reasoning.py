"""agentnet.experiments.boolean_reasoning against the reference trace (§4.7): fixed data, scripted actions."""
import numpy as np
import pytest

import agentnet
from agentnet import tensor as T
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from scripted import ACTIONS, ALIVE, ATTRS, CATS, REWARDS, STATES0, scripted_agent


@pytest.fixture
def env():
    e = BooleanReasoningEnvironment()
    e.set_data_batch(ATTRS, CATS)
    return e


def test_attributes_follow_the_seed(env):
    assert env.n_actions == 6 and env.end_action_id == 5
    assert env.feature_names == ["X1", "X2", "X3", "Y1", "Y2", "End_session_now"]
    assert tuple(env.observation_shapes) == (8,) and tuple(env.state_shapes) == (6,)
    f = agentnet.function([], [env.batch_size, env.attributes, env.categories])
    b, a, c = f()
    assert b == 2 and np.array_equal(a, ATTRS) and np.array_equal(c, CATS)
    assert np.array_equal(env.joint_data.get_value(), np.concatenate([ATTRS, CATS, np.zeros((2, 1))], 1))


def test_trace_time_synchronisation_rewards_and_alive(env):
    agent, _ = scripted_agent()
    (states,), obs, hidden, actions, q = agent.get_sessions(env, session_length=5, batch_size=env.batch_size)
    rewards = env.get_reward_sequences(states, actions)
    alive = env.get_whether_alive(obs)
    s, o, h, a, r, al = agentnet.function([], [states, obs, list(hidden.values())[0], actions, rewards, alive])()
    assert s.shape == (2, 5, 6) and o.shape == (2, 5, 8) and a.shape == (2, 5)
    assert np.array_equal(a, ACTIONS)
    assert np.array_equal(s[0], STATES0)                         # env_states[:, t]: the state before action t
    assert not o[:, 0].any()                                     # observations[:, 0]: the initial (zero) one
    assert np.array_equal(o[0, 1], [1, 0, 0, 0, 1, 0, 0, 0])     # saw X3 = 1 after polling it
    assert np.array_equal(h, [[1, 2, 3, 4, 5]] * 2)              # memory after tick t
    assert np.array_equal(r, REWARDS)
    assert np.array_equal(al, ALIVE) and al.dtype == bool


def test_get_reward_per_session_matches_the_sequences(env):
    agent, _ = scripted_agent()
    (states,), _, _, actions, _ = agent.get_sessions(env, session_length=5, batch_size=2)
    per_session = [env.get_reward(states[b], actions[b], b) for b in range(2)]
    batched = env.get_reward([states], [actions], T.arange(2))
    out = agentnet.function([], per_session + [batched])()
    assert np.array_equal(np.stack(out[:2]), REWARDS) and np.array_equal(out[2], REWARDS)
    # rows of the loaded data by batch id: session 0's actions judged on session 1's data
    swapped = agentnet.function([], env.get_reward(states, actions, np.array([1, 0])))()
    assert swapped[0, 0] == -1                                   # X3 of session 1 is 0


def test_generate_new_data_batch(env):
    env.generate_new_data_batch(1000)
    data = env.joint_data.get_value()
    assert data.shape == (1000, 6)
    assert np.array_equal(data[:, 3], data[:, 0]) and np.array_equal(data[:, 4], 1 - data[:, 0])
    assert not data[:, 5].any() and 400 < data[:, :3].sum(0).min() <= data[:, :3].sum(0).max() < 600
    again = BooleanReasoningEnvironment(seed=1337)
    again.generate_new_data_batch(1000)
    assert np.array_equal(again.joint_data.get_value(), data)


def test_bad_data_is_rejected(env):
    with pytest.raises(agentnet.AgentNetError, match="set_data_batch"):
        env.set_data_batch(np.zeros((2, 4)), np.zeros((2, 2)))
    with pytest.raises(agentnet.AgentNetError, match="batch_size"):
        env.generate_new_data_batch(0)
    with pytest.raises(TypeError):
        env.generate_new_data_batch(2.5)
    with pytest.raises(agentnet.AgentNetError, match="get_whether_alive"):
        env.get_whether_alive(T.matrix())


def test_get_action_results_is_the_engine_step(env):
    states, actions = T.matrix(), T.ivector()
    (new,), (obs,) = env.get_action_results([states], [actions])
    n, o = agentnet.function([states, actions], [new, obs])(np.zeros((2, 6)), np.array([0, 5]))
    assert np.array_equal(n, [[1, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1]])
    assert np.array_equal(o[:, :2], [[0, 0], [0, 1]])
