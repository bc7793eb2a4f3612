"""An agent playing a native vector env inside one compiled function (agentnet.envs.native_environment, the engine's
Agent.get_sessions through the native_sessions test helper), against Gymnasium's SyncVectorEnv over
gymnasium.make("CartPole-v1") with the same seeds (s + i) and the actions the agent took."""
import gymnasium
import numpy as np
import pytest

import agentnet
import agentnet.envs
from agentnet import tensor as T
from agentnet.layers import DenseLayer, InputLayer, Layer
from agentnet.memory import CounterLayer
from agentnet.resolver import BaseResolver
from native_sessions import get_sessions

N, LIMIT, PERIOD = 4, 8, 5


class ScriptedActions(Layer):
    """``table[b, counter[b]]``: a scripted action per sub-env, picked by the agent's tick counter."""
    output_dtype = "int32"

    def __init__(self, counter, table, **kwargs):
        super().__init__(counter, **kwargs)
        self.table = np.asarray(table, dtype=np.int32)

    def get_output_shape_for(self, input_shape):
        return (input_shape[0],)

    def get_output_for(self, counter, **kwargs):
        return T.constant(self.table)[T.arange(counter.shape[0]), counter]


def native(n=N, limit=LIMIT, seed=3, env_id="agentnet/CartPole-v1"):
    env = gymnasium.make_vec(env_id, num_envs=n, max_episode_steps=limit)
    env.reset(seed=seed)
    return env


def counting_agent(table, obs_size=4, period=PERIOD):
    """Observation layer, {counter: prev counter}, policy, scripted action layer."""
    obs = InputLayer((None, obs_size), name="obs")
    prev = InputLayer((None,), input_var=T.ivector("prev_tick"), name="prev_tick")
    tick = CounterLayer(prev, k=period, name="tick")
    q = DenseLayer(obs, 2, nonlinearity=None, name="q")
    return [obs], {tick: prev}, [q], [ScriptedActions(prev, table, name="script")]


def play(env, agent, ticks):
    env_states, observations, memories, actions, _, updates = get_sessions(env, *agent, session_length=ticks)
    return agentnet.function([], env_states + observations + list(memories.values()) + actions, updates=updates)


def test_sessions_match_sync_vector_env_across_autoresets_truncations_and_calls():
    ticks = 6
    table = (np.random.default_rng(0).random((N, PERIOD)) < 0.8).astype(np.int32)
    env = native(limit=12)
    f = play(env, counting_agent(table), ticks)
    gym = gymnasium.vector.SyncVectorEnv([lambda: gymnasium.make("CartPole-v1", max_episode_steps=12)] * N,
                                         autoreset_mode=gymnasium.vector.AutoresetMode.NEXT_STEP)
    obs, _ = gym.reset(seed=3)
    done, counter = np.zeros(N, dtype=bool), np.zeros(N, dtype=np.int32)
    truncations = resets = 0
    for _ in range(8):
        rewards, alive, truncated, seen, memory, actions = f()
        assert rewards.shape == alive.shape == truncated.shape == actions.shape == memory.shape == (N, ticks)
        assert seen.shape == (N, ticks, 4) and rewards.dtype == np.float32
        for t in range(ticks):
            np.testing.assert_array_equal(actions[:, t], table[np.arange(N), counter], err_msg=f"tick {t} actions")
            nxt, r, term, trunc, _ = gym.step(actions[:, t].astype(np.int64))
            np.testing.assert_array_equal(seen[:, t], obs, err_msg=f"tick {t} observations")
            np.testing.assert_array_equal(rewards[:, t], r.astype(np.float32), err_msg=f"tick {t} rewards")
            np.testing.assert_array_equal(alive[:, t].astype(bool), ~done, err_msg=f"tick {t} is_alive")
            np.testing.assert_array_equal(truncated[:, t].astype(bool), trunc, err_msg=f"tick {t} is_truncated")
            counter = np.where(~done, (counter + 1) % PERIOD, 0).astype(np.int32)
            np.testing.assert_array_equal(memory[:, t], counter, err_msg=f"tick {t} memory")
            truncations += int(trunc.sum())
            resets += int(done.sum())
            done, obs = term | trunc, nxt
    assert truncations > 0 and resets > truncations  # both time limits and terminations were hit


