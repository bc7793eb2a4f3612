"""Thin test helper: the engine's ``MDPAgent.get_sessions`` on a native env through ``agn_native_sessions``,
until the Python ``MDPAgent`` handle calls it. Layers in, symbolic sequences and memory updates out."""
import ctypes
import json
from collections import OrderedDict

from agentnet import _lib
from agentnet._core import SharedVariable, Variable
from agentnet.envs import native_environment

_i64, _ptr = ctypes.c_int64, ctypes.c_void_p
_sessions = _lib.declare("agn_native_sessions", _i64, _ptr, _i64, _ptr, _ptr, _i64, _ptr, _i64, _ptr, _i64, _i64,
                         ctypes.c_char_p, _ptr, _i64, _ptr)


def _handles(layers):
    arr = (ctypes.c_int64 * max(len(layers), 1))(*[l._handle for l in layers])
    return ctypes.addressof(arr), arr


def get_sessions(env, observation_layers, agent_states, policy_estimators, action_layers, session_length, **flags):
    """``(env_states, observations, memories, actions, policy, updates)``: env_states = [rewards, is_alive,
    is_truncated] ``[batch, tick]``; observations/actions/policy lists of ``[batch, tick, ...]``; memories an
    OrderedDict {memory layer: sequence}; updates the (shared memory, new value) pairs the function must apply."""
    native = native_environment(env)
    memories, prevs = list(agent_states.keys()), list(agent_states.values())
    groups = [observation_layers, memories, prevs, policy_estimators, action_layers]
    arrays = [_handles(g) for g in groups]
    cap = 3 + len(observation_layers) + 3 * len(memories) + len(action_layers) + len(policy_estimators)
    out, n = (ctypes.c_int64 * cap)(), ctypes.c_int64()
    (o, _), (m, _), (p, _), (q, _), (a, _) = arrays
    _lib.check(_sessions(native._env_handle, o, len(observation_layers), m, p, len(memories), q, len(policy_estimators),
                         a, len(action_layers), session_length, json.dumps(flags).encode(), ctypes.addressof(out), cap,
                         ctypes.addressof(n)))
    k = len(memories)
    counts = [3, len(observation_layers), k, len(action_layers), len(policy_estimators)]
    seqs, at = [], 0
    for c in counts:
        seqs.append([Variable(out[at + j]) for j in range(c)])
        at += c
    updates = [(SharedVariable._adopt(out[at + 2 * j]), Variable(out[at + 2 * j + 1])) for j in range(k)]
    env_states, observations, mems, actions, policy = seqs
    return env_states, observations, OrderedDict(zip(memories, mems)), actions, policy, updates
