"""Batch normalization (Lasagne's ``layers.normalization.BatchNormLayer`` and ``batch_norm``).

Running averages
----------------
Lasagne keeps the running mean and inverse standard deviation up to date through Theano's ``default_update``
mechanism: the training graph silently carries updates of the ``mean`` and ``inv_std`` shared variables. The
engine has no hidden default updates, so here they are explicit:

* ``get_output(net)`` (not deterministic) normalizes with the batch statistics and, since
  ``batch_norm_update_averages`` defaults to True then, records the running-average updates on the layer;
* :meth:`BatchNormLayer.get_updates` returns them as an OrderedDict ``{mean: new_mean, inv_std: new_inv_std}``
  and :func:`get_batch_norm_updates` collects them from a whole network; add them to the training function's
  updates, e.g. ``agentnet.function([x, y], loss, updates=list(adam(...).items()) +
  list(get_batch_norm_updates(net).items()))``;
* ``get_output(net, deterministic=True)`` normalizes with the stored averages and records nothing.

The update rule is Lasagne's: ``mean <- (1 - alpha) * mean + alpha * batch_mean`` and likewise for ``inv_std``.
"""
import numbers
from collections import OrderedDict

from .. import init
from .. import nonlinearities
from .. import tensor as T
from .base import Layer

__all__ = ["BatchNormLayer", "batch_norm", "get_batch_norm_updates"]


class BatchNormLayer(Layer):
    """Normalizes the input over ``axes``: ``(input - mean) * inv_std * gamma + beta``.

    Parameters
    ----------
    incoming : Layer or tuple
    axes : 'auto', int or tuple of int
        Axes to normalize over; ``'auto'`` means all axes but the second (per-unit / per-channel statistics).
    epsilon : float
        Added to the variance before the square root; default 1e-4.
    alpha : float
        Weight of the newest batch in the running averages; default 0.1.
    beta : Initializer, array, SharedVariable or None
        Shift (trainable, not regularizable), default ``Constant(0)``; None for no shift.
    gamma : Initializer, array, SharedVariable or None
        Scale (trainable, regularizable), default ``Constant(1)``; None for no scale.
    mean : Initializer, array or SharedVariable
        Running mean (not trainable, not regularizable), default ``Constant(0)``.
    inv_std : Initializer, array or SharedVariable
        Running inverse standard deviation (not trainable, not regularizable), default ``Constant(1)``.

    Notes
    -----
    ``get_output_for`` accepts ``deterministic`` (default False), ``batch_norm_use_averages`` (default
    ``deterministic``) and ``batch_norm_update_averages`` (default ``not deterministic``). See the module
    docstring and :meth:`get_updates` for how the running averages are updated.
    """

    def __init__(self, incoming, axes="auto", epsilon=1e-4, alpha=0.1, beta=init.Constant(0),
                 gamma=init.Constant(1), mean=init.Constant(0), inv_std=init.Constant(1), **kwargs):
        super().__init__(incoming, **kwargs)
        ndim = len(self.input_shape)
        if axes == "auto":
            axes = (0,) + tuple(range(2, ndim))
        elif isinstance(axes, numbers.Integral) and not isinstance(axes, bool):
            axes = (axes,)
        try:
            axes = tuple(int(a) for a in axes)
        except (TypeError, ValueError):
            raise TypeError(f"BatchNormLayer: axes must be 'auto', an int or a tuple of ints, got {axes!r}") from None
        for a in axes:
            if not 0 <= a < ndim:
                raise ValueError(f"BatchNormLayer: axis {a} is out of range for a {ndim}-dimensional input")
        if len(set(axes)) != len(axes):
            raise ValueError(f"BatchNormLayer: axes contain duplicates: {axes!r}")
        self.axes = axes
        for what, v in (("epsilon", epsilon), ("alpha", alpha)):
            if isinstance(v, bool) or not isinstance(v, numbers.Real):
                raise TypeError(f"BatchNormLayer: {what} must be a number, got {v!r}")
        if epsilon < 0:
            raise ValueError(f"BatchNormLayer: epsilon must be non-negative, got {epsilon}")
        if not 0 <= alpha <= 1:
            raise ValueError(f"BatchNormLayer: alpha must be in [0, 1], got {alpha}")
        self.epsilon = epsilon
        self.alpha = alpha

        shape = [size for axis, size in enumerate(self.input_shape) if axis not in self.axes]
        if any(size is None for size in shape):
            raise ValueError("BatchNormLayer needs specified input sizes for all axes not normalized over (input "
                             f"shape {self.input_shape!r}, axes {self.axes!r})")
        shape = tuple(shape)
        self.beta = None if beta is None else self.add_param(beta, shape, "beta", trainable=True,
                                                               regularizable=False)
        self.gamma = None if gamma is None else self.add_param(gamma, shape, "gamma", trainable=True,
                                                                 regularizable=True)
        self.mean = self.add_param(mean, shape, "mean", trainable=False, regularizable=False)
        self.inv_std = self.add_param(inv_std, shape, "inv_std", trainable=False, regularizable=False)
        self._updates = OrderedDict()

    def get_output_for(self, input, deterministic=False, batch_norm_use_averages=None,
                       batch_norm_update_averages=None, **kwargs):
        input_mean = T.mean(input, axis=self.axes)
        input_inv_std = 1.0 / T.sqrt(T.var(input, axis=self.axes) + self.epsilon)

        use_averages = deterministic if batch_norm_use_averages is None else batch_norm_use_averages
        update_averages = (not deterministic) if batch_norm_update_averages is None else batch_norm_update_averages

        if use_averages:
            mean, inv_std = self.mean, self.inv_std
        else:
            mean, inv_std = input_mean, input_inv_std

        if update_averages:
            running_mean = (1 - self.alpha) * self.mean + self.alpha * input_mean
            running_inv_std = (1 - self.alpha) * self.inv_std + self.alpha * input_inv_std
            self._updates = OrderedDict([(self.mean, running_mean), (self.inv_std, running_inv_std)])

        param_axes = iter(range(input.ndim - len(self.axes)))
        pattern = ["x" if input_axis in self.axes else next(param_axes) for input_axis in range(input.ndim)]
        normalized = (input - T.dimshuffle(mean, pattern)) * T.dimshuffle(inv_std, pattern)
        if self.gamma is not None:
            normalized = normalized * T.dimshuffle(self.gamma, pattern)
        if self.beta is not None:
            normalized = normalized + T.dimshuffle(self.beta, pattern)
        return normalized

    def get_updates(self):
        """Running-average updates recorded by the latest ``get_output_for`` that updated the averages.

        Returns
        -------
        OrderedDict
            ``{self.mean: new_mean, self.inv_std: new_inv_std}`` as expressions of that call's input (empty if no
            training-mode output has been built yet). Pass them to :func:`agentnet.function` as ``updates``.
        """
        return OrderedDict(self._updates)

    def _repr_args(self):
        return [f"axes={self.axes!r}"]


