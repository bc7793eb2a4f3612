"""agentnet.environment: BaseEnvironment (Python subclasses, shapes, as_layers), BaseObjective, and the replay
environments SessionPoolEnvironment / SessionBatchEnvironment."""
import numpy as np
import pytest

import agentnet
from agentnet import tensor as T
from agentnet.agent import Agent
from agentnet.environment import (BaseEnvironment, BaseObjective, EnvironmentStepLayer, SessionBatchEnvironment,
                                  SessionPoolEnvironment)
from agentnet.layers import DenseLayer, InputLayer, get_output
from agentnet.memory import RNNCell
from agentnet.resolver import EpsilonGreedyResolver
from scripted import scripted_agent


def sessions(n, t=3, first=0.0, obs_size=4):
    """n sessions of t ticks whose rewards are first, first + 1, ... per session."""
    rewards = (first + np.arange(n, dtype=np.float32))[:, None].repeat(t, 1)
    obs = rewards[:, :, None].repeat(obs_size, 2)
    actions = np.arange(n * t, dtype=np.int32).reshape(n, t) % 6
    return obs, actions, rewards


def small_pool(memories=0, **kw):
    return SessionPoolEnvironment(observations=[InputLayer((None, 4))], actions=1, agent_memories=memories, **kw)


def test_new_pool_is_empty_and_sampling_it_raises():
    pool = small_pool()
    assert len(pool) == 0
    assert pool.observations[0].get_value().shape == (0, 0, 4)
    batch = pool.sample_session_batch(3)
    f = agentnet.function([], batch.rewards)
    with pytest.raises(agentnet.AgentNetError, match="session pool is empty"):
        f()
    pool.load_sessions(*sessions(2))
    assert f().shape == (2, 3)


def test_load_and_attributes():
    pool = small_pool()
    obs, actions, rewards = sessions(5)
    pool.load_sessions([obs], [actions], rewards)
    assert len(pool) == 5
    assert np.array_equal(pool.rewards.get_value(), rewards) and np.array_equal(pool.actions[0].get_value(), actions)
    assert pool.is_alive.get_value().all() and not pool.is_truncated.get_value().any()
    assert pool.is_alive.dtype == "bool" and pool.actions[0].dtype == "int32"
    n, t = agentnet.function([], [pool.pool_size, pool.sequence_length])()
    assert (n, t) == (5, 3)
    alive = np.ones((5, 3), bool)
    alive[:, 2] = False
    pool.load_sessions(obs, actions, rewards, is_alive=alive, is_truncated=~alive)
    assert np.array_equal(pool.is_alive.get_value(), alive) and np.array_equal(pool.is_truncated.get_value(), ~alive)


def test_shape_and_count_mismatches_raise_and_change_nothing():
    pool = small_pool()
    obs, actions, rewards = sessions(3)
    pool.load_sessions(obs, actions, rewards)
    with pytest.raises(agentnet.AgentNetError, match="observation 0 has shape"):
        pool.load_sessions(obs[:, :, :3], actions, rewards)
    with pytest.raises(agentnet.AgentNetError, match="action 0 has shape"):
        pool.append_sessions(obs, actions[:, :2], rewards)
    with pytest.raises(agentnet.AgentNetError, match="only the number of sessions may differ"):
        pool.append_sessions(*sessions(2, t=4))
    with pytest.raises(agentnet.AgentNetError, match="1 observations and 1 actions, got 2"):
        pool.load_sessions([obs, obs], actions, rewards)
    with pytest.raises(agentnet.AgentNetError, match="max_pool_size"):
        pool.append_sessions(obs, actions, rewards, max_pool_size=0)
    assert len(pool) == 3 and np.array_equal(pool.rewards.get_value(), rewards)


def test_append_keeps_the_newest_max_pool_size():
    pool = small_pool()
    pool.append_sessions(*sessions(3, first=0))            # appending to an empty pool loads
    pool.append_sessions(*sessions(2, first=10), max_pool_size=4)
    assert len(pool) == 4
    assert list(pool.rewards.get_value()[:, 0]) == [1, 2, 10, 11]
    pool.append_sessions(*sessions(2, first=20))
    assert list(pool.rewards.get_value()[:, 0]) == [1, 2, 10, 11, 20, 21]
    assert pool.is_alive.get_value().shape == (6, 3)


