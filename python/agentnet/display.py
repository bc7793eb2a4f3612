"""Notebook niceties: live training curves (:class:`Metrics`) and a readable dump of sessions (:func:`print_sessions`).

Nothing here computes anything the engine needs; it only shows what the user logged or recorded.
"""
import math
import numbers
import os
import sys

import numpy as np

from ._checks import as_int

__all__ = ["Metrics", "print_sessions"]


def _in_notebook():
    """True inside a Jupyter kernel (where a figure can be redrawn in place), False in a terminal or a script."""
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython() if hasattr(ipython, "get_ipython") else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


class Metrics:
    """Named training curves that redraw themselves: one subplot per metric, raw values and a moving average.

    Parameters
    ----------
    smoothing : int
        Width of the trailing moving average drawn over each curve (1 draws the raw values only).
    path : str or None
        Where :meth:`plot` writes a PNG when there is no notebook to draw in (a script, CI). Default
        ``"metrics.png"`` in the working directory; None never writes a file.
    every : int
        :meth:`log` redraws after every ``every``-th call (0: only when :meth:`plot` is called).

    Examples
    --------
    >>> metrics = Metrics(smoothing=10, every=0, path=None)
    >>> for epoch in range(100):
    ...     metrics.log(epoch, reward=float(epoch), loss=1.0 / (epoch + 1))
    >>> metrics["reward"][1][-1]
    99.0
    """

    def __init__(self, smoothing=10, path="metrics.png", every=1):
        smoothing = as_int(smoothing, "Metrics: smoothing", minimum=1, allow_bool=False)
        every = as_int(every, "Metrics: every", minimum=0, allow_bool=False)
        if path is not None and not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"Metrics: path must be a file name or None, got {type(path).__name__}")
        self.smoothing = int(smoothing)
        self.path = path
        self.every = int(every)
        self._history = {}
        self._calls = 0
        self._figure = None
        self._handle = None

    def log(self, step, **values):
        """Records ``values`` (name=number) at ``step`` (an epoch or env-step count) and redraws every ``every`` calls."""
        if isinstance(step, bool) or not isinstance(step, numbers.Real) or not math.isfinite(step):
            raise ValueError(f"Metrics.log: step must be a finite number, got {step!r}")
        if not values:
            raise ValueError("Metrics.log: give at least one metric, e.g. log(step, reward=r)")
        for name, value in values.items():
            try:
                value = float(np.asarray(value).reshape(()))
            except (TypeError, ValueError):
                raise ValueError(f"Metrics.log: metric {name!r} must be a number, got {value!r}") from None
            steps, history = self._history.setdefault(name, ([], []))
            steps.append(step)
            history.append(value)
        self._calls += 1
        if self.every and self._calls % self.every == 0:
            self.plot()

    def __getitem__(self, name):
        """``(steps, values)`` lists of metric ``name``."""
        if name not in self._history:
            raise KeyError(f"no metric {name!r} was logged; logged: {sorted(self._history)}")
        steps, values = self._history[name]
        return list(steps), list(values)

    def __contains__(self, name):
        return name in self._history

    @property
    def names(self):
        """Metric names in the order they were first logged."""
        return list(self._history)

    def smoothed(self, name):
        """The trailing moving average of metric ``name`` over ``smoothing`` values (shorter at the start)."""
        values = np.asarray(self[name][1], np.float64)
        sums = np.cumsum(values)
        window = np.minimum(np.arange(1, len(values) + 1), self.smoothing)
        starts = np.arange(len(values)) - window
        before = np.where(starts >= 0, sums[np.maximum(starts, 0)], 0.0)
        return (sums - before) / window

    def plot(self):
        """Draws every metric: in place in a notebook, otherwise into ``path`` (if set). Returns the figure."""
        if not self._history:
            raise ValueError("Metrics.plot: nothing was logged yet")
        notebook = _in_notebook()
        try:
            import matplotlib
            if not notebook:
                matplotlib.use("Agg", force=False)
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError("Metrics.plot needs matplotlib: pip install matplotlib") from None
        names = self.names
        if self._figure is None or len(self._figure.axes) != len(names):
            if self._figure is not None:
                plt.close(self._figure)
            self._figure, _ = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.2), squeeze=False)
        for axis, name in zip(self._figure.axes, names):
            steps, values = self._history[name]
            axis.clear()
            axis.plot(steps, values, alpha=0.35, label=name)
            if self.smoothing > 1:
                axis.plot(steps, self.smoothed(name), label=f"mean of {self.smoothing}")
            axis.set_title(f"{name}: {values[-1]:.4g}")
            axis.set_xlabel("step")
            axis.grid(alpha=0.3)
            axis.legend(loc="best", fontsize="small")
        self._figure.tight_layout()
        if notebook:
            from IPython.display import display
            if self._handle is None:
                self._handle = display(self._figure, display_id=True)
            else:
                self._handle.update(self._figure)
        elif self.path is not None:
            self._figure.savefig(self.path, dpi=80)
        return self._figure

    def __repr__(self):
        last = ", ".join(f"{n}={self._history[n][1][-1]:.4g}" for n in self._history)
        return f"Metrics({last or 'empty'})"


