"""agentnet.resolver: greedy, epsilon-greedy, probabilistic and Gaussian resolvers (engine layers with seeded
generators). Frequencies are checked against the seed's numbers within binomial bounds."""
import copy
import warnings

import numpy as np
import pytest

import agentnet
from agentnet import tensor as T
from agentnet.layers import DenseLayer, InputLayer, get_all_params, get_output
from agentnet.resolver import (BaseResolver, EpsilonGreedyResolver, GaussianResolver, GreedyResolver,
                               ProbabilisticResolver)

N = 100_000


def _freq(actions, k):
    return np.bincount(np.asarray(actions).astype(np.int64), minlength=k) / len(actions)


def _within_binomial(got, want, n=N, sigmas=4.5):
    want = np.asarray(want, np.float64)
    return np.all(np.abs(got - want) <= sigmas * np.sqrt(want * (1 - want) / n))


def _compiled(resolver, inp, **kwargs):
    return agentnet.function([inp.input_var], get_output(resolver, **kwargs))


def test_greedy_resolver_is_the_argmax_as_int32():
    inp = InputLayer((None, 3))
    r = BaseResolver(inp)
    assert GreedyResolver is BaseResolver
    assert r.output_shape == (None,) and r.output_dtype == "int32" and r.name == "BaseResolver"
    q = np.array([[0, 2, 1], [5, -1, 4]], np.float32)
    a = _compiled(r, inp)(q)
    assert a.dtype == np.int32 and a.tolist() == [1, 0]
    assert get_all_params(r) == []
    f = BaseResolver(inp, output_dtype="float32")
    assert _compiled(f, inp)(q).dtype == np.float32


def test_epsilon_greedy_frequencies_match_the_seed_example():
    inp = InputLayer((None, 4))
    r = EpsilonGreedyResolver(inp, epsilon=0.3)
    f = _compiled(r, inp)
    q = np.tile(np.array([[0, 0, 3, 1]], np.float32), (N, 1))
    got = _freq(f(q), 4)
    assert _within_binomial(got, [0.075, 0.075, 0.775, 0.075]), got
    assert not np.array_equal(f(q[:500]), f(q[:500]))  # the generator advances on every call


def test_epsilon_is_a_shared_value_by_default_and_set_value_changes_it():
    inp = InputLayer((None, 4))
    r = EpsilonGreedyResolver(inp, name="action-picker")
    assert isinstance(r.epsilon, agentnet.SharedVariable)
    assert float(r.epsilon.get_value()) == pytest.approx(0.1)
    f = _compiled(r, inp)
    q = np.tile(np.array([[0, 0, 3, 1]], np.float32), (N, 1))
    assert _within_binomial(_freq(f(q), 4), [0.025, 0.025, 0.925, 0.025])
    r.epsilon.set_value(0.5)
    assert _within_binomial(_freq(f(q), 4), [0.125, 0.125, 0.625, 0.125])
    r.epsilon.set_value(0)
    assert (f(q) == 2).all()


def test_epsilon_given_as_a_shared_variable_or_an_expression():
    inp = InputLayer((None, 2))
    eps = agentnet.shared(np.float32(1.0), "my.eps")
    r = EpsilonGreedyResolver(inp, epsilon=eps, seed=3)
    q = np.tile(np.array([[1, 0]], np.float32), (N, 1))
    assert _within_binomial(_freq(_compiled(r, inp)(q), 2), [0.5, 0.5])
    e = T.scalar("e")
    s = EpsilonGreedyResolver(inp, epsilon=e * 2, seed=3)
    g = agentnet.function([inp.input_var, e], get_output(s))
    assert (g(q[:1000], np.float32(0)) == 0).all()
    assert _within_binomial(_freq(g(q, np.float32(0.5)), 2), [0.5, 0.5])


def test_same_seed_same_actions_other_seed_other_actions():
    def run(seed):
        inp = InputLayer((None, 4))
        p = ProbabilisticResolver(inp, seed=seed)
        e = EpsilonGreedyResolver(inp, epsilon=0.5, seed=seed)
        f = agentnet.function([inp.input_var], get_output([p, e]))
        x = np.tile(np.array([[.1, .2, .3, .4]], np.float32), (300, 1))
        return [a.tolist() for _ in range(3) for a in f(x)]
    assert run(5) == run(5)
    assert run(5) != run(6)
    # a network built twice from the same seed acts the same from its first call
    assert run(1234) == run(1234)


