"""The demo trains and the installed package is the one under test."""
import pathlib

import agentnet
from agentnet import demo


def test_demo_learns_spirals():
    assert demo.main(steps=300) > 0.9


def test_package_bundles_its_engine_library():
    here = pathlib.Path(agentnet.__file__).resolve().parent
    lib = pathlib.Path(agentnet._lib.lib._name)
    assert lib.is_file()
    if "site-packages" in str(here):
        assert lib.parent == here / "lib"