def get_batch_norm_updates(layer_or_layers):
    """The running-average updates of every :class:`BatchNormLayer` below ``layer_or_layers`` (an OrderedDict).

    Call it after ``get_output(layer_or_layers)`` built the training graph.
    """
    from .helper import get_all_layers
    updates = OrderedDict()
    for layer in get_all_layers(layer_or_layers):
        if isinstance(layer, BatchNormLayer):
            updates.update(layer.get_updates())
    return updates


def batch_norm(layer, **kwargs):
    """Inserts a :class:`BatchNormLayer` after ``layer`` (Lasagne's ``batch_norm``).

    The layer's bias ``b`` is removed (batch normalization's ``beta`` replaces it) and its nonlinearity is moved
    after the normalization, in a :class:`NonlinearityLayer`. Returns the last layer added.
    """
    from .dense import NonlinearityLayer
    nonlinearity = getattr(layer, "nonlinearity", None)
    if nonlinearity is not None:
        layer.nonlinearity = nonlinearities.identity
        engine = getattr(layer, "_engine", None)
        if engine is not None:
            # the engine layer applies its own nonlinearity: fall back to the Python composition
            layer._engine = None
    if getattr(layer, "b", None) is not None:
        del layer.params[layer.b]
        layer.b = None
        if getattr(layer, "_engine", None) is not None:
            layer._engine = None
    bn_name = (kwargs.pop("name", None) or (getattr(layer, "name", None) and layer.name + "_bn"))
    layer = BatchNormLayer(layer, name=bn_name, **kwargs)
    if nonlinearity is not None:
        nonlin_name = bn_name and bn_name + "_nonlin"
        layer = NonlinearityLayer(layer, nonlinearity, name=nonlin_name)
    return layer