def test_probabilistic_sampling_by_inverse_cdf():
    inp = InputLayer((None, 4))
    r = ProbabilisticResolver(inp)
    p = np.tile(np.array([[.1, .2, .3, .4]], np.float32), (N, 1))
    got = _freq(_compiled(r, inp)(p), 4)
    assert _within_binomial(got, [.1, .2, .3, .4]), got
    got = _freq(_compiled(r, inp)(p * 7), 4)  # unnormalised weights are divided by their row sum
    assert _within_binomial(got, [.1, .2, .3, .4]), got
    normed = ProbabilisticResolver(inp, assume_normalized=True, seed=9)
    assert _within_binomial(_freq(_compiled(normed, inp)(p), 4), [.1, .2, .3, .4])
    # a row whose cumulative sum falls short of 1: ids stay in range (the last action takes the shortfall, as in
    # the reference) and a zero-probability action before it never comes
    short_in = InputLayer((None, 3))
    short = np.tile(np.array([[.5, 0, .4999]], np.float32), (10_000, 1))
    assert set(np.unique(_compiled(ProbabilisticResolver(short_in, assume_normalized=True), short_in)(short))) == {0, 2}


def test_probabilistic_greedy_flag_gives_the_argmax():
    inp = InputLayer((None, 3))
    r = ProbabilisticResolver(inp)
    q = np.array([[.2, .5, .3], [.6, .3, .1]], np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # greedy is a known get_output keyword
        f = _compiled(r, inp, greedy=True)
    assert f(q).tolist() == [1, 0]
    assert agentnet.function([], r.get_output_for(agentnet._core.constant(q), greedy=True))().tolist() == [1, 0]


def test_resolver_on_a_network_and_per_call_fresh_actions():
    inp = InputLayer((None, 5))
    policy = DenseLayer(inp, 3, nonlinearity=agentnet.nonlinearities.softmax)
    r = ProbabilisticResolver(policy, assume_normalized=True)
    f = _compiled(r, inp)
    x = np.random.default_rng(0).normal(size=(2000, 5)).astype(np.float32)
    a, b = f(x), f(x)
    assert a.shape == (2000,) and a.min() >= 0 and a.max() <= 2 and not np.array_equal(a, b)


def test_gaussian_resolver_samples_clips_and_greedy_gives_the_mean():
    mean, log_std = InputLayer((None, 2)), InputLayer((1, 2))
    r = GaussianResolver(mean, log_std, low=-1, high=3, seed=2)
    assert r.output_shape == (None, 2) and r.output_dtype == "float32"
    f = agentnet.function([mean.input_var, log_std.input_var], [get_output(r), get_output(r, greedy=True)])
    m = np.tile(np.array([[0.5, 2.0]], np.float32), (N, 1))
    ls = np.log(np.array([[0.2, 0.5]], np.float32))
    s, g = f(m, ls)
    assert abs(s[:, 0].mean() - 0.5) < 0.005 and abs(s[:, 0].std() - 0.2) < 0.005
    assert s[:, 1].min() >= -1 and s[:, 1].max() <= 3
    assert abs((s[:, 1] == 3).mean() - 0.02275) < 0.004  # P(N(2, .5) > 3) = P(Z > 2)
    np.testing.assert_array_equal(g, m)
    _, g2 = f(np.array([[0.5, 4.0]], np.float32), ls)
    assert g2.tolist() == [[0.5, 3.0]]


def test_gaussian_sample_is_reparameterised():
    mean, log_std = InputLayer((None, 3)), InputLayer((None, 3))
    r = GaussianResolver(mean, log_std, low=None, high=None, seed=4)
    a = get_output(r)
    gm, gl = T.grad(a.sum(), [mean.input_var, log_std.input_var])
    f = agentnet.function([mean.input_var, log_std.input_var], [a, gm, gl])
    rng = np.random.default_rng(1)
    m, ls = rng.normal(size=(4, 3)).astype(np.float32), rng.normal(size=(4, 3)).astype(np.float32)
    s, dm, dl = f(m, ls)
    np.testing.assert_array_equal(dm, np.ones_like(m))
    np.testing.assert_allclose(dl, s - m, atol=1e-5)  # d/d log_std = exp(log_std) * xi


def test_bad_input_raises_clear_errors():
    with pytest.raises(ValueError, match=r"\[batch, n_actions\]"):
        BaseResolver(InputLayer((None, 3, 2)))
    with pytest.raises(ValueError, match=r"\[batch, n_actions\]"):
        EpsilonGreedyResolver(InputLayer((None,)))
    with pytest.raises(ValueError, match=r"\[batch, n_actions\]"):
        ProbabilisticResolver((None, 2, 2))
    with pytest.raises(ValueError, match="epsilon must be in"):
        EpsilonGreedyResolver(InputLayer((None, 3)), epsilon=1.5)
    with pytest.raises(ValueError, match="epsilon must be a scalar"):
        EpsilonGreedyResolver(InputLayer((None, 3)), epsilon=agentnet.shared(np.zeros(2, np.float32)))
    with pytest.raises(TypeError, match="epsilon must be"):
        EpsilonGreedyResolver(InputLayer((None, 3)), epsilon="0.1")
    with pytest.raises(TypeError, match="seed"):
        ProbabilisticResolver(InputLayer((None, 3)), seed=-1)
    with pytest.raises(TypeError, match="output_dtype"):
        BaseResolver(InputLayer((None, 3)), output_dtype="float64x")
    with pytest.raises(TypeError, match="unexpected keyword"):
        EpsilonGreedyResolver(InputLayer((None, 3)), epsilonn=0.1)
    with pytest.raises(agentnet.AgentNetError, match="log-std"):
        GaussianResolver(InputLayer((None, 2)), InputLayer((None, 3)))
    with pytest.raises(agentnet.AgentNetError, match="low"):
        GaussianResolver(InputLayer((None, 2)), InputLayer((None, 2)), low=1, high=0)
    with pytest.raises(TypeError, match="low"):
        GaussianResolver(InputLayer((None, 2)), InputLayer((None, 2)), low="a")
    inp = InputLayer((None, 3))
    r = BaseResolver(inp)
    with pytest.raises(agentnet.AgentNetError, match=r"\[batch, n_actions\]"):
        r.get_output_for(T.tensor3("x"))


def test_user_subclass_overriding_get_output_for_is_computed_by_python():
    class Worst(BaseResolver):
        def get_output_for(self, policy, **kwargs):
            return T.argmin(policy, axis=1).astype("int32")

    class Shifted(EpsilonGreedyResolver):
        def get_output_for(self, policy, **kwargs):
            return super().get_output_for(policy, **kwargs) * 0 + 1

    inp = InputLayer((None, 3))
    q = np.array([[0, 2, 1], [5, -1, 4]], np.float32)
    assert _compiled(Worst(inp), inp)(q).tolist() == [0, 1]
    assert _compiled(Shifted(inp, epsilon=0.2), inp)(q).tolist() == [1, 1]


def test_deepcopy_of_an_epsilon_greedy_resolver_has_its_own_epsilon():
    inp = InputLayer((None, 4))
    r = EpsilonGreedyResolver(inp, epsilon=None)
    twin = copy.deepcopy(r)
    assert twin.epsilon is not r.epsilon
    twin.epsilon.set_value(0.0)
    q = np.tile(np.array([[0, 0, 3, 1]], np.float32), (5000, 1))
    assert (_compiled(twin, twin.input_layer)(q) == 2).all()
    assert not (_compiled(r, inp)(q) == 2).all()


def test_reprs_and_docstrings():
    inp = InputLayer((None, 4))
    assert "epsilon=0.3" in repr(EpsilonGreedyResolver(inp, epsilon=0.3))
    assert "assume_normalized=True" in repr(ProbabilisticResolver(inp, assume_normalized=True))
    for cls in (BaseResolver, EpsilonGreedyResolver, ProbabilisticResolver, GaussianResolver):
        assert "Parameters" in cls.__doc__
