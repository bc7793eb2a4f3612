"""A seeded generator of random and adversarial C-ABI calls: one generator per function of include/agentnet.h,
each mixing valid calls (so the engine gets deep: graphs, compiled functions, layers, environments) with NULLs,
extreme counts, ranks and sizes, stale/wrong-kind/0/negative handles, garbage, deep and huge JSON, bad enums and
numeric extremes (NaN, inf, huge ints). Arrays are always as long as the count the call gives for them: a count
beyond the array comes with a NULL pointer, or is so large (negative, > 2^31) that the engine must refuse it
before reading. Claimed tensor sizes are small and true, or at least 2^48 bytes (beyond any memory limit).

`Generator.step()` makes one call through a `fuzz_abi_calls.Runner`; `Generator.before` sees each spec before it
runs, so the caller can log it (``python -m fuzz_abi_gen SEED CALLS``, see `test_fuzz_abi.run_chunk`).

The generators live in one module per area of the header, each a class of ``gen_<function name>`` methods;
`GeneratorCore` (the state and argument makers) and `Builders` (valid objects) serve them all. A new area of the
header adds a module and its class to `Generator`'s bases.
"""
from .agents import AgentCalls
from .builders import Builders
from .clone import CloneCalls
from .core import GeneratorCore
from .envs import EnvCalls
from .functions import FunctionCalls
from .graph import GraphCalls
from .init import InitCalls
from .layers import LayerCalls
from .objectives import ObjectiveCalls
from .persistence import PersistenceCalls
from .recurrence import RecurrenceCalls
from .runtime import RuntimeCalls
from .updates import UpdateCalls


class Generator(RuntimeCalls, GraphCalls, FunctionCalls, LayerCalls, RecurrenceCalls, EnvCalls, InitCalls,
                ObjectiveCalls, UpdateCalls, PersistenceCalls, AgentCalls, CloneCalls, Builders, GeneratorCore):
    """Every area's generators over one seeded state: ``Generator(seed).step()`` makes the next call."""
