"""One tick of :class:`MDPAgent`: its symbolic reaction to previous memories and current observations, the same
tick compiled into a function (the react function), and zero memories to start it from."""
import numbers

from .. import _objects
from .. import tensor as T
from .._function import function
from ..layers.native import dtype_name
from ..utils.format import check_list, check_ordered_dict
from ..utils.layers import get_layer_dtype
from ._arguments import label


class AgentReaction:
    """The one-tick methods of :class:`MDPAgent` (``get_agent_reaction``, ``get_react_function``,
    ``get_zeros_like_memory``)."""

    def get_agent_reaction(self, prev_states={}, current_observations=(), **kwargs):
        """Symbolic expressions for one tick of the agent.

        Parameters
        ----------
        prev_states : dict or list
            Previous memories: ``{memory layer: value}`` or a list in ``agent_states`` order, ``[batch] +
            memory_shape`` each.
        current_observations : Variable, array or list of such
            One per observation layer, ``[batch] + observation_shape``.
        **kwargs
            get_output flags (``deterministic=True``...).

        Returns
        -------
        actions : list of Variable
            One per action layer.
        new_states : list of Variable
            The new memories in ``agent_states`` order (cast to each memory's dtype).
        outputs : list of Variable
            The policy estimators, then the actions.
        """
        if hasattr(prev_states, "keys"):
            prev = check_ordered_dict(prev_states)
            unknown = [k for k in prev if k not in self.agent_states]
            if unknown:
                raise ValueError(f"get_agent_reaction: {label(unknown[0])} is not one of the agent's memories")
            missing = [k for k in self.agent_states if k not in prev]
            if missing:
                raise ValueError(f"get_agent_reaction: no previous value for memory {label(missing[0])}")
            prev = [prev[k] for k in self.agent_states]
        else:
            prev = check_list(prev_states) if (self.agent_states or prev_states) else []
        observations = check_list(current_observations)
        handles, reply = _objects.agent_call(self._engine, "get_agent_reaction", {"options": _objects.options(kwargs)},
                                             prev + observations, kwargs)
        values = _objects.variables(handles)
        na, nm, _ = reply["counts"]
        return values[:na], values[na:na + nm], values[na + nm:]

    def get_react_function(self, output_flags={}, function_flags={"allow_input_downcast": True}):
        """Compiles one tick of the agent.

        Parameters
        ----------
        output_flags : dict
            get_output flags for the tick (e.g. ``{'deterministic': True}``).
        function_flags : dict
            ``agentnet.function`` options (``check_finite``, ``name``); ``allow_input_downcast`` is accepted
            (inputs are always converted to the engine's dtypes).

        Returns
        -------
        Function
            Takes all observations followed by all memories (numpy arrays ``[batch, ...]``) and returns all
            actions followed by all new memories. Feeding the returned memories back continues them::

                react = agent.get_react_function()
                action, new_mem0, new_mem1 = react(observation, mem0, mem1)
        """
        flags = dict(function_flags)
        flags.pop("allow_input_downcast", None)
        unknown = set(flags) - {"check_finite", "name"}
        if unknown:
            raise TypeError(f"get_react_function: unknown function_flags {sorted(unknown)}")
        observations = [T.tensor(dtype_name(get_layer_dtype(l)), ndim=len(l.output_shape), shape=l.output_shape,
                                 name=f"observation{i}") for i, l in enumerate(self.observation_layers)]
        memories = [T.tensor(dtype_name(get_layer_dtype(p)), ndim=len(p.output_shape), shape=p.output_shape,
                             name=f"memory{i}") for i, p in enumerate(self.agent_states.values())]
        actions, new_states, _ = self.get_agent_reaction(memories, observations, **output_flags)
        return function(observations + memories, actions + new_states, **flags)

    def get_zeros_like_memory(self, batch_size=1):
        """Zero memories for ``batch_size`` sessions: a list of numpy arrays ``[batch_size] + memory_shape`` in
        the memories' dtypes, in ``agent_states`` order."""
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral):
            raise TypeError(f"get_zeros_like_memory: batch_size must be an int, got {batch_size!r}")
        handles, _ = _objects.agent_call(self._engine, "zeros_like_memory", {"batch_size": int(batch_size)})
        return [v.get_value() for v in _objects.shared_variables(handles)]
