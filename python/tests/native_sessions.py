"""Test helper: ``Agent.get_sessions`` on a native env with the results as lists (observations, actions and policy
always lists) and the memory updates as (shared value, new value) pairs."""
from agentnet.agent import Agent


def get_sessions(env, observation_layers, agent_states, policy_estimators, action_layers, session_length, **flags):
    """``(env_states, observations, memories, actions, policy, updates)``: env_states = [rewards, is_alive,
    is_truncated] ``[batch, tick]``; observations/actions/policy lists of ``[batch, tick, ...]``; memories an
    OrderedDict {memory layer: sequence}; updates the (shared memory, new value) pairs the function must apply."""
    agent = Agent(list(observation_layers), agent_states, list(policy_estimators), list(action_layers))
    env_states, observations, memories, actions, policy, updates = agent.get_sessions(
        env, session_length=session_length, return_automatic_updates=True, **flags)
    return env_states, observations, memories, actions, policy, list(updates.items())
