"""Native environments as single ``gymnasium.Env`` s.

Each class steps one native sub-environment whose dynamics, rewards, flags and seeding match Gymnasium's own
environment of the same name bit for bit. Like Gymnasium's classes they have no time limit of their own:
``gymnasium.make("agentnet/CartPole-v1")`` adds ``TimeLimit`` from the registration.
"""
import gymnasium
import numpy as np
from gymnasium import error, logger

from . import _native
from ._specs import SPECS


class NativeEnv(gymnasium.Env):
    """A ``gymnasium.Env`` running one native sub-environment.

    Parameters
    ----------
    render_mode : {None, "rgb_array"}
        ``"rgb_array"`` makes :meth:`render` return the scene as a ``(height, width, 3)`` uint8 array, drawn natively.

    Notes
    -----
    ``env.np_random`` is a NumPy ``Generator(PCG64)`` kept in sync with the native stream: after every reset it holds
    the native generator's state, and ``reset()`` without a seed continues from its current state. Assigning a
    non-PCG64 generator to ``np_random`` makes the next unseeded ``reset`` raise ``TypeError``.
    """

    native_id = None

    def __init__(self, render_mode=None):
        spec = SPECS[self.native_id]
        self._lock = _native.new_lock()
        self._native_spec = spec
        self.observation_space = spec.observation_space()
        self.action_space = spec.action_space()
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be one of {self.metadata['render_modes']} or None, got {render_mode!r}")
        self.render_mode = render_mode
        self._batch = _native.NativeBatch(self.native_id, 1, _native.DISABLED, None)
        self._needs_reset = True

    # ----- Gymnasium API -----

    @_native.serialized
    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        self._check_open()
        parsed = self._native_spec.parse_options(options)
        if seed is not None:
            self._batch.seed(seed)
        else:
            self._push_rng()
        self._batch.reset(options=parsed)
        self._pull_rng()
        self._needs_reset = False
        return self._batch.observations[0].copy(), {}

    @_native.serialized
    def step(self, action):
        self._check_open()
        if self._needs_reset:
            raise error.ResetNeeded(f"{self.native_id}: call reset() before step()")
        self._write_action(action)
        self._batch.step()
        return (self._batch.observations[0].copy(), float(self._batch.rewards[0]), bool(self._batch.terminated[0]),
                bool(self._batch.truncated[0]), {})

    @_native.serialized
    def render(self):
        """The current scene as a ``(height, width, 3)`` uint8 array in ``"rgb_array"`` mode; None before reset."""
        if self.render_mode is None:
            logger.warn(
                "You are calling render method without specifying any render mode. You can specify the render_mode "
                f'at initialization, e.g. gym.make("agentnet/{self.native_id}", render_mode="rgb_array")')
            return None
        self._check_open()
        if self._needs_reset:
            return None
        return self._batch.render()[0]

    def close(self):
        """Releases the native environment; calling it again does nothing."""
        batch = getattr(self, "_batch", None)
        if batch is not None:
            batch.close()
            self._batch = None

    @property
    def state(self):
        """The internal state as float64 values (Gymnasium's ``env.unwrapped.state``), or None before reset."""
        self._check_open()
        return None if self._needs_reset else self._batch.state()[0]

    # ----- helpers -----

    def _check_open(self):
        if self._batch is None:
            raise error.ClosedEnvironmentError(f"{self.native_id}: the environment is closed")

    def _write_action(self, action):
        """Validates one action and writes it to the native action buffer."""
        space = self.action_space
        if isinstance(space, gymnasium.spaces.Discrete):
            if isinstance(action, np.ndarray):
                if action.shape != ():
                    raise ValueError(f"{self.native_id}: expected one integer action, got an array of shape {action.shape}")
                action = action[()]
            if not isinstance(action, (int, np.integer)):
                raise TypeError(f"{self.native_id}: actions are integers in Discrete({space.n}), "
                                f"got {type(action).__name__} {action!r}")
            if not 0 <= action < space.n:
                raise ValueError(f"{self.native_id}: action {action} is out of range for Discrete({space.n})")
            self._batch.actions[0] = action
            return
        array = np.asarray(action)
        if array.dtype.kind not in "fiu":
            raise TypeError(f"{self.native_id}: actions are real numbers (float32), got dtype {array.dtype}")
        if array.shape != space.shape:
            raise ValueError(f"{self.native_id}: action shape must be {space.shape}, got {array.shape}")
        self._batch.actions[0] = array  # non-finite values are rejected by the engine before anything changes

    def _push_rng(self):
        """Continues the native stream from ``np_random`` (created from OS entropy if missing)."""
        bit_generator = self.np_random.bit_generator
        if not isinstance(bit_generator, np.random.PCG64):
            raise TypeError(f"{self.native_id}: np_random must use the PCG64 bit generator, got {type(bit_generator).__name__}")
        state = bit_generator.state["state"]
        self._batch.set_rng(0, state["state"], state["inc"])

    def _pull_rng(self):
        """Copies the native stream's state into ``np_random`` so both stay one stream."""
        state, inc = self._batch.get_rng(0)
        bit_generator = self.np_random.bit_generator
        full = bit_generator.state
        full["state"] = {"state": state, "inc": inc}
        bit_generator.state = full


