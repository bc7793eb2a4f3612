"""agentnet.agent.MDPAgent: sessions (active and replay), one-tick reaction, react function, memories,
parameters, recurrences, errors; the seed's test_broadcastability, test_learning and test_memory."""
from collections import OrderedDict

import numpy as np
import pytest

import agentnet
from agentnet import tensor as T
from agentnet import updates
from agentnet.agent import Agent, MDPAgent, Recurrence
from agentnet.environment import BaseEnvironment, SessionBatchEnvironment, SessionPoolEnvironment
from agentnet.experiments.boolean_reasoning import BooleanReasoningEnvironment
from agentnet.layers import (ConcatLayer, DenseLayer, EmbeddingLayer, ExpressionLayer, FlattenLayer, InputLayer,
                             SliceLayer, get_output)
from agentnet.learning import a2c, qlearning, sarsa
from agentnet.memory import GRUCell, LSTMCell, RNNCell, StackAugmentation, WindowAugmentation
from agentnet.nonlinearities import softmax
from agentnet.resolver import EpsilonGreedyResolver, ProbabilisticResolver
from scripted import ACTIONS, ATTRS, CATS, scripted_agent


def br_env(attrs=ATTRS, cats=CATS):
    env = BooleanReasoningEnvironment()
    env.set_data_batch(attrs, cats)
    return env


def rnn_agent(n_hidden=16, epsilon=0.5, seed=3):
    obs = InputLayer((None, 8), name="obs")
    prev = InputLayer((None, n_hidden), name="prev_h")
    rnn = RNNCell(prev, obs, name="rnn")
    q = DenseLayer(rnn, 6, nonlinearity=None, name="q")
    res = EpsilonGreedyResolver(q, epsilon=epsilon, seed=seed, name="resolver")
    return Agent(obs, {rnn: prev}, q, res), rnn, q, res


def test_alias_and_attributes():
    agent, rnn, q, res = rnn_agent()
    assert Agent is MDPAgent
    assert agent.observation_layers[0].name == "obs" and agent.policy == [q] and agent.action_layers == [res]
    assert list(agent.agent_states.items()) == [(rnn, agent.agent_states[rnn])]
    assert agent.single_observation and agent.single_policy and agent.single_action
    assert agent.get_automatic_updates() == OrderedDict()
    assert agent.get_all_params() == agentnet.layers.get_all_params([rnn, q, res])
    values = agent.get_all_param_values()
    agent.set_all_param_values([v * 0 for v in values])
    assert all(not v.any() for v in agent.get_all_param_values())


def test_lists_are_not_unwrapped():
    agent, rnn, q, res = rnn_agent()
    listed = Agent([agent.observation_layers[0]], agent.agent_states, [q], [res])
    env = br_env()
    states, obs, hidden, actions, policy = listed.get_sessions(env, session_length=3)
    assert isinstance(states, list) and isinstance(obs, list) and isinstance(actions, list) and isinstance(policy, list)
    assert isinstance(hidden, OrderedDict) and list(hidden) == [rnn]
    _, obs1, _, actions1, policy1 = agent.get_sessions(env, session_length=3)
    assert obs1.ndim == 3 and actions1.ndim == 2 and policy1.ndim == 3
    *_, upd = agent.get_sessions(env, session_length=3, return_automatic_updates=True)
    assert upd == OrderedDict()


def test_replay_uses_the_recorded_actions():
    env = br_env()
    agent, parts = scripted_agent(extra_q=True)
    _, obs, hidden, actions, q = agent.get_sessions(env, session_length=5, batch_size=2)
    played = agentnet.function([], [obs, actions, q, list(hidden.values())[0]])()
    # the replaying agent's own resolver would pick action 0 everywhere
    replayer, _ = scripted_agent(table=np.zeros((2, 5), np.int32))
    replayer = Agent(parts["obs"], {parts["tick"]: parts["prev_tick"]}, parts["q"],
                     scripted_agent(table=np.zeros((2, 5), np.int32))[1]["act"])
    batch = SessionBatchEnvironment(played[0], [(8,)], played[1])
    env_states, r_obs, r_hidden, r_actions, r_q = replayer.get_sessions(batch, session_length=5, experience_replay=True)
    out = agentnet.function([], [env_states[0], r_actions, r_q, list(r_hidden.values())[0]])()
    assert np.array_equal(out[0], np.arange(5))
    assert np.array_equal(out[1], ACTIONS)
    assert np.allclose(out[2], played[2])
    assert np.array_equal(out[3], played[3])
    assert r_obs is batch.observations[0]


