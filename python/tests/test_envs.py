"""Native environments against the real Gymnasium: 10,000 steps per environment, single and vectorized, with the
same seeds and actions, comparing observations, internal states and random streams bit for bit, and rewards and
flags exactly. BooleanReasoning, which Gymnasium lacks, is compared with the reference in test_envs_reference.py.

The only tolerance is the one the Gymnasium reference note allows: Acrobot's reset observation, whose cos/sin NumPy
computes with its own float32 routines (at most 1 ulp from the correctly rounded float64 values we use).
"""
import gymnasium as gym
import numpy as np
import pytest

import agentnet  # noqa: F401  (registers agentnet/* ids)
from test_envs_reference import REFERENCE_ID

STEPS = 10_000

CLASSIC = ["CartPole-v1", "Acrobot-v1", "MountainCar-v0", "MountainCarContinuous-v0", "Pendulum-v1"]
ALL = CLASSIC + ["BooleanReasoning-v0"]


def reference_id(native_id):
    return REFERENCE_ID if native_id == "BooleanReasoning-v0" else native_id


def bits(a):
    """The exact bit patterns of a float array (so -0.0 != 0.0 and NaN payloads count)."""
    a = np.ascontiguousarray(a)
    return a.view({4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


def assert_obs_equal(ours, theirs, after_reset, native_id):
    if after_reset and native_id == "Acrobot-v1":
        np.testing.assert_array_max_ulp(ours, theirs, maxulp=1)
    else:
        np.testing.assert_array_equal(bits(ours), bits(theirs))


def policy(native_id, rng, obs, space):
    """Random actions mixed with goal-seeking ones, so that episodes also end by termination and clipping is exercised.

    ``obs`` is one observation; returns one action for ``space`` (a single-env space).
    """
    greedy = rng.random() < 0.6
    if native_id == "Acrobot-v1" and greedy:
        return 2 if obs[5] > 0 else 0
    if native_id == "MountainCar-v0" and greedy:
        return 2 if obs[1] >= 0 else 0
    if native_id == "MountainCarContinuous-v0":
        force = np.sign(obs[1]) * rng.uniform(0.5, 2.0) if greedy else rng.uniform(-2.0, 2.0)
        return np.array([force], dtype=np.float32)
    if native_id == "Pendulum-v1":
        return np.array([rng.uniform(-3.0, 3.0)], dtype=np.float32)
    if isinstance(space, gym.spaces.Discrete):
        return int(rng.integers(space.n))
    raise AssertionError(native_id)


def reference_state(env):
    return np.asarray(env.unwrapped.state, dtype=np.float64)


@pytest.mark.parametrize("native_id", ALL)
def test_single_env_matches_gymnasium(native_id):
    ours, theirs = gym.make(f"agentnet/{native_id}"), gym.make(reference_id(native_id))
    rng = np.random.default_rng(2024)
    obs, _ = ours.reset(seed=7)
    ref_obs, _ = theirs.reset(seed=7)
    after_reset, episodes, terminations = True, 0, 0
    for t in range(STEPS):
        assert_obs_equal(obs, ref_obs, after_reset, native_id)
        np.testing.assert_array_equal(bits(ours.unwrapped.state), bits(reference_state(theirs)))
        action = policy(native_id, rng, ref_obs, theirs.action_space)
        obs, reward, terminated, truncated, info = ours.step(action)
        ref_obs, ref_reward, ref_terminated, ref_truncated, _ = theirs.step(action)
        assert (reward, terminated, truncated) == (ref_reward, ref_terminated, ref_truncated), t
        assert type(reward) is float and type(terminated) is bool and info == {}
        after_reset = False
        if terminated or truncated:
            episodes += 1
            terminations += terminated
            # Alternate continuing the stream, reseeding, and continuing again.
            seed = t if episodes % 3 == 1 else None
            obs, _ = ours.reset(seed=seed)
            ref_obs, _ = theirs.reset(seed=seed)
            after_reset = True
            assert (ours.unwrapped.np_random.bit_generator.state
                    == theirs.unwrapped.np_random.bit_generator.state)
    assert episodes >= 5 and (terminations >= 1 or native_id == "Pendulum-v1"), (episodes, terminations)


@pytest.mark.parametrize("native_id", ALL)
def test_vector_env_matches_sync_vector_env(native_id):
    n = 8
    ours = gym.make_vec(f"agentnet/{native_id}", num_envs=n)
    theirs = gym.vector.SyncVectorEnv([lambda: gym.make(reference_id(native_id)) for _ in range(n)])
    assert type(ours.unwrapped).__module__ == "agentnet.envs.vector"
    rng = np.random.default_rng(99)
    obs, _ = ours.reset(seed=123)
    ref_obs, _ = theirs.reset(seed=123)
    just_reset = np.ones(n, dtype=bool)  # rows holding a reset observation
    ended = np.zeros(n, dtype=bool)  # next-step autoreset: these sub-envs reset on the coming step
    ends = 0
    for t in range(STEPS):
        for i in range(n):
            assert_obs_equal(obs[i], ref_obs[i], just_reset[i], native_id)
        states = np.stack([reference_state(env) for env in theirs.envs])
        np.testing.assert_array_equal(bits(ours.unwrapped.state), bits(states))
        actions = np.stack([policy(native_id, rng, ref_obs[i], theirs.single_action_space) for i in range(n)])
        obs, rewards, terminations, truncations, infos = ours.step(actions)
        ref_obs, ref_rewards, ref_terminations, ref_truncations, ref_infos = theirs.step(actions)
        np.testing.assert_array_equal(rewards, ref_rewards)
        np.testing.assert_array_equal(terminations, ref_terminations)
        np.testing.assert_array_equal(truncations, ref_truncations)
        assert rewards.dtype == np.float64 and terminations.dtype == np.bool_ and infos == ref_infos == {}
        just_reset, ended = ended, terminations | truncations
        ends += ended.sum()
    assert ends >= 2 * n, ends


@pytest.mark.parametrize("native_id", CLASSIC)
def test_reset_options_match_gymnasium(native_id):
    options = {"x_init": 0.5, "y_init": 0.25} if native_id == "Pendulum-v1" else {"low": -0.02, "high": 0.03}
    ours, theirs = gym.make(f"agentnet/{native_id}"), gym.make(native_id)
    for seed in (0, 1, 2**40 + 5):
        obs, _ = ours.reset(seed=seed, options=options)
        ref_obs, _ = theirs.reset(seed=seed, options=options)
        assert_obs_equal(obs, ref_obs, True, native_id)
        np.testing.assert_array_equal(bits(ours.unwrapped.state), bits(reference_state(theirs)))


@pytest.mark.parametrize("native_id", ALL)
def test_seeded_determinism(native_id):
    def trajectory(seed):
        env = gym.make(f"agentnet/{native_id}")
        rng = np.random.default_rng(5)
        obs, _ = env.reset(seed=seed)
        out = [obs]
        for _ in range(300):
            obs, reward, terminated, truncated, _ = env.step(policy(native_id, rng, obs, env.action_space))
            out.append(np.append(obs, [reward, terminated, truncated]))
            if terminated or truncated:
                out.append(env.reset()[0])
        return np.concatenate(out)

    same = trajectory(31)
    np.testing.assert_array_equal(same, trajectory(31))
    assert not np.array_equal(same, trajectory(32))


@pytest.mark.parametrize("native_id", ALL)
def test_vector_seeds_follow_sync_vector_env(native_id):
    """Sub-env i gets seed + i; a seed list seeds each sub-env; None entries keep their stream."""
    n = 4
    ours = gym.make_vec(f"agentnet/{native_id}", num_envs=n)
    theirs = gym.vector.SyncVectorEnv([lambda: gym.make(reference_id(native_id)) for _ in range(n)])
    for seed in (0, 2**33 - 2, [5, None, 7, 2**64 + 1]):
        obs, _ = ours.reset(seed=seed)
        ref_obs, _ = theirs.reset(seed=seed)
        for i in range(n):
            assert_obs_equal(obs[i], ref_obs[i], True, native_id)
    single = gym.make(f"agentnet/{native_id}")
    obs, _ = ours.reset(seed=10)
    for i in range(n):
        assert_obs_equal(obs[i], single.reset(seed=10 + i)[0], False, native_id)
