"""Playing any Gymnasium environment with an AgentNet agent: :class:`~.pool.EnvPool` records sessions into a
``SessionPoolEnvironment``; :mod:`.wrappers` has the seed's ``PreprocessImage`` and ``FrameBuffer``."""
from .pool import EnvPool
from .wrappers import FrameBuffer, PreprocessImage

__all__ = ["EnvPool", "PreprocessImage", "FrameBuffer"]