def test_react_function_continues_memory():
    agent, parts = scripted_agent()
    react = agent.get_react_function()
    memory, = agent.get_zeros_like_memory(batch_size=2)
    assert memory.shape == (2,) and memory.dtype == np.int32
    taken = []
    for _ in range(3):
        action, memory = react(np.zeros((2, 8), np.float32), memory)
        taken.append(list(action))
    assert taken == [[2, 4], [3, 5], [1, 0]] and list(memory) == [3, 3]
    with pytest.raises(TypeError, match="function_flags"):
        agent.get_react_function(function_flags={"mode": "FAST_RUN"})


def test_get_agent_reaction():
    agent, rnn, q, res = rnn_agent(epsilon=0.0)
    x, h = T.matrix(), T.matrix()
    actions, new_states, outputs = agent.get_agent_reaction({rnn: h}, x)
    assert len(actions) == 1 and len(new_states) == 1 and len(outputs) == 2
    a, s, qv = agentnet.function([x, h], [actions[0], new_states[0], outputs[0]])(np.ones((3, 8)), np.zeros((3, 16)))
    assert a.shape == (3,) and s.shape == (3, 16)
    assert np.array_equal(a, qv.argmax(1))
    with pytest.raises(ValueError, match="previous value"):
        agent.get_agent_reaction({}, x)
    with pytest.raises(agentnet.AgentNetError, match="inputs"):
        agent.get_agent_reaction([h], [x, x])


def test_as_recurrence_and_as_replay_recurrence_match_get_sessions():
    env = br_env()
    agent, parts = scripted_agent(extra_q=True)
    rec = agent.as_recurrence(env, session_length=5)
    assert isinstance(rec, Recurrence) and rec.n_steps == 5
    a_rec, q_rec = get_output([rec[parts["act"]], rec[parts["q"]]])
    _, obs, _, actions, q = agent.get_sessions(env, session_length=5)
    got = agentnet.function([], [a_rec, q_rec, actions, q, obs])()
    assert np.array_equal(got[0], got[2]) and np.allclose(got[1], got[3])
    assert set(map(id, rec.get_params())) >= set(map(id, agent.get_all_params()))
    batch = SessionBatchEnvironment(got[4], [(8,)], got[2])
    replay = agent.as_replay_recurrence(batch, session_length=5)
    q_replay = agentnet.function([], get_output(replay[parts["q"]]))()
    assert np.allclose(q_replay, got[3])


def test_initial_values():
    env = br_env()
    agent, rnn, q, res = rnn_agent(epsilon=0.0)
    h0 = np.random.RandomState(0).randn(2, 16).astype(np.float32)
    obs0 = np.ones((2, 8), np.float32)
    _, obs, hidden, _, _ = agent.get_sessions(env, session_length=3, initial_hidden=[h0], initial_observations=[obs0])
    o, h = agentnet.function([], [obs, hidden[rnn]])()
    assert np.array_equal(o[:, 0], obs0)
    x, hp = T.matrix(), T.matrix()
    step = agentnet.function([x, hp], agent.get_agent_reaction([hp], [x])[1][0])
    assert np.allclose(h[:, 0], step(obs0, h0), atol=1e-6)
    _, _, hidden_d, _, _ = agent.get_sessions(env, session_length=3, initial_hidden={rnn: T.constant(h0)},
                                              initial_observations={agent.observation_layers[0]: obs0})
    assert np.allclose(agentnet.function([], hidden_d[rnn])(), h)
    with pytest.raises(ValueError, match="initial_hidden"):
        agent.get_sessions(env, session_length=3, initial_hidden=[h0, h0])


