"""Builds the Swift engine in release mode and packs it into a ``py3-none-<platform>`` wheel.

``pip install .`` is all a user runs. The Swift toolchain and OpenBLAS (``libopenblas-dev``) must be present;
if either is missing the build stops and says what to install.
"""
import os
import pathlib
import shutil
import subprocess
import sysconfig

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

try:
    from wheel.bdist_wheel import bdist_wheel
except ImportError:  # pragma: no cover - setuptools >= 70 ships its own
    from setuptools.command.bdist_wheel import bdist_wheel

ROOT = pathlib.Path(__file__).resolve().parent


def _have_openblas():
    if shutil.which("pkg-config"):
        if subprocess.run(["pkg-config", "--exists", "openblas"]).returncode == 0:
            return True
    return any(pathlib.Path(p).exists() for p in (
        "/usr/include/x86_64-linux-gnu/openblas-pthread/cblas.h",
        "/usr/include/aarch64-linux-gnu/openblas-pthread/cblas.h",
    ))


class BuildSwift(build_py):
    """Runs ``swift build -c release -Xswiftc -static-stdlib`` and copies libagentnet.so into the package."""

    def run(self):
        super().run()
        swift = shutil.which("swift")
        if swift is None:
            raise SystemExit(
                "AgentNet needs the Swift toolchain (6.0 or newer) to build its engine: install it from swift.org "
                "and make sure `swift` is on PATH, then run `pip install .` again."
            )
        if not _have_openblas():
            raise SystemExit(
                "AgentNet needs OpenBLAS to build its engine: run `sudo apt-get install -y libopenblas-dev pkg-config` "
                "(Debian/Ubuntu), then run `pip install .` again."
            )
        cmd = [swift, "build", "-c", "release", "-Xswiftc", "-static-stdlib", "--product", "agentnet"]
        subprocess.run(cmd, cwd=ROOT, check=True)
        bin_path = subprocess.run(cmd[:4] + ["--show-bin-path"], cwd=ROOT, check=True,
                                  capture_output=True, text=True).stdout.strip()
        target = pathlib.Path(self.build_lib) / "agentnet" / "lib"
        target.mkdir(parents=True, exist_ok=True)
        shutil.copy2(pathlib.Path(bin_path) / "libagentnet.so", target / "libagentnet.so")


class PlatformWheel(bdist_wheel):
    """The wheel holds a native library but no Python extension: tag it py3-none-<platform>."""

    def finalize_options(self):
        super().finalize_options()
        self.root_is_pure = False

    def get_tag(self):
        return "py3", "none", sysconfig.get_platform().replace("-", "_").replace(".", "_")


setup(
    name="agentnet",
    version="0.1.0",
    description="Deep reinforcement learning with a Swift engine: agents, memory, objectives, native environments.",
    long_description=(ROOT / "README.md").read_text() if (ROOT / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    package_dir={"": "python"},
    packages=find_packages("python", exclude=["tests", "tests.*"]),
    python_requires=">=3.9",
    install_requires=["numpy>=1.22", "gymnasium>=1.0"],
    cmdclass={"build_py": BuildSwift, "bdist_wheel": PlatformWheel},
    zip_safe=False,
)
