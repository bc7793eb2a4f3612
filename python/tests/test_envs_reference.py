"""A plain-Python BooleanReasoning written from the seed's semantics (agentnet-semantics.md §4.7), registered with
Gymnasium so test_envs.py can hold the native environment to it exactly as it holds the classic-control envs to
Gymnasium's own. The tests here check the reference itself against the seed's example trace."""
import gymnasium as gym
import numpy as np

import agentnet  # noqa: F401

REFERENCE_ID = "agentnet_test/BooleanReasoningReference-v0"
END = 5


class BooleanReasoningReference(gym.Env):
    """Hidden X ~ Bernoulli(0.5)^3 (``np_random.random(3) < 0.5``), Y1 = X1, Y2 = 1 − X1; six actions (poll X1..X3,
    Y1, Y2, end). Reward from the state before the action: 0 if ended, −0.5 if repeated, 0 for end, ±3 for Y, ±1 for X."""

    metadata = {"render_modes": []}

    def __init__(self):
        self.observation_space = gym.spaces.Box(0.0, 1.0, shape=(8,), dtype=np.float32)
        self.action_space = gym.spaces.Discrete(6)
        self.joint = None

    def set_hidden(self, x):
        """Sets the hidden factors X1..X3 (the seed's ``set_data_batch``) and clears the session."""
        x = np.asarray(x, dtype=np.float64)
        self.joint = np.array([x[0], x[1], x[2], x[0], 1 - x[0], 0.0])
        self.taken = np.zeros(6)

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self.set_hidden((self.np_random.random(3) < 0.5).astype(np.float64))
        return np.zeros(8, dtype=np.float32), {}

    def step(self, action):
        value = self.joint[action]
        if self.taken[END]:
            reward = 0.0
        elif self.taken[action]:
            reward = -0.5
        elif action == END:
            reward = 0.0
        elif action >= 3:
            reward = 6 * value - 3
        else:
            reward = 2 * value - 1
        if not self.taken[END]:
            self.taken[action] = 1
        terminated = bool(self.taken[END])
        obs = np.zeros(8, dtype=np.float32)
        obs[0], obs[1], obs[2 + action] = value, terminated, 1
        return obs, float(reward), terminated, False, {}

    @property
    def state(self):
        """``[X1, X2, X3, Y1, Y2, taken_0 ... taken_5]``, the native environment's state layout."""
        return np.concatenate([self.joint[:5], self.taken])


if REFERENCE_ID not in gym.registry:
    gym.register(REFERENCE_ID, entry_point=BooleanReasoningReference, max_episode_steps=10)


def run(env, actions):
    out = [env.step(a) for a in actions]
    return [o[1] for o in out], [o[0] for o in out], [o[2] for o in out]


def test_reference_reproduces_the_seed_example_trace():
    """Semantics note §4.7: attrs [0,1,1], actions [2,3,1,2,1] give [+1, −3, +1, −0.5, −0.5]; attrs [0,1,0],
    actions [4,5,...] give [+3, 0, 0, ...] and alive [1,1,0,...]."""
    env = BooleanReasoningReference()
    env.reset(seed=0)
    env.set_hidden([0, 1, 1])
    rewards, observations, terminated = run(env, [2, 3, 1, 2, 1])
    assert rewards == [1.0, -3.0, 1.0, -0.5, -0.5]
    np.testing.assert_array_equal(observations[0], [1, 0, 0, 0, 1, 0, 0, 0])
    np.testing.assert_array_equal(env.taken, [0, 1, 1, 1, 0, 0])
    env.set_hidden([0, 1, 0])
    rewards, _, terminated = run(env, [4, 5, 0, 3, 5])
    assert rewards == [3.0, 0.0, 0.0, 0.0, 0.0]
    alive = [1] + [int(not t) for t in terminated[:-1]]  # alive on the end tick, dead afterwards
    assert alive == [1, 1, 0, 0, 0]


def test_native_reproduces_the_seed_example_trace():
    """The same trace from the native env, using a seed whose draw is X = [0, 1, 1]."""
    seed = next(s for s in range(1000) if list(np.random.default_rng(s).random(3) < 0.5) == [False, True, True])
    env = gym.make("agentnet/BooleanReasoning-v0")
    obs, _ = env.reset(seed=seed)
    np.testing.assert_array_equal(obs, np.zeros(8))
    np.testing.assert_array_equal(env.unwrapped.state[:5], [0, 1, 1, 0, 1])
    rewards, observations, terminated = run(env, [2, 3, 1, 2, 1, 5, 0])
    assert rewards == [1.0, -3.0, 1.0, -0.5, -0.5, 0.0, 0.0]
    np.testing.assert_array_equal(observations[0], [1, 0, 0, 0, 1, 0, 0, 0])
    assert terminated == [False] * 5 + [True, True]
    np.testing.assert_array_equal(observations[6], [0, 1, 1, 0, 0, 0, 0, 0])


def test_best_policy_earns_three_on_average():
    env = gym.make("agentnet/BooleanReasoning-v0")
    returns = []
    for seed in range(400):
        env.reset(seed=seed)
        _, reward_x1, _, _, _ = env.step(0)
        x1 = reward_x1 > 0
        _, reward_y, _, _, _ = env.step(3 if x1 else 4)
        _, reward_end, terminated, _, _ = env.step(END)
        assert terminated and reward_y == 3.0
        returns.append(reward_x1 + reward_y + reward_end)
    assert abs(np.mean(returns) - 3.0) < 0.15