def test_broadcastability_batch_size_1():
    """The seed's test_out_batch1 (issue 79), and an agent's sessions with batch_size=1."""
    prev_out = InputLayer((None,), input_var=T.tensor("int32", ndim=1), name="prev_out")
    prev_gru = InputLayer((None, 10))
    gru = GRUCell(prev_gru, EmbeddingLayer(prev_out, 3, 3), name="rnn")
    probs = DenseLayer(gru, 3, nonlinearity=softmax)
    out = EpsilonGreedyResolver(probs)
    rec = Recurrence(state_variables=OrderedDict([(gru, prev_gru), (out, prev_out)]), unroll_scan=False, n_steps=5,
                     batch_size=1)
    run = agentnet.function([], get_output(rec[out]), updates=rec.get_automatic_updates())
    assert tuple(run().shape) == (1, 5)

    env = br_env(ATTRS[:1], CATS[:1])
    agent, rnn, q, res = rnn_agent()
    (states,), obs, hidden, actions, qs = agent.get_sessions(env, session_length=4, batch_size=1)
    loss = qlearning.get_elementwise_objective(qs, actions, env.get_reward_sequences(states, actions),
                                               env.get_whether_alive(obs)).mean()
    grads = T.grad(loss, agent.get_all_params(trainable=True))
    out = agentnet.function([], [actions, hidden[rnn]] + grads)()
    assert out[0].shape == (1, 4) and out[1].shape == (1, 4, 16)
    assert all(g.shape == p.get_value().shape for g, p in zip(out[2:], agent.get_all_params(trainable=True)))


def _recorded_sessions(n=16, t=6, seed=0):
    """Sessions of BooleanReasoning played by a random agent: (observations, actions, rewards, is_alive)."""
    env = BooleanReasoningEnvironment(seed=seed)
    env.generate_new_data_batch(n)
    agent, *_ = rnn_agent(epsilon=1.0, seed=seed)
    (states,), obs, _, actions, _ = agent.get_sessions(env, session_length=t, batch_size=env.batch_size)
    return agentnet.function([], [obs, actions, env.get_reward_sequences(states, actions),
                                  env.get_whether_alive(obs)])()


def _train(loss, params, steps, lr=0.002):
    step = agentnet.function([], loss, updates=updates.adam(loss, params, learning_rate=lr))
    return [float(step()) for _ in range(steps)]


def test_learning():
    """The seed's test_learning: Q-learning, SARSA, n-step Q-learning and A2C summed in one loss on replayed
    sessions; a few Adam steps decrease it."""
    obs_l = InputLayer((None, 8), name="obs")
    prev = InputLayer((None, 3, 8), name="prev_window")
    window = WindowAugmentation(obs_l, prev, name="window")
    nn = DenseLayer(FlattenLayer(window), 32, name="dense0")
    q = DenseLayer(nn, 6, nonlinearity=None, name="q")
    policy = DenseLayer(nn, 6, nonlinearity=softmax, name="policy")
    value = DenseLayer(nn, 1, nonlinearity=None, name="value")
    resolver = ProbabilisticResolver(policy, name="resolver")
    agent = Agent(obs_l, {window: prev}, (q, policy, value), resolver)
    pool = SessionPoolEnvironment(observations=obs_l, actions=resolver, agent_memories=agent.agent_states)
    obs, actions, rewards, alive = _recorded_sessions(t=5)
    pool.load_sessions(obs, actions, rewards, alive)
    _, _, _, _, (qs, ps, vs) = agent.get_sessions(pool, session_length=5, batch_size=pool.batch_size,
                                                  experience_replay=True)
    loss = 0
    for algo in (qlearning, sarsa):
        loss += algo.get_elementwise_objective(qs, pool.actions[0], pool.rewards, pool.is_alive, gamma_or_gammas=0.99)
    for n in (1, 3, 4, 5, 6, None):
        loss += qlearning.get_elementwise_objective(qs, pool.actions[0], pool.rewards, pool.is_alive,
                                                    gamma_or_gammas=0.99, n_steps=n)
    loss += a2c.get_elementwise_objective(ps, vs[:, :, 0], pool.actions[0], pool.rewards, pool.is_alive,
                                          gamma_or_gammas=0.99, n_steps=3)
    loss = loss.sum() / T.cast(pool.is_alive, "float32").sum()
    losses = _train(loss, agent.get_all_params(trainable=True), 30)
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


