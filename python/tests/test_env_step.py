"""Native envs stepping inside compiled functions (agentnet.envs.step_node) against Gymnasium's SyncVectorEnv over
gymnasium.make("CartPole-v1") with the same seeds (s + i) and actions, in the seed's EnvPool convention."""
import gymnasium
import numpy as np
import pytest

import agentnet
import agentnet.envs
from agentnet import tensor as T

N, LIMIT = 5, 9


def native(n=N, limit=LIMIT, seed=3, env_id="agentnet/CartPole-v1"):
    env = gymnasium.make_vec(env_id, num_envs=n, max_episode_steps=limit)
    env.reset(seed=seed)
    return env


def reference(n=N, limit=LIMIT, seed=3):
    env = gymnasium.vector.SyncVectorEnv([lambda: gymnasium.make("CartPole-v1", max_episode_steps=limit)] * n,
                                         autoreset_mode=gymnasium.vector.AutoresetMode.NEXT_STEP)
    obs, _ = env.reset(seed=seed)
    return env, obs


def rollout(env, ticks, policy=None):
    """A function playing `ticks` ticks; per tick it returns obs before, obs after, rewards, alive, truncated."""
    actions = T.imatrix("actions")
    seen, after, outputs = agentnet.envs.observations(env), None, []
    for t in range(ticks):
        a = policy(seen) if policy else actions[t]
        step = agentnet.envs.step_node(env, a, after=after)
        outputs += [seen, *step]
        seen, after = step.observations, step
    return agentnet.function([] if policy else [actions], outputs)


def gym_ticks(env, obs, done, action_rows):
    """EnvPool convention from Gymnasium's NEXT_STEP flags: alive is 0 exactly on the tick after an ending step."""
    out = []
    for a in action_rows:
        nxt, r, term, trunc, _ = env.step(np.asarray(a, dtype=np.int64))
        out.append([obs, nxt, r.astype(np.float32), (~done).astype(np.uint8), trunc.astype(np.uint8)])
        done, obs = term | trunc, nxt
    return out, obs, done


def check_equal(got, want):
    got = list(got)
    assert len(got) == 5 * len(want)
    for t, w in enumerate(want):
        g = got[5 * t:5 * t + 5]
        for name, gv, wv in zip(["obs", "next obs", "rewards", "is_alive", "is_truncated"], g, w):
            np.testing.assert_array_equal(np.asarray(gv).astype(np.asarray(wv).dtype), wv, err_msg=f"tick {t} {name}")


def test_rollout_matches_sync_vector_env_across_autoresets_time_limits_and_calls():
    ticks = 7
    env, f = native(), None
    f = rollout(env, ticks)
    gym, obs = reference()
    done = np.zeros(N, dtype=bool)
    rng = np.random.default_rng(0)
    truncations = resets = 0
    for _ in range(6):
        a = (rng.random((ticks, N)) < 0.8).astype(np.int32)
        got = f(a)
        want, obs, done = gym_ticks(gym, obs, done, a)
        check_equal(got, want)
        truncations += sum(int(w[4].sum()) for w in want)
        resets += sum(int((w[3] == 0).sum()) for w in want)
    assert truncations > 0 and resets > truncations  # both time limits and terminations were hit


def test_policy_graph_in_the_loop_matches_gymnasium():
    w = np.random.default_rng(1).standard_normal((4, 2)).astype(np.float32)
    ticks = 12
    env = native(n=8, limit=15, seed=7)
    f = rollout(env, ticks, policy=lambda o: T.argmax(T.dot(o, w), axis=1))
    gym, obs = reference(n=8, limit=15, seed=7)
    done = np.zeros(8, dtype=bool)
    for _ in range(3):
        got = f()
        want = []
        for t in range(ticks):
            a = np.argmax(obs @ w, axis=1)
            part, obs, done = gym_ticks(gym, obs, done, [a])
            want += part
        check_equal(got, want)


def test_two_seeded_runs_are_identical():
    def run(seed):
        f = rollout(native(seed=seed), 10, policy=lambda o: T.argmax(T.dot(o, np.eye(4, 2, dtype=np.float32)), axis=1))
        return [np.asarray(x) for x in f() + f()]
    a, b, c = run(5), run(5), run(6)
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


def test_wrong_action_dtype_or_shape_raises_clear_errors():
    cart = native()
    with pytest.raises(agentnet.AgentNetError, match="Discrete"):
        agentnet.envs.step_node(cart, T.vector("a"))
    with pytest.raises(agentnet.AgentNetError, match="shape"):
        agentnet.envs.step_node(cart, T.imatrix("a"))
    car = native(n=2, limit=None, env_id="agentnet/MountainCarContinuous-v0")
    with pytest.raises(agentnet.AgentNetError, match="continuous"):
        agentnet.envs.step_node(car, T.ivector("a"))
    with pytest.raises(TypeError, match="native vector env"):
        agentnet.envs.step_node(gymnasium.make("CartPole-v1"), T.ivector("a"))
    # A wrong batch at call time fails and leaves the env unchanged.
    a = T.ivector("a")
    f = agentnet.function([a], [agentnet.envs.step_node(cart, a).rewards])
    before = cart.unwrapped.state.copy()
    with pytest.raises(agentnet.AgentNetError):
        f(np.zeros(N + 1, dtype=np.int32))
    np.testing.assert_array_equal(cart.unwrapped.state, before)


def test_box_env_steps_with_float_actions_and_no_gradient_flows():
    car, twin = native(n=2, limit=None, env_id="agentnet/MountainCarContinuous-v0"), None
    twin = native(n=2, limit=None, env_id="agentnet/MountainCarContinuous-v0")
    a = T.matrix("a")
    step = agentnet.envs.step_node(car, a)
    f = agentnet.function([a], [step.observations, step.rewards])
    acts = np.array([[0.5], [-0.3]], dtype=np.float32)
    obs, rew = f(acts)
    o2, r2, *_ = twin.step(acts)
    np.testing.assert_array_equal(obs, o2)
    np.testing.assert_array_equal(rew, r2.astype(np.float32))
    w = agentnet.shared(np.float32(0.5), name="w")
    s2 = agentnet.envs.step_node(car, T.alloc(np.float32(1), 2, 1) * w)
    with pytest.raises(agentnet.AgentNetError, match="env_step"):
        T.grad(s2.rewards.sum(), [w])


def test_unchained_steps_are_rejected():
    env = native()
    a = T.ivector("a")
    s1, s2 = agentnet.envs.step_node(env, a), agentnet.envs.step_node(env, a)
    with pytest.raises(agentnet.AgentNetError, match="same node"):
        agentnet.function([a], [s1.rewards, s2.rewards])
