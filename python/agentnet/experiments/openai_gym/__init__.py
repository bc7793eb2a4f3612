"""Gymnasium adapters of the seed's ``experiments/openai_gym``: :mod:`.wrappers` has ``PreprocessImage`` and
``FrameBuffer`` for image environments."""
from .wrappers import FrameBuffer, PreprocessImage

__all__ = ["PreprocessImage", "FrameBuffer"]