def test_alive_truncation_and_memory_around_a_time_limit_by_hand():
    env = native(n=1, limit=3, seed=8)
    f = play(env, counting_agent(np.zeros((1, PERIOD), np.int32)), 6)
    rewards, alive, truncated, seen, memory, _ = f()
    # Ticks 0-2 act (the third hits the limit), tick 3 resets (its action ignored, reward 0, memory zeroed).
    np.testing.assert_array_equal(alive[0], [1, 1, 1, 0, 1, 1])
    np.testing.assert_array_equal(truncated[0], [0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(rewards[0], [1, 1, 1, 0, 1, 1])
    np.testing.assert_array_equal(memory[0], [1, 2, 3, 0, 1, 2])
    assert not np.array_equal(seen[0, 4], seen[0, 3])  # the reset observation follows the final one
    # The next call continues the episode and the memory: its first tick is the episode's third step.
    _, alive, truncated, _, memory, _ = f()
    np.testing.assert_array_equal(alive[0], [1, 0, 1, 1, 1, 0])
    np.testing.assert_array_equal(truncated[0], [1, 0, 0, 0, 1, 0])
    np.testing.assert_array_equal(memory[0], [3, 0, 1, 2, 3, 0])


def test_repeat_runs_the_play_several_times_in_one_call():
    table = np.ones((N, PERIOD), np.int32)
    once = play(native(), counting_agent(table), 5)
    many = play(native(), counting_agent(table), 5)
    for _ in range(3):
        separate = once()
    for got, want in zip(many.repeat(3), separate):
        np.testing.assert_array_equal(got, want)
    with pytest.raises(ValueError, match="times"):
        many.repeat(0)
    with pytest.raises(TypeError, match="times"):
        many.repeat(1.5)


def test_native_environment_handle():
    env = native()
    e = agentnet.envs.native_environment(env)
    assert agentnet.envs.native_environment(env) is e
    assert e.state_shapes == [(), (), ()] and e.observation_shapes == [(4,)] and e.action_shapes == [()]
    states = [T.matrix("r"), T.matrix("alive"), T.matrix("truncated")]
    assert e.get_reward_sequences(states, T.imatrix("a")) is states[0]
    assert e.get_whether_alive(states) is states[1]
    with pytest.raises(ValueError, match="rewards, is_alive, is_truncated"):
        e.get_whether_alive(states[:2])
    with pytest.raises(TypeError, match="native vector env"):
        agentnet.envs.native_environment(gymnasium.make("CartPole-v1"))
    box = agentnet.envs.native_environment(native(env_id="agentnet/Pendulum-v1"))
    assert box.action_shapes == [(1,)] and box.action_dtypes == ["float32"]


def test_discrete_resolver_on_a_box_env_and_wrong_observations_are_clear_errors():
    obs = InputLayer((None, 2), name="obs")
    greedy = BaseResolver(DenseLayer(obs, 3, nonlinearity=None))
    with pytest.raises(agentnet.AgentNetError, match=r"continuous \(Box\) action space"):
        get_sessions(native(env_id="agentnet/MountainCarContinuous-v0"), [obs], {}, [], [greedy], session_length=3)
    with pytest.raises(agentnet.AgentNetError, match=r"observation 0 is \[batch\] \+ \(4,\)"):
        get_sessions(native(), [obs], {}, [], [greedy], session_length=3)
    same_step = gymnasium.make_vec("agentnet/CartPole-v1", num_envs=2, autoreset_mode=gymnasium.vector.AutoresetMode.SAME_STEP)
    with pytest.raises(agentnet.AgentNetError, match="next-step autoreset"):
        agentnet.envs.native_environment(same_step)