def test_memory():
    """The seed's test_memory: window, stack, RNN, GRU and LSTM (with and without peepholes) in one agent, trained
    on replay with preceding memories."""
    obs_l = InputLayer((None, 8), name="obs")
    memory = OrderedDict()
    prev_window = InputLayer((None, 3, 8), name="prev_window")
    window = WindowAugmentation(obs_l, prev_window, name="window")
    memory[window] = prev_window
    stack_inputs = DenseLayer(obs_l, 4, name="stack_in")
    controls = DenseLayer(obs_l, 3, nonlinearity=softmax, name="stack_controls")
    prev_stack = InputLayer((None, 5, 4), name="prev_stack")
    stack = StackAugmentation(stack_inputs, prev_stack, controls)
    memory[stack] = prev_stack
    prev_rnn = InputLayer((None, 16), name="prev_rnn")
    rnn = RNNCell(prev_rnn, obs_l)
    memory[rnn] = prev_rnn
    prev_gru = InputLayer((None, 16), name="prev_gru")
    gru = GRUCell(prev_gru, obs_l)
    memory[gru] = prev_gru
    lstm_outs = []
    for peep, n in ((True, 13), (False, 14)):
        prev_cell, prev_out = InputLayer((None, n)), InputLayer((None, n))
        cell, out = LSTMCell(prev_cell, prev_out, input_or_inputs=obs_l, peepholes=peep)
        memory[cell], memory[out] = prev_cell, prev_out
        lstm_outs.append(out)
    top = FlattenLayer(SliceLayer(stack, 0, 1))
    everything = ConcatLayer([FlattenLayer(window), top, rnn, gru] + lstm_outs)
    q = DenseLayer(DenseLayer(everything, 32), 6, nonlinearity=None, name="q")
    resolver = EpsilonGreedyResolver(q, epsilon=0.1)
    agent = Agent(obs_l, memory, q, resolver)
    pool = SessionPoolEnvironment(observations=obs_l, actions=resolver, agent_memories=agent.agent_states)
    obs, actions, rewards, alive = _recorded_sessions(n=8, t=4)
    prev_memories = [np.random.RandomState(i).rand(*z.shape).astype(np.float32) * 0.1
                     for i, z in enumerate(agent.get_zeros_like_memory(8))]
    pool.load_sessions(obs, actions, rewards, alive, prev_memories)
    _, _, hidden, _, qs = agent.get_sessions(pool, session_length=4, experience_replay=True)
    assert list(hidden) == list(memory)
    first = agentnet.function([], [hidden[rnn][:, 0]])()[0]
    step = agentnet.function([], agent.get_agent_reaction(prev_memories, [obs[:, 0]])[1][2])()
    assert np.allclose(first, step, atol=1e-5)       # replay starts from the preceding memories
    loss = qlearning.get_elementwise_objective(qs, pool.actions[0], pool.rewards, pool.is_alive).mean()
    losses = _train(loss, agent.get_all_params(trainable=True), 20)
    assert np.isfinite(losses).all() and losses[-1] < losses[0]


class Accumulator(BaseEnvironment):
    """A Python environment: the state adds up the actions; the observation is [state, action]."""

    def __init__(self):
        super().__init__(state_shapes=[(1,)], observation_shapes=[(2,)], action_shapes=[()])
        self.calls = []

    def get_action_results(self, last_states, actions, **kwargs):
        self.calls.append(sorted(kwargs))
        state, action = last_states[0], T.cast(actions[0], "float32")
        new = state + action.dimshuffle(0, "x")
        return [new], [T.concatenate([new, action.dimshuffle(0, "x")], axis=1)]


def test_python_environment_in_get_sessions():
    env = Accumulator()
    obs = InputLayer((None, 2), name="obs")
    prev = InputLayer((None,), input_var=T.tensor("int32", ndim=1), name="prev_tick")
    tick = agentnet.memory.CounterLayer(prev)
    policy = ExpressionLayer(prev, lambda t: T.one_hot(t % 3, 3), output_shape=(None, 3))
    act = agentnet.resolver.GreedyResolver(policy)
    agent = Agent(obs, {tick: prev}, policy, act)
    (states,), observations, _, actions, _ = agent.get_sessions(env, session_length=4, batch_size=2,
                                                                deterministic=True)
    s, o, a = agentnet.function([], [states, observations, actions])()
    assert np.array_equal(a, [[0, 1, 2, 0]] * 2)
    assert np.array_equal(s[:, :, 0], [[0, 0, 1, 3]] * 2)            # the state before each action
    assert np.array_equal(o[:, 1:, 1], [[0, 1, 2]] * 2)
    assert env.calls and all("deterministic" in c for c in env.calls)
    assert "Accumulator" in repr(env) or "states" in repr(env)


class Broken(BaseEnvironment):
    def __init__(self):
        super().__init__([(1,)], [(2,)], [()])

    def get_action_results(self, last_states, actions):
        raise KeyError("no such rule")


class WrongShape(Accumulator):
    def get_action_results(self, last_states, actions, **kwargs):
        return last_states, [last_states[0]]