def _env_class(name, native_id, doc):
    spec = SPECS[native_id]
    metadata = {"render_modes": ["rgb_array"], "render_fps": spec.render_fps}
    return type(name, (NativeEnv,), {"native_id": native_id, "metadata": metadata, "__doc__": doc,
                                     "__module__": __name__})


CartPoleEnv = _env_class("CartPoleEnv", "CartPole-v1", """Native ``CartPole-v1``: balance a pole on a cart.

Observation float32 ``[x, x_dot, theta, theta_dot]``; actions 0 (push left) and 1 (push right); reward 1 per step;
terminated when ``|x| > 2.4`` or ``|theta| > 12°``. Matches ``gymnasium.envs.classic_control.CartPoleEnv`` bit for bit.
""")
AcrobotEnv = _env_class("AcrobotEnv", "Acrobot-v1", """Native ``Acrobot-v1``: swing a two-link arm above the bar.

Observation float32 ``[cos θ1, sin θ1, cos θ2, sin θ2, θ̇1, θ̇2]``; actions 0, 1, 2 (torque −1, 0, +1); reward −1 per
step, 0 on reaching the goal. Matches Gymnasium's ``AcrobotEnv`` bit for bit except the reset observation, whose
cos/sin NumPy computes in float32 (at most 1 ulp apart).
""")
MountainCarEnv = _env_class("MountainCarEnv", "MountainCar-v0", """Native ``MountainCar-v0``: drive out of a valley.

Observation float32 ``[position, velocity]``; actions 0, 1, 2 (left, none, right); reward −1 per step; terminated at
position ≥ 0.5. Matches Gymnasium's ``MountainCarEnv`` bit for bit.
""")
MountainCarContinuousEnv = _env_class(
    "MountainCarContinuousEnv", "MountainCarContinuous-v0",
    """Native ``MountainCarContinuous-v0``: the mountain car with a continuous engine.

Observation float32 ``[position, velocity]``; action float32 ``[force]`` in [−1, 1]; reward 100 on reaching
position ≥ 0.45 minus ``0.1·action²`` per step. Matches Gymnasium's ``Continuous_MountainCarEnv`` bit for bit under
NumPy 2 for float32 actions (float64 actions are rounded to float32 first).
""")
PendulumEnv = _env_class("PendulumEnv", "Pendulum-v1", """Native ``Pendulum-v1``: swing a pendulum up and hold it.

Observation float32 ``[cos θ, sin θ, θ̇]``; action float32 ``[torque]`` in [−2, 2]; reward
``−(θ² + 0.1·θ̇² + 0.001·u²)``; never terminates. Matches Gymnasium's ``PendulumEnv`` bit for bit for float32 actions.
""")
BooleanReasoningEnv = _env_class("BooleanReasoningEnv", "BooleanReasoning-v0", """The seed's BooleanReasoning task.

Hidden X1, X2, X3 ~ Bernoulli(0.5), categories Y1 = X1 and Y2 = 1 − X1. Actions 0–4 poll X1, X2, X3, Y1, Y2 and
action 5 ends the session. Observation float32 ``[polled value, ended, one_hot(action, 6)]`` (zeros after reset).
Rewards: ±1 for an attribute (+1 if it is 1), ±3 for a category, −0.5 for repeating an action, 0 for ending and 0
once ended. ``terminated`` is the ended flag. The best policy earns 3 on average.
""")
