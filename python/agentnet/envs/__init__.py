"""Native environments, bit-exact with Gymnasium's classic control, registered with Gymnasium.

``import agentnet`` registers ``agentnet/CartPole-v1``, ``agentnet/Acrobot-v1``, ``agentnet/MountainCar-v0``,
``agentnet/MountainCarContinuous-v0``, ``agentnet/Pendulum-v1`` and ``agentnet/BooleanReasoning-v0``:

>>> import gymnasium, agentnet
>>> env = gymnasium.make("agentnet/CartPole-v1")              # a gymnasium.Env with TimeLimit(500)
>>> envs = gymnasium.make_vec("agentnet/CartPole-v1", num_envs=1024)   # a native VectorEnv, one C call per step

Seeded the same way, they produce the same observations, rewards and flags as ``gymnasium.make("CartPole-v1")``
and ``gymnasium.vector.SyncVectorEnv`` of it.
"""
import gymnasium

from ._specs import SPECS
from .graph import EnvStep, observations, step_node
from .native_environment import NativeEnvironment, native_environment
from .env import (AcrobotEnv, BooleanReasoningEnv, CartPoleEnv, MountainCarContinuousEnv, MountainCarEnv, NativeEnv,
                  PendulumEnv)
from .vector import (AcrobotVectorEnv, BooleanReasoningVectorEnv, CartPoleVectorEnv, MountainCarContinuousVectorEnv,
                     MountainCarVectorEnv, NativeVectorEnv, PendulumVectorEnv)

#: Native id -> (single env class, vector env class).
CLASSES = {
    "CartPole-v1": (CartPoleEnv, CartPoleVectorEnv),
    "Acrobot-v1": (AcrobotEnv, AcrobotVectorEnv),
    "MountainCar-v0": (MountainCarEnv, MountainCarVectorEnv),
    "MountainCarContinuous-v0": (MountainCarContinuousEnv, MountainCarContinuousVectorEnv),
    "Pendulum-v1": (PendulumEnv, PendulumVectorEnv),
    "BooleanReasoning-v0": (BooleanReasoningEnv, BooleanReasoningVectorEnv),
}

#: The Gymnasium ids this package registers.
IDS = [f"agentnet/{native_id}" for native_id in CLASSES]


def _register():
    for native_id, (single, vector) in CLASSES.items():
        env_id = f"agentnet/{native_id}"
        if env_id in gymnasium.registry:
            continue
        spec = SPECS[native_id]
        gymnasium.register(
            id=env_id,
            entry_point=f"{single.__module__}:{single.__name__}",
            vector_entry_point=f"{vector.__module__}:{vector.__name__}",
            max_episode_steps=spec.max_episode_steps,
            reward_threshold=spec.reward_threshold,
        )


_register()

__all__ = ["EnvStep", "observations", "step_node", "NativeEnvironment", "native_environment", "NativeEnv", "NativeVectorEnv", "IDS", "CLASSES", *(c.__name__ for pair in CLASSES.values() for c in pair)]
