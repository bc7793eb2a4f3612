"""``BaseEnvironment``: an MDP written with ``agentnet.tensor`` ops, stepped inside the agent's unrolled graph.

A Python subclass is an engine ``HostEnvironment``: while the engine builds an agent's sessions it asks the
Python object for ``get_action_results`` through the build-time callback (ARCHITECTURE §3); nothing calls back
while a compiled function runs. Built-in environments (``BooleanReasoningEnvironment``) are engine objects.
"""
import inspect
import numbers
from collections import OrderedDict

from .. import _host, _objects
from .._core import Variable
from ..layers._zoo import jsonable
from ..layers.native import EngineLayer, dtype_name
from ..utils.format import check_list, check_tuple
from ..utils.layers import DictLayer

__all__ = ["BaseEnvironment", "EnvironmentStepLayer"]


def _is_dim(d):
    return d is None or (isinstance(d, numbers.Integral) and not isinstance(d, bool))


def shape_list(shapes, what):
    """The seed's shape arguments as a list of shape tuples: a single shape (a tuple of ints, e.g. ``(8,)`` or
    ``[6]``), a list of shapes (``[(8,), (3, 2)]``, ints standing for 1-d shapes), or ``()`` for none."""
    shapes = check_tuple(shapes)
    if not shapes:
        return []
    if all(_is_dim(d) for d in shapes):
        return [tuple(shapes)]
    out = []
    for s in shapes:
        if _is_dim(s):
            out.append((s,))
        elif isinstance(s, (tuple, list)) and all(_is_dim(d) for d in s):
            out.append(tuple(s))
        else:
            raise TypeError(f"{what}: expected a shape tuple or a list of shape tuples, got {shapes!r}")
    return out


def _shapes_json(shapes):
    return [[None if d is None else int(d) for d in s] for s in shapes]


def _accepted_kwargs(f, kwargs):
    """``kwargs`` that ``f`` accepts (all of them if it takes ``**kwargs``)."""
    try:
        params = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        return {}
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return dict(kwargs)
    names = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    return {k: v for k, v in kwargs.items() if k in names}


class BaseEnvironment:
    """Base for environments: the class to inherit from when designing your own.

    To define an environment, describe its internal state(s), the observations it sends to the agent, the
    actions it accepts, and its logic: ``get_action_results(last_states, actions)`` returns
    ``(new_states, observations)`` built with ``agentnet.tensor`` ops. States, observations and actions are
    tensors ``[batch, ...]``; their per-item shapes (without the batch axis) and dtypes are given here.

    Parameters
    ----------
    state_shapes : tuple or list of tuples
        Environment state shape(s), e.g. ``[6]`` (one state of shape ``(6,)``) or ``[(6,), (2, 3)]``.
    observation_shapes : tuple or list of tuples
        Shape(s) of what the agent observes, one per agent observation layer.
    action_shapes : tuple or list of tuples
        Shape(s) of the actions, one per agent action layer; ``[()]`` for one scalar action.
    state_dtypes, observation_dtypes, action_dtypes : tuple or None
        None means float32 states and observations, int32 actions (the seed's floatX and int32).

    Notes
    -----
    A subclass's ``get_action_results`` is called while the engine builds a graph (``agent.get_sessions``), with
    the previous states ``[batch] + state_shape`` and actions ``[batch] + action_shape`` as symbolic expressions;
    an exception it raises surfaces from ``get_sessions`` as itself. Flags given to ``get_sessions`` (e.g.
    ``deterministic=True``) reach it as keyword arguments if it accepts them.
    """

    def __init__(self, state_shapes, observation_shapes, action_shapes, state_dtypes=None, observation_dtypes=None,
                 action_dtypes=None):
        who = type(self).__name__
        self.state_shapes = check_tuple(state_shapes)
        self.observation_shapes = check_tuple(observation_shapes)
        self.action_shapes = check_tuple(action_shapes)
        self._shapes = [shape_list(s, f"{who}: {w}_shapes") for s, w in
                        ((state_shapes, "state"), (observation_shapes, "observation"), (action_shapes, "action"))]
        self.state_dtypes = check_tuple(state_dtypes or ["float32"] * len(self._shapes[0]))
        self.observation_dtypes = check_tuple(observation_dtypes or ["float32"] * len(self._shapes[1]))
        self.action_dtypes = check_tuple(action_dtypes or ["int32"] * len(self._shapes[2]))

    # MARK: engine counterpart

    @property
    def _env_handle(self):
        """The engine environment's handle, created on first use."""
        engine = self.__dict__.get("_engine_env")
        if engine is None:
            engine = self.__dict__["_engine_env"] = self._make_engine_env()
        return engine

    def _make_engine_env(self):
        """A HostEnvironment that asks this object for ``get_action_results``."""
        key = self.__dict__.get("_host_key")
        if key is None:
            key = self.__dict__["_host_key"] = _host.register(self, label=f"{type(self).__name__}.get_action_results")
        states, observations, actions = self._shapes
        return _objects.create_env("HostEnvironment", {
            "host_key": key, "label": type(self).__name__, "state_shapes": _shapes_json(states),
            "observation_shapes": _shapes_json(observations), "action_shapes": _shapes_json(actions),
            "state_dtypes": [dtype_name(d) for d in self.state_dtypes],
            "observation_dtypes": [dtype_name(d) for d in self.observation_dtypes],
            "action_dtypes": [dtype_name(d) for d in self.action_dtypes]})

    def _host_request(self, request, options, inputs):
        """The engine asks for one step: inputs are the previous states then the actions."""
        if request != _host.OUTPUT:
            raise ValueError(f"{type(self).__name__}: unexpected engine request {request}")
        n = len(self._shapes[0])
        kwargs = _accepted_kwargs(self.get_action_results, _host.current_kwargs(options))
        result = self.get_action_results(inputs[:n], inputs[n:], **kwargs)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise TypeError(f"{type(self).__name__}.get_action_results must return (new_states, observations), got "
                            f"{type(result).__name__}")
        new_states, observations = result
        what = f"{type(self).__name__}.get_action_results"
        return [_host._as_variable(x, what) for x in check_list(new_states) + check_list(observations)], None

    # MARK: the seed's interface

    def get_action_results(self, last_states, actions, **kwargs):
        """Computes the environment state after the agent's action.

        Parameters
        ----------
        last_states : list of Variable
            Environment states on the previous tick, ``[batch] + state_shape`` each.
        actions : list of Variable
            The agent's actions after observing them, ``[batch] + action_shape`` each.
        **kwargs
            get_output flags given to ``get_sessions`` (accepted if the method takes them).

        Returns
        -------
        new_states : Variable or list of Variable
            Environment states after the action, ``[batch] + state_shape``.
        observations : Variable or list of Variable
            What the agent observes after the action, ``[batch] + observation_shape``.

        Examples
        --------
        A dummy rule where the state does not change and is fully observed::

            def get_action_results(self, last_states, actions):
                return last_states, last_states
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_action_results")

    def as_layers(self, prev_state_layers=None, action_layers=None, environment_layer_name="EnvironmentLayer"):
        """One environment step as layers (used by ``MDPAgent.as_recurrence``).

        Parameters
        ----------
        prev_state_layers : Layer, list of Layer or None
            Previous environment states ``[batch] + state_shape``; None creates InputLayers.
        action_layers : Layer, list of Layer or None
            The agent's actions ``[batch] + action_shape``; None creates InputLayers.
        environment_layer_name : str

        Returns
        -------
        new_states : list of Layer
            In the order of ``state_shapes``.
        observations : list of Layer
            In the order of ``observation_shapes``.
        """
        layer = EnvironmentStepLayer(self, prev_state_layers, action_layers, name=environment_layer_name)
        outputs = list(layer.values())
        pivot = len(self._shapes[0])
        return outputs[:pivot], outputs[pivot:]

    def __repr__(self):
        states, observations, actions = self._shapes
        return f"{type(self).__name__}(states={states}, observations={observations}, actions={actions})"


class EngineEnvironment:
    """Mixin for environments the engine implements: their ``get_action_results`` is the engine's."""

    def get_action_results(self, last_states, actions, **kwargs):
        """The engine's step for the previous states and actions: ``(new_states, observations)``, lists of
        ``[batch, ...]`` expressions."""
        last_states, actions = check_list(last_states), check_list(actions)
        handles, reply = _objects.env_call(self._env_handle, "get_action_results", {"options": _objects.options(kwargs)},
                                           last_states + actions, kwargs)
        values = _objects.variables(handles)
        n = reply["counts"][0]
        return values[:n], values[n:]


