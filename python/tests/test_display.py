"""agentnet.display: Metrics records, smooths and draws (a PNG when headless); print_sessions stops at the end."""
import io

import numpy as np
import pytest

from agentnet.display import Metrics, print_sessions


def test_metrics_records_in_order_and_smooths_with_a_trailing_mean():
    m = Metrics(smoothing=3, path=None, every=0)
    for step, r in enumerate([1.0, 2.0, 6.0, 3.0]):
        m.log(step * 10, reward=r, loss=np.float32(r / 2))
    assert m.names == ["reward", "loss"]
    assert m["reward"] == ([0, 10, 20, 30], [1.0, 2.0, 6.0, 3.0])
    np.testing.assert_allclose(m.smoothed("reward"), [1.0, 1.5, 3.0, 11.0 / 3])
    assert "reward" in m and "x" not in m
    assert repr(m) == "Metrics(reward=3, loss=1.5)"


def test_metrics_writes_a_png_when_headless(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "curves.png"
    m = Metrics(smoothing=2, path=str(path), every=2)
    m.log(0, reward=1.0)
    assert not path.exists()              # redraws every 2nd call
    m.log(1, reward=2.0)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    figure = m.plot()
    assert len(figure.axes) == 1 and figure.axes[0].get_title() == "reward: 2"


@pytest.mark.parametrize("call, message", [
    (lambda m: m.log(0), "at least one metric"),
    (lambda m: m.log(float("nan"), r=1), "step must be a finite number"),
    (lambda m: m.log(0, r="x"), "metric 'r' must be a number"),
    (lambda m: m.plot(), "nothing was logged"),
])
def test_metrics_rejects_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call(Metrics(path=None, every=0))


def test_metrics_checks_its_parameters():
    with pytest.raises(ValueError, match="smoothing"):
        Metrics(smoothing=0)
    with pytest.raises(ValueError, match="every"):
        Metrics(every=-1)
    with pytest.raises(TypeError, match="path"):
        Metrics(path=3)
    with pytest.raises(TypeError, match="smoothing must be an integer"):
        Metrics(smoothing=2.5)
    with pytest.raises(TypeError, match="every must be an integer"):
        Metrics(every=True)
    with pytest.raises(KeyError, match="no metric 'loss'"):
        Metrics()["loss"]


def test_print_sessions_stops_at_the_first_dead_tick_and_names_actions():
    obs = np.arange(2 * 4 * 2, dtype=np.float32).reshape(2, 4, 2)
    actions = np.array([[0, 1, 1, 0], [1, 1, 1, 1]])
    rewards = np.array([[1, 2, 3, 4], [0.5, 0.5, 0.5, 0.5]], np.float32)
    alive = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], np.uint8)
    out = io.StringIO()
    print_sessions(obs, actions, rewards, alive, action_names=["left", "right"], file=out)
    text = out.getvalue()
    first, second = text.split("session 1:")
    assert first.count("t=") == 2 and "action=left" in first and "total reward 3" in first
    assert second.count("t=") == 4 and "total reward 2" in second
    assert "obs=[2., 3.]" in first


def test_print_sessions_limits_and_continuous_actions():
    out = io.StringIO()
    print_sessions(np.zeros((3, 5, 1)), np.full((3, 5, 2), 0.25), np.ones((3, 5)), max_sessions=1, max_ticks=2,
                   file=out)
    text = out.getvalue()
    assert text.count("session") == 1 and text.count("t=") == 2 and "action=[0.25, 0.25]" in text


@pytest.mark.parametrize("kwargs, message", [
    (dict(rewards=np.ones(3)), "rewards must be"),
    (dict(actions=np.zeros((2, 3))), "actions has"),
    (dict(is_alive=np.ones((2, 2))), "is_alive has shape"),
    (dict(max_sessions=-1), "max_sessions"),
])
def test_print_sessions_rejects_mismatched_shapes(kwargs, message):
    args = dict(observations=np.zeros((2, 4, 1)), actions=np.zeros((2, 4)), rewards=np.zeros((2, 4)))
    args.update(kwargs)
    with pytest.raises(ValueError, match=message):
        print_sessions(file=io.StringIO(), **args)