def test_in_graph_updates():
    pool = small_pool()
    obs, act, rew = T.tensor3(), T.imatrix(), T.matrix()
    load = agentnet.function([obs, act, rew], [], updates=pool.get_session_updates(obs, act, rew))
    append = agentnet.function([obs, act, rew], [],
                               updates=pool.get_session_updates([obs], [act], rew, append=True, max_pool_size=5))
    upd = pool.get_session_updates(obs, act, rew)
    assert list(upd)[:3] == [pool.observations[0], pool.actions[0], pool.rewards]
    load(*sessions(2, first=1))
    assert len(pool) == 2
    append(*sessions(2, first=10))
    append(*sessions(2, first=20))
    assert len(pool) == 5
    assert list(pool.rewards.get_value()[:, 0]) == [2, 10, 11, 20, 21]
    assert pool.is_alive.get_value().shape == (5, 3)


def test_select_session_batch_and_preceding_memories():
    pool = small_pool(memories=[InputLayer((None, 2))])
    obs, actions, rewards = sessions(4)
    memories = np.arange(8, dtype=np.float32).reshape(4, 2)
    pool.load_sessions(obs, actions, rewards, prev_memories=[memories])
    batch = pool.select_session_batch(np.array([3, 0], np.int32))
    assert isinstance(batch, SessionBatchEnvironment)
    r, m, o = agentnet.function([], [batch.rewards, batch.preceding_agent_memories[0], batch.observations[0]])()
    assert list(r[:, 0]) == [3, 0] and np.array_equal(m, memories[[3, 0]]) and o.shape == (2, 3, 4)
    sel = T.ivector()
    chosen = pool.select_session_batch(sel)
    assert list(agentnet.function([sel], chosen.rewards)(np.array([1, 1, 2]))[:, 0]) == [1, 1, 2]
    pool.load_sessions(obs, actions, rewards)
    assert pool.select_session_batch(np.array([0])).preceding_agent_memories is None


def test_sample_frequencies_are_uniform():
    pool = small_pool(rng_seed=7)
    n = 10
    pool.load_sessions(*sessions(n))
    draw = agentnet.function([], pool.sample_session_batch(4).rewards[:, 0])
    draw_r = agentnet.function([], pool.sample_session_batch(25, replace=True).rewards[:, 0])
    counts, counts_r = np.zeros(n), np.zeros(n)
    calls = 500
    for _ in range(calls):
        ids = draw().astype(int)
        assert len(set(ids)) == 4                                       # without replacement: distinct
        counts += np.bincount(ids, minlength=n)
        counts_r += np.bincount(draw_r().astype(int), minlength=n)
    for c, total in ((counts, 4 * calls), (counts_r, 25 * calls)):
        p = 1 / n
        sd = np.sqrt(total * p * (1 - p))
        assert np.all(np.abs(c - total * p) < 5 * sd), c
    more = agentnet.function([], pool.sample_session_batch(50).rewards)()
    assert more.shape == (n, 3)                                         # min(max_n_samples, pool size)
    with pytest.raises(TypeError):
        pool.sample_session_batch(2.0)
    with pytest.raises(agentnet.AgentNetError, match="max_n_samples"):
        pool.sample_session_batch(0)


def test_replay_of_a_sample_inside_one_training_call():
    pool = SessionPoolEnvironment(observations=[InputLayer((None, 8))], actions=1, agent_memories=0)
    obs = np.random.RandomState(0).rand(6, 5, 8).astype(np.float32)
    actions = np.random.RandomState(1).randint(0, 6, (6, 5)).astype(np.int32)
    pool.load_sessions(obs, actions, np.zeros((6, 5), np.float32))
    agent, _ = scripted_agent(extra_q=True)
    batch = pool.sample_session_batch(3)
    _, r_obs, _, r_actions, q = agent.get_sessions(batch, session_length=5, experience_replay=True)
    o, a = agentnet.function([], [r_obs, r_actions])()
    assert o.shape == (3, 5, 8)
    rows = [int(np.flatnonzero((obs == row).all(axis=(1, 2)))[0]) for row in o]
    assert np.array_equal(a, actions[rows])                              # the recorded actions of those sessions


