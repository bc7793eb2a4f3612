"""The demo trains and the installed package is the one under test."""
import pathlib

import agentnet
from agentnet import demo


def test_demo_solves_cartpole():
    """The DQN demo (native env, replay pool, target network, Q-learning, Adam) reaches a greedy mean of 475."""
    score, steps, _ = demo.main(seed=0, max_steps=150_000, quiet=True)
    assert score >= 475, f"greedy return {score} after {steps} env steps"


def test_package_bundles_its_engine_library():
    here = pathlib.Path(agentnet.__file__).resolve().parent
    lib = pathlib.Path(agentnet._lib.lib._name)
    assert lib.is_file()
    if "site-packages" in str(here):
        assert lib.parent == here / "lib"