def _as_batch_tick(name, array, ndim_min=2):
    array = np.asarray(array)
    if array.ndim < ndim_min:
        raise ValueError(f"print_sessions: {name} must be [batch, tick, ...], got shape {array.shape}")
    return array


def print_sessions(observations, actions, rewards, is_alive=None, action_names=None, max_sessions=3,
                   max_ticks=None, file=None):
    """Prints recorded sessions tick by tick: observation, action and reward, up to each session's end.

    Parameters
    ----------
    observations : array [batch, tick, ...]
        What the agent saw at each tick (any trailing shape; printed flattened, 4 significant digits).
    actions : array [batch, tick] or [batch, tick, action_dims]
        What it did (integers are looked up in ``action_names`` when given).
    rewards : array [batch, tick]
        The reward for each tick's action.
    is_alive : array [batch, tick] or None
        The seed's alive flags; printing of a session stops at its first dead tick (the tick after the episode's end, whose action the
        environment ignores). None prints every tick.
    action_names : sequence of str or None
        Names of discrete actions.
    max_sessions, max_ticks : int or None
        How many sessions (rows of the batch) and ticks to print; None prints all.
    file : file-like or None
        Where to print (default ``sys.stdout``).
    """
    observations = _as_batch_tick("observations", observations)
    actions = _as_batch_tick("actions", actions)
    rewards = _as_batch_tick("rewards", rewards)
    if rewards.ndim != 2:
        raise ValueError(f"print_sessions: rewards must be [batch, tick], got shape {rewards.shape}")
    batch, ticks = rewards.shape
    for name, array in (("observations", observations), ("actions", actions)):
        if array.shape[:2] != (batch, ticks):
            raise ValueError(f"print_sessions: {name} has [batch, tick] = {array.shape[:2]}, rewards has "
                             f"{(batch, ticks)}")
    if is_alive is not None:
        is_alive = _as_batch_tick("is_alive", is_alive)
        if is_alive.shape != (batch, ticks):
            raise ValueError(f"print_sessions: is_alive has shape {is_alive.shape}, rewards has {(batch, ticks)}")
    for name, limit in (("max_sessions", max_sessions), ("max_ticks", max_ticks)):
        if limit is not None:
            as_int(limit, f"print_sessions: {name}", minimum=0, allow_bool=False)
    out = sys.stdout if file is None else file
    shown = batch if max_sessions is None else min(batch, max_sessions)
    for b in range(shown):
        total = 0.0
        print(f"session {b}:", file=out)
        last = ticks if max_ticks is None else min(ticks, max_ticks)
        for t in range(last):
            if is_alive is not None and not is_alive[b, t]:
                break
            action = actions[b, t]
            if action_names is not None and np.ndim(action) == 0 and np.issubdtype(np.asarray(action).dtype,
                                                                                   np.integer):
                index = int(action)
                shown_action = action_names[index] if 0 <= index < len(action_names) else str(index)
            else:
                shown_action = np.array2string(np.asarray(action).ravel(), precision=4, separator=", ")
            obs = np.array2string(np.asarray(observations[b, t], np.float64).ravel(), precision=4, separator=", ",
                                  max_line_width=10_000)
            reward = float(rewards[b, t])
            total += reward
            print(f"  t={t:<4d} obs={obs}  action={shown_action}  reward={reward:.4g}", file=out)
        print(f"  total reward {total:.4g}", file=out)