def test_session_batch_environment():
    obs = np.zeros((2, 5, 8), np.float32)
    batch = SessionBatchEnvironment(obs, [(8,)], np.zeros((2, 5), np.int32), rewards=np.ones((2, 5)),
                                    is_alive=np.ones((2, 5), bool), preceding_agent_memories=[np.zeros((2, 3))])
    assert len(batch.observations) == 1 and len(batch.actions) == 1 and batch.rewards.ndim == 2
    assert batch.single_action_shapes == [()] and batch.preceding_agent_memories[0].ndim == 2
    b, t = agentnet.function([], [batch.batch_size, batch.sequence_length])()
    assert (b, t) == (2, 5)
    with pytest.raises(agentnet.AgentNetError, match=r"expected \[batch, tick\] \+ \(8,\)"):
        SessionBatchEnvironment(np.zeros((2, 5, 7)), [(8,)])
    with pytest.raises(agentnet.AgentNetError, match="rewards"):
        SessionBatchEnvironment(obs, [(8,)], rewards=np.zeros(3))
    with pytest.raises(ValueError, match="single_action_shapes"):
        SessionBatchEnvironment(obs, [(8,)], single_action_shapes="scalar")
    with pytest.raises(ValueError, match="only replays"):
        batch.get_action_results([], [])
    assert agentnet.function([], batch.get_reward_sequences([], batch.actions))().shape == (2, 5)


class Counting(BaseEnvironment, BaseObjective):
    """State: a counter per session; reward (batched get_reward): the action's value."""

    def __init__(self):
        super().__init__([1], [(2,), (1,)], [()])

    def get_action_results(self, last_states, actions):
        s = last_states[0] + 1
        return s, [T.concatenate([s, s], axis=1), s]

    def get_reward(self, last_environment_states, agent_actions, batch_id):
        return T.cast(agent_actions[0], "float32") + T.cast(batch_id, "float32").dimshuffle(0, "x") * 0


def test_base_environment_shapes_and_objective():
    env = Counting()
    assert env._shapes == [[(1,)], [(2,), (1,)], [()]]
    assert env.state_dtypes == ("float32",) and env.action_dtypes == ("int32",)
    assert BaseEnvironment([6], [8], [()])._shapes == [[(6,)], [(8,)], [()]]
    assert BaseEnvironment((3, 4), (), [(2,), 5])._shapes == [[(3, 4)], [], [(2,), (5,)]]
    with pytest.raises(TypeError, match="state_shapes"):
        BaseEnvironment(["a"], [8], [()])
    states, actions = T.tensor3(), T.imatrix()
    r = env.get_reward_sequences(states, actions)
    obs = T.tensor3()
    alive = env.get_whether_alive([obs])
    out = agentnet.function([states, actions, obs], [r, alive])(np.zeros((2, 3, 1)), np.ones((2, 3), np.int32), np.zeros((2, 3, 2)))
    assert np.array_equal(out[0], np.ones((2, 3))) and out[1].dtype == bool and out[1].all()
    with pytest.raises(NotImplementedError):
        BaseObjective().get_reward([], [], None)
    with pytest.raises(NotImplementedError):
        BaseEnvironment([1], [1], [()]).get_action_results([], [])


def test_as_layers_and_several_observations():
    env = Counting()
    new_states, observations = env.as_layers()
    assert len(new_states) == 1 and len(observations) == 2
    layer = new_states[0].input_layer
    assert isinstance(layer, EnvironmentStepLayer) and len(layer.prev_state_layers) == 1
    s = T.matrix()
    a = T.ivector()
    outs = get_output(new_states + observations, {layer.prev_state_layers[0]: s, layer.action_layers[0]: a})
    vals = agentnet.function([s, a], outs)(np.ones((2, 1)), np.zeros(2, np.int32))
    assert np.array_equal(vals[0], [[2], [2]]) and vals[1].shape == (2, 2)
    # an agent with two observation layers plays it
    o1, o2, prev = InputLayer((None, 2)), InputLayer((None, 1)), InputLayer((None, 4))
    h = RNNCell(prev, [o1, o2])
    act = EpsilonGreedyResolver(DenseLayer(h, 3), epsilon=0.5)
    agent = Agent([o1, o2], {h: prev}, (), act)
    (st,), (ob1, ob2), _, acts, _ = agent.get_sessions(env, session_length=3, batch_size=2)
    st, ob2 = agentnet.function([], [st, ob2])()
    assert np.array_equal(st[:, :, 0], [[0, 1, 2]] * 2) and np.array_equal(ob2[:, :, 0], [[0, 1, 2]] * 2)
    with pytest.raises(agentnet.AgentNetError, match="action layer"):
        env.as_layers(action_layers=[InputLayer((None, 3))])
