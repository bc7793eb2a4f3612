"""What the resolver handles share: the engine creates and computes each resolver (``Sources/AgentNet/Resolver``);
a user's subclass that overrides ``get_output_for`` is computed through the build-time callback instead."""
import numbers

from ..layers._zoo import EngineBacked

_DTYPES = ("int32", "float32")


def check_seed(seed, who):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= int(seed) < 2 ** 63:
        raise TypeError(f"{who}: seed must be a non-negative integer, got {seed!r}")
    return int(seed)


def check_output_dtype(dtype, who):
    name = str(getattr(dtype, "name", dtype))
    if name not in _DTYPES:
        raise TypeError(f"{who}: output_dtype must be one of {', '.join(_DTYPES)}, got {dtype!r}")
    return name


def check_policy_shape(shape, who, what="policy"):
    if len(shape) != 2:
        raise ValueError(f"{who}: the {what} must be [batch, n_actions] (2 dimensions), got shape {tuple(shape)!r}")


class EngineResolver(EngineBacked):
    """Mixin: the engine layer of kind ``_engine_kind`` computes the resolver unless a subclass outside
    ``agentnet.resolver`` overrides ``get_output_for``."""

    def _kind(self):
        return self._engine_kind

    def _computed_by_engine(self):
        own = type(self).get_output_for
        for cls in type(self).__mro__:
            if "get_output_for" in cls.__dict__:
                return cls.__module__.startswith("agentnet.resolver.") and cls.__dict__["get_output_for"] is own
        return True