class EnvironmentStepLayer(DictLayer):
    """One step of ``environment`` as a layer: incoming layers are the previous states then the actions;
    outputs are the new states then the observations (the seed's ``EnvironmentStepLayer``), computed by the
    engine's ``EnvironmentLayer``.

    Parameters
    ----------
    environment : BaseEnvironment
    prev_state_layers : Layer, list of Layer or None
        None creates InputLayers ``[batch] + state_shape``.
    action_layers : Layer, list of Layer or None
        None creates InputLayers ``[batch] + action_shape``.
    name : str or None
    """

    def __init__(self, environment, prev_state_layers=None, action_layers=None, name=None):
        from ..layers.input import InputLayer
        from .. import tensor as T
        if not isinstance(environment, BaseEnvironment):
            raise TypeError(f"EnvironmentStepLayer: environment must be a BaseEnvironment, got "
                            f"{type(environment).__name__}")
        self.env = environment
        name = name if name is not None else f"{type(environment).__name__}.OneStep"
        states, observations, actions = environment._shapes

        def inputs(shapes, dtypes, what):
            return [InputLayer((None,) + s, input_var=T.tensor(dtype_name(d), ndim=len(s) + 1, shape=(None,) + s,
                                                                name=f"{name}.{what}[{i}]"), name=f"{name}.{what}[{i}]")
                    for i, (s, d) in enumerate(zip(shapes, dtypes))]
        self.prev_state_layers = (inputs(states, environment.state_dtypes, "prev_state") if prev_state_layers is None
                                  else check_list(prev_state_layers))
        self.action_layers = (inputs(actions, environment.action_dtypes, "agent_action_input") if action_layers is None
                              else check_list(action_layers))
        keys = [f"environment_new_state.{i}" for i in range(len(states))] + \
               [f"new_observations.{i}" for i in range(len(observations))]
        shapes = [(None,) + s for s in states + observations]
        dtypes = [dtype_name(d) for d in list(environment.state_dtypes) + list(environment.observation_dtypes)]
        super().__init__(self.prev_state_layers + self.action_layers, OrderedDict(zip(keys, shapes)),
                         OrderedDict(zip(keys, dtypes)), name=name)
        self._handle  # the engine checks the incoming shapes now

    def _make_engine_layer(self):
        return EngineLayer("EnvironmentLayer", [tuple(jsonable(list(s))) for s in self.input_shapes],
                           environment=self.env._env_handle.handle, name=self.name, host_key=self._key)

    def get_output_for(self, inputs, **kwargs):
        """``{key: expression}``: the new states, then the observations."""
        deterministic = kwargs.pop("deterministic", False)
        flags = {k: v for k, v in kwargs.items() if v is None or isinstance(v, (bool, int, float, str))}
        outs = self.__dict__["_engine_layer"].outputs(list(inputs), deterministic, **flags)
        return OrderedDict(zip(self.keys(), outs))
