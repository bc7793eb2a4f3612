"""A scripted agent for BooleanReasoning (shared by the agent and environment tests): a tick counter as memory and
Q-values that are the one-hot of a fixed action table, so the greedy resolver takes exactly the scripted actions."""
import numpy as np

from agentnet import tensor as T
from agentnet.agent import Agent
from agentnet.layers import DenseLayer, ElemwiseSumLayer, ExpressionLayer, InputLayer
from agentnet.memory import CounterLayer
from agentnet.resolver import GreedyResolver

#: The reference's BooleanReasoning trace (§4.7): batch 2, T = 5.
ATTRS = np.array([[0, 1, 1], [0, 1, 0]], np.float32)
CATS = np.array([[0, 1], [0, 1]], np.float32)
ACTIONS = np.array([[2, 3, 1, 2, 1], [4, 5, 0, 1, 2]], np.int32)
REWARDS = np.array([[1, -3, 1, -0.5, -0.5], [3, 0, 0, 0, 0]], np.float32)
ALIVE = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0]], bool)
STATES0 = np.array([[0, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0], [0, 0, 1, 1, 0, 0], [0, 1, 1, 1, 0, 0],
                    [0, 1, 1, 1, 0, 0]], np.float32)


def scripted_agent(table=ACTIONS, extra_q=False):
    """(agent, layers dict): observation [batch, 8], a tick counter (int memory), Q = one_hot(table[b, tick]) (+ a
    dense layer of the observation, so the agent has parameters, when ``extra_q``), greedy actions."""
    obs = InputLayer((None, 8), name="obs")
    prev_tick = InputLayer((None,), input_var=T.tensor("int32", ndim=1, name="prev_tick"), name="prev_tick")
    tick = CounterLayer(prev_tick, name="tick")
    table = T.constant(np.asarray(table, np.int32))
    q = ExpressionLayer(prev_tick, lambda t: T.one_hot(table[T.arange(t.shape[0]), t], 6) * 10,
                        output_shape=(None, 6), name="scripted_q")
    if extra_q:
        q = ElemwiseSumLayer([q, DenseLayer(obs, 6, nonlinearity=None, name="dense_q")])
    act = GreedyResolver(q, name="greedy")
    agent = Agent(obs, {tick: prev_tick}, q, act)
    return agent, dict(obs=obs, prev_tick=prev_tick, tick=tick, q=q, act=act)
