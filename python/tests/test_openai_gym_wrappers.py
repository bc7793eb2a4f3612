"""agentnet.experiments.openai_gym wrappers: PreprocessImage (crop, bilinear resize, gray, CHW in [0, 1]) and
FrameBuffer (newest first, zero-filled at reset)."""
import gymnasium
import numpy as np
import pytest

from agentnet.experiments.openai_gym import FrameBuffer, PreprocessImage


class ImageEnv(gymnasium.Env):
    """Observations are images whose pixels count the steps, so the buffer order is visible."""

    def __init__(self, shape=(8, 6, 3)):
        self.observation_space = gymnasium.spaces.Box(0, 255, shape, np.uint8)
        self.action_space = gymnasium.spaces.Discrete(2)
        self.t = 0

    def image(self):
        return np.full(self.observation_space.shape, self.t, np.uint8)

    def reset(self, seed=None, options=None):
        super().reset(seed=seed)
        self.t = 1
        return self.image(), {}

    def step(self, action):
        self.t += 1
        return self.image(), 1.0, False, False, {}


def test_preprocess_image_crops_resizes_grays_and_scales():
    env = PreprocessImage(ImageEnv(), height=4, width=3, crop=lambda img: img[2:])
    assert env.observation_space.shape == (1, 4, 3) and env.observation_space.dtype == np.float32
    obs, _ = env.reset()
    assert obs.shape == (1, 4, 3) and obs.dtype == np.float32
    np.testing.assert_allclose(obs, 1 / 255.0, rtol=1e-6)


def test_bilinear_resize_matches_a_hand_computed_example():
    from agentnet.experiments.openai_gym.wrappers import _resize_bilinear
    image = np.array([[0, 10], [20, 30]], np.float32)[:, :, None]
    out = _resize_bilinear(image, 4, 4)[:, :, 0]
    # pixel centres: source coordinate (i + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25 → clipped to 0, .25, .75, 1
    expected_rows = np.array([0, 0.25, 0.75, 1.0]) * 20
    expected_cols = np.array([0, 0.25, 0.75, 1.0]) * 10
    np.testing.assert_allclose(out, expected_rows[:, None] + expected_cols[None, :], rtol=1e-6)


def test_preprocess_image_keeps_colour_channels_first():
    env = PreprocessImage(ImageEnv(), height=2, width=2, grayscale=False)
    obs, _ = env.reset()
    assert obs.shape == (3, 2, 2)


def test_frame_buffer_is_newest_first_and_zero_filled_at_reset():
    env = FrameBuffer(PreprocessImage(ImageEnv(), height=2, width=2), n_frames=3)
    assert env.observation_space.shape == (3, 1, 2, 2)
    obs, _ = env.reset()
    np.testing.assert_allclose(obs[:, 0, 0, 0] * 255, [1, 0, 0], rtol=1e-5)
    obs, *_ = env.step(0)
    obs, *_ = env.step(0)
    obs, *_ = env.step(0)
    np.testing.assert_allclose(obs[:, 0, 0, 0] * 255, [4, 3, 2], rtol=1e-5)
    obs, _ = env.reset()
    np.testing.assert_allclose(obs[:, 0, 0, 0] * 255, [1, 0, 0], rtol=1e-5)


@pytest.mark.parametrize("make, error, message", [
    (lambda: PreprocessImage(ImageEnv(), height=0), ValueError, "height must be at least 1"),
    (lambda: PreprocessImage(ImageEnv(), width=2.5), TypeError, "width must be an integer"),
    (lambda: PreprocessImage(ImageEnv(), width=True), TypeError, "width must be an integer"),
    (lambda: PreprocessImage(ImageEnv(), crop=3), TypeError, "crop must be a callable"),
    (lambda: PreprocessImage(ImageEnv(shape=(4,))), ValueError, "needs image observations"),
    (lambda: FrameBuffer(ImageEnv(), n_frames=0), ValueError, "n_frames must be at least 1"),
    (lambda: FrameBuffer(ImageEnv(), n_frames="4"), TypeError, "n_frames must be an integer"),
])
def test_wrappers_reject_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make()
