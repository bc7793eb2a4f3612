"""The seed's Gymnasium observation wrappers for image environments: ``PreprocessImage`` (crop, resize, grayscale,
channels-first floats in [0, 1]) and ``FrameBuffer`` (the last ``n_frames`` observations, newest first, as
``WindowAugmentation`` orders them)."""

import gymnasium
import numpy as np

from ..._checks import as_int

__all__ = ["PreprocessImage", "FrameBuffer"]


def _resize_bilinear(image, height, width):
    """Bilinear resize of an [H, W, C] image with pixel centres aligned (as PIL's and OpenCV's default)."""
    h, w = image.shape[:2]
    ys = np.clip((np.arange(height) + 0.5) * h / height - 0.5, 0, h - 1)
    xs = np.clip((np.arange(width) + 0.5) * w / width - 0.5, 0, w - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, h - 1), np.minimum(x0 + 1, w - 1)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    image = image.astype(np.float32)
    top = image[y0][:, x0] * (1 - fx) + image[y0][:, x1] * fx
    bottom = image[y1][:, x0] * (1 - fx) + image[y1][:, x1] * fx
    return top * (1 - fy) + bottom * fy


class PreprocessImage(gymnasium.ObservationWrapper):
    """Crops, resizes and (optionally) grays an [H, W, C] uint8 image observation into [C', height, width] float32 in
    [0, 1] (C' = 1 when ``grayscale``), as the seed's wrapper did.

    Parameters
    ----------
    env : gymnasium.Env
        An environment with image observations [H, W, C] (or [H, W]).
    height, width : int
        The output size.
    grayscale : bool
        Average the channels into one.
    crop : callable
        Applied to the raw image first, e.g. ``lambda img: img[34:194]`` for Atari's playfield.
    """

    def __init__(self, env, height=64, width=64, grayscale=True, crop=lambda img: img):
        super().__init__(env)
        for name, value in (("height", height), ("width", width)):
            as_int(value, f"PreprocessImage: {name}", minimum=1, allow_bool=False)
        if not callable(crop):
            raise TypeError("PreprocessImage: crop must be a callable taking and returning an image")
        shape = env.observation_space.shape
        if shape is None or len(shape) not in (2, 3):
            raise ValueError(f"PreprocessImage: needs image observations [H, W] or [H, W, C], got shape {shape}")
        self.img_size = (int(height), int(width))
        self.grayscale = bool(grayscale)
        self.crop = crop
        channels = 1 if grayscale or len(shape) == 2 else shape[2]
        self.observation_space = gymnasium.spaces.Box(0.0, 1.0, (channels,) + self.img_size, np.float32)

    def observation(self, observation):
        image = np.asarray(self.crop(np.asarray(observation)))
        if image.ndim == 2:
            image = image[:, :, None]
        image = _resize_bilinear(image, *self.img_size)
        if self.grayscale:
            image = image.mean(axis=-1, keepdims=True)
        return (np.transpose(image, (2, 0, 1)) / 255.0).astype(np.float32)


class FrameBuffer(gymnasium.ObservationWrapper):
    """Stacks the last ``n_frames`` observations, newest first: [n_frames, *observation_shape].

    On reset the buffer is zero-filled and the reset observation pushed, so the first observation is the reset
    frame followed by zeros (the seed's behaviour).
    """

    def __init__(self, env, n_frames=4):
        super().__init__(env)
        as_int(n_frames, "FrameBuffer: n_frames", minimum=1, allow_bool=False)
        space = env.observation_space
        if not isinstance(space, gymnasium.spaces.Box):
            raise TypeError(f"FrameBuffer: needs a Box observation space, got {type(space).__name__}")
        self.n_frames = int(n_frames)
        low = np.broadcast_to(space.low, (self.n_frames,) + space.shape)
        high = np.broadcast_to(space.high, (self.n_frames,) + space.shape)
        self.observation_space = gymnasium.spaces.Box(np.minimum(low, 0), np.maximum(high, 0), dtype=np.float32)
        self.framebuffer = np.zeros((self.n_frames,) + space.shape, np.float32)

    def reset(self, **kwargs):
        self.framebuffer = np.zeros_like(self.framebuffer)
        return super().reset(**kwargs)

    def observation(self, observation):
        self.framebuffer = np.concatenate([np.asarray(observation, np.float32)[None], self.framebuffer[:-1]])
        return self.framebuffer.copy()