def test_python_environment_errors():
    obs = InputLayer((None, 2))
    prev = InputLayer((None, 4))
    h = RNNCell(prev, obs)
    act = EpsilonGreedyResolver(DenseLayer(h, 3), epsilon=0.5)
    agent = Agent(obs, {h: prev}, (), act)
    with pytest.raises(KeyError, match="no such rule"):
        agent.get_sessions(Broken(), session_length=3, batch_size=2)
    with pytest.raises(agentnet.AgentNetError, match=r"observation 0 has shape"):
        agent.get_sessions(WrongShape(), session_length=3, batch_size=2)


def test_errors_name_the_mismatch():
    env = br_env()
    agent, rnn, q, res = rnn_agent()
    bad_obs = InputLayer((None, 3), name="small_obs")
    prev = InputLayer((None, 16))
    h = RNNCell(prev, bad_obs)
    bad = Agent(bad_obs, {h: prev}, (), EpsilonGreedyResolver(DenseLayer(h, 6)))
    with pytest.raises(agentnet.AgentNetError, match="observation layer InputLayer 'small_obs' has shape"):
        bad.get_sessions(env, session_length=3)
    two = Agent([agent.observation_layers[0], InputLayer((None, 8))], agent.agent_states, q, res)
    with pytest.raises(agentnet.AgentNetError, match="2 observation layers"):
        two.get_sessions(env, session_length=3)
    pool = SessionPoolEnvironment(observations=2, actions=1, agent_memories=0)
    with pytest.raises(agentnet.AgentNetError, match="records 2 observations"):
        agent.get_sessions(pool, session_length=3, experience_replay=True)
    one = SessionPoolEnvironment(observations=agent.observation_layers, actions=res, agent_memories=0)
    with pytest.raises(agentnet.AgentNetError, match="only replays recorded sessions"):
        agent.get_sessions(one, session_length=3)
    with pytest.raises(agentnet.AgentNetError, match="records none"):
        agent.get_sessions(env, session_length=3, experience_replay=True)
    with pytest.raises(TypeError, match="environment"):
        agent.get_sessions("CartPole-v1")
    with pytest.raises(TypeError, match="session_length"):
        agent.get_sessions(env, session_length=2.5)
    with pytest.raises(agentnet.AgentNetError, match="n_steps"):
        agent.get_sessions(env, session_length=0)
    with pytest.raises(TypeError, match="layers"):
        Agent("obs", {}, (), res)
    with pytest.raises(agentnet.AgentNetError, match="InputLayer"):
        Agent(q, agent.agent_states, (), res)
    with pytest.raises(agentnet.AgentNetError, match="action layer"):
        Agent(agent.observation_layers, agent.agent_states, q, ())
    mismatched = InputLayer((None, 5))
    with pytest.raises(agentnet.AgentNetError, match="memory"):
        Agent(agent.observation_layers, {rnn: mismatched}, q, res)


def test_replay_of_an_agent_without_memory_matches_the_agent_tick_by_tick():
    """Without memory the engine replays all ticks as one batch; the Q-values equal the one-tick agent's."""
    from agentnet.layers import DenseLayer, InputLayer, get_output
    from agentnet.resolver import EpsilonGreedyResolver
    rng = np.random.default_rng(0)
    obs = InputLayer((None, 3))
    q = DenseLayer(DenseLayer(obs, 16), 4, nonlinearity=None)
    agent = Agent(obs, {}, q, EpsilonGreedyResolver(q, epsilon=1.0))
    recorded = rng.normal(size=(5, 7, 3)).astype(np.float32)
    actions = rng.integers(0, 4, size=(5, 7)).astype(np.int32)
    batch = SessionBatchEnvironment(recorded, [(3,)], actions)
    _, _, hidden, replayed_actions, replayed_q = agent.get_sessions(batch, session_length=7, experience_replay=True)
    assert hidden == OrderedDict()
    got_q, got_actions = agentnet.function([], [replayed_q, replayed_actions])()
    one_tick = agentnet.function([obs.input_var], get_output(q))
    expected = np.stack([one_tick(recorded[:, t]) for t in range(7)], axis=1)
    np.testing.assert_allclose(got_q, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(got_actions, actions)
    with pytest.raises(agentnet.AgentNetError, match="7 ticks, session_length is 6"):
        agent.get_sessions(batch, session_length=6, experience_replay=True)
