"""What each native environment looks like from Gymnasium: spaces (built exactly as Gymnasium builds them),
registration numbers, render rate, and how ``reset(options=...)`` is read."""
import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from gymnasium import spaces
from gymnasium.envs.classic_control import utils


@dataclass(frozen=True)
class NativeSpec:
    """The Gymnasium face of one native environment family.

    Attributes
    ----------
    env_id : str
        Native id without namespace; registered as ``"agentnet/" + env_id``.
    observation_space, action_space : callable
        Make a fresh space (spaces carry their own RNG, so each env gets its own).
    max_episode_steps : int
    reward_threshold : float or None
    render_fps : int
    parse_options : callable
        ``options`` dict (or None) -> None for the defaults, or the two numbers the engine's reset takes.
    """

    env_id: str
    observation_space: Callable[[], spaces.Space]
    action_space: Callable[[], spaces.Space]
    max_episode_steps: int
    reward_threshold: Optional[float]
    render_fps: int
    parse_options: Callable[[Optional[dict]], Optional[tuple]]


def _bounds(default_low, default_high):
    """``low``/``high`` options with Gymnasium's parsing and errors (classic_control/utils.py)."""

    def parse(options):
        if options is None:
            return None
        return utils.maybe_parse_reset_bounds(options, default_low, default_high)

    return parse


def _pendulum_options(options):
    """``x_init``/``y_init`` options as pendulum.py reads them."""
    if options is None:
        return None
    x = options.get("x_init") if "x_init" in options else np.pi
    y = options.get("y_init") if "y_init" in options else 1.0
    return utils.verify_number_and_cast(x), utils.verify_number_and_cast(y)


def _symmetric_box(high):
    high = np.array(high, dtype=np.float32)
    return spaces.Box(-high, high, dtype=np.float32)


def _mountain_car_box():
    low = np.array([-1.2, -0.07], dtype=np.float32)
    high = np.array([0.6, 0.07], dtype=np.float32)
    return spaces.Box(low, high, dtype=np.float32)


SPECS = {
    spec.env_id: spec
    for spec in [
        NativeSpec(
            "CartPole-v1",
            lambda: _symmetric_box([2.4 * 2, np.inf, 12 * 2 * math.pi / 360 * 2, np.inf]),
            lambda: spaces.Discrete(2),
            500, 475.0, 50, _bounds(-0.05, 0.05)),
        NativeSpec(
            "Acrobot-v1",
            lambda: _symmetric_box([1.0, 1.0, 1.0, 1.0, 4 * np.pi, 9 * np.pi]),
            lambda: spaces.Discrete(3),
            500, -100.0, 15, _bounds(-0.1, 0.1)),
        NativeSpec(
            "MountainCar-v0",
            _mountain_car_box,
            lambda: spaces.Discrete(3),
            200, -110.0, 30, _bounds(-0.6, -0.4)),
        NativeSpec(
            "MountainCarContinuous-v0",
            _mountain_car_box,
            lambda: spaces.Box(low=-1.0, high=1.0, shape=(1,), dtype=np.float32),
            999, 90.0, 30, _bounds(-0.6, -0.4)),
        NativeSpec(
            "Pendulum-v1",
            lambda: _symmetric_box([1.0, 1.0, 8]),
            lambda: spaces.Box(low=-2.0, high=2.0, shape=(1,), dtype=np.float32),
            200, None, 30, _pendulum_options),
        NativeSpec(
            "BooleanReasoning-v0",
            lambda: spaces.Box(0.0, 1.0, shape=(8,), dtype=np.float32),
            lambda: spaces.Discrete(6),
            10, None, 4, lambda options: None),
    ]
}
