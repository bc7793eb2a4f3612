"""agentnet.learning.qlearning_naf: LowerTriangularLayer, NAFLayer and build_NAF_controller against a numpy
implementation written here (reference §2.10), eager (numpy inputs) and symbolic (compiled functions), gradients
against finite differences, and the errors for bad shapes and arguments."""
import copy
import warnings

import numpy as np
import pytest

import agentnet
from agentnet import init, updates
from agentnet import tensor as T
from agentnet.layers import DenseLayer, ElemwiseSumLayer, GaussianNoiseLayer, InputLayer, get_all_layers, \
    get_all_params, get_output
from agentnet.learning import dpg, qlearning_naf as naf
from numeric import numeric_grad


@pytest.fixture(autouse=True)
def _seed():
    init.set_rng(np.random.RandomState(5))


# MARK: the numpy implementation

def np_tril(entries, d):
    """``[..., d(d+1)/2]`` -> ``[..., d, d]`` at ``np.tril_indices(d)``, zeros above the diagonal."""
    out = np.zeros(entries.shape[:-1] + (d, d))
    i, j = np.tril_indices(d)
    out[..., i, j] = entries
    return out


def np_advantage(u, mu, L):
    """``-0.5 (u - mu)^T (L L^T) (u - mu)`` per row, in float64, forming P as the seed did: ``[batch, 1]``."""
    d = np.asarray(u, np.float64) - np.asarray(mu, np.float64)
    L = np.asarray(L, np.float64)
    P = np.einsum("bij,bkj->bik", L, L)
    return -0.5 * np.einsum("bi,bij,bj->b", d, P, d)[:, None]


def _f32(*shape, seed=0):
    return np.random.RandomState(seed).randn(*shape).astype(np.float32)


def _eager(layer, x):
    """The layer's output for a numpy input, evaluated at once."""
    return agentnet.function([], get_output(layer, x))()


# MARK: LowerTriangularLayer

def test_lower_triangular_reference_example():
    layer = naf.LowerTriangularLayer(InputLayer((None, 3)))
    assert layer.matrix_diag == 2 and layer.output_shape == (None, 2, 2)
    np.testing.assert_array_equal(_eager(layer, np.float32([[1, 2, 3]])), [[[1, 0], [2, 3]]])
    assert repr(layer) == "LowerTriangularLayer(matrix_diag=2) (None, 2, 2)"


@pytest.mark.parametrize("d", [1, 2, 4])
def test_lower_triangular_matches_numpy_eager_and_symbolic(d):
    l_in = InputLayer((None, naf.diag_to_tril_size(d)))
    layer = naf.LowerTriangularLayer(l_in)
    x = _f32(5, naf.diag_to_tril_size(d), seed=d)
    symbolic = agentnet.function([l_in.input_var], get_output(layer))(x)
    np.testing.assert_array_equal(symbolic, np_tril(x, d))
    np.testing.assert_array_equal(_eager(layer, x), symbolic)


def test_lower_triangular_with_matrix_diag_inserts_the_seeds_dense_layer():
    l_in = InputLayer((None, 5))
    layer = naf.LowerTriangularLayer(l_in, matrix_diag=3, name="qnaf.L")
    dense = layer.input_layer
    assert isinstance(dense, DenseLayer) and dense.name == "qnaf.L.preprocess_input" and dense.num_units == 6
    assert dense.input_layer is l_in and layer.output_shape == (None, 3, 3)
    assert [p.name for p in get_all_params(layer)] == ["qnaf.L.preprocess_input.W", "qnaf.L.preprocess_input.b"]
    x = _f32(4, 5, seed=1)
    W, b = (p.get_value() for p in get_all_params(layer))
    out = agentnet.function([l_in.input_var], get_output(layer))(x)
    np.testing.assert_allclose(out, np_tril(x.astype(np.float64) @ W + b, 3), rtol=1e-5, atol=1e-6)
    assert naf.LowerTriangularLayer(l_in, matrix_diag=1).input_layer.name == ".preprocess_input"


def test_lower_triangular_warns_when_the_input_already_has_the_right_size():
    with pytest.warns(UserWarning, match="matrix_diag=None"):
        naf.LowerTriangularLayer(InputLayer((None, 3)), matrix_diag=2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        naf.LowerTriangularLayer(InputLayer((None, 4)), matrix_diag=2)


def test_lower_triangular_bad_shapes_and_arguments():
    with pytest.raises(ValueError, match="has 4 units, which do not fill a lower-triangular matrix"):
        naf.LowerTriangularLayer(InputLayer((None, 4)))
    with pytest.raises(ValueError, match=r"\[batch, units\]"):
        naf.LowerTriangularLayer(InputLayer((None, 3, 1)))
    with pytest.raises(ValueError, match="known number of units"):
        naf.LowerTriangularLayer(InputLayer((None, None)))
    with pytest.raises(ValueError, match="positive"):
        naf.LowerTriangularLayer(InputLayer((None, 3)), matrix_diag=0)
    with pytest.raises(TypeError):
        naf.LowerTriangularLayer(InputLayer((None, 3)), matrix_diag=2.0)


# MARK: NAFLayer

def _naf_inputs(a):
    return InputLayer((None, a)), InputLayer((None, a)), InputLayer((None, a, a))


def test_naf_layer_reference_example():
    # L = [[1, 0], [2, 3]]: u - mu = [1, 0] gives -0.5, [0, 1] gives -6.5.
    u, mu, L = np.float32([[1, 0], [0.5, 1]]), np.float32([[0, 0], [0.5, 0]]), np.float32([[[1, 0], [2, 3]]] * 2)
    layer = naf.NAFLayer(*_naf_inputs(2))
    assert layer.output_shape == (None, 1)
    out = agentnet.function([], get_output(layer, {l: v for l, v in zip(layer.input_layers, (u, mu, L))}))()
    np.testing.assert_array_equal(out, [[-0.5], [-6.5]])


def test_naf_layer_matches_numpy_and_finite_differences():
    ins = _naf_inputs(3)
    layer = naf.NAFLayer(*ins, name="adv")
    u, mu, L = _f32(6, 3, seed=1), _f32(6, 3, seed=2), _f32(6, 3, 3, seed=3)
    variables = [l.input_var for l in ins]
    out = get_output(layer)
    np.testing.assert_allclose(agentnet.function(variables, out)(u, mu, L), np_advantage(u, mu, L), rtol=1e-5,
                               atol=1e-5)
    eager = agentnet.function([], get_output(layer, dict(zip(ins, (u, mu, L)))))()
    np.testing.assert_allclose(eager, np_advantage(u, mu, L), rtol=1e-5, atol=1e-5)
    weights = _f32(6, 1, seed=4)
    cost = T.sum(out * weights)  # A is quartic in L: keep the cost linear in A for eps = 1e-2
    grads = agentnet.function(variables, T.grad(cost, variables))(u, mu, L)
    f = agentnet.function(variables, cost)
    args = [u, mu, L]
    for k, g in enumerate(grads):
        def at(v, k=k):
            return f(*[v.astype(np.float32) if i == k else a for i, a in enumerate(args)])
        np.testing.assert_allclose(g, numeric_grad(at, args[k]), rtol=2e-2, atol=2e-2)


def test_naf_layer_bad_shapes():
    with pytest.raises(ValueError, match="disagree on the number of action dimensions"):
        naf.NAFLayer(InputLayer((None, 2)), InputLayer((None, 3)), InputLayer((None, 2, 2)))
    with pytest.raises(ValueError, match="disagree on the number of action dimensions"):
        naf.NAFLayer(InputLayer((None, 2)), InputLayer((None, 2)), InputLayer((None, 3, 3)))
    with pytest.raises(ValueError, match="batch size"):
        naf.NAFLayer(InputLayer((4, 2)), InputLayer((5, 2)), InputLayer((None, 2, 2)))
    with pytest.raises(ValueError, match=r"expected action_layer \[batch, action\]"):
        naf.NAFLayer(InputLayer((None, 2, 1)), InputLayer((None, 2)), InputLayer((None, 2, 2)))
    with pytest.raises(ValueError, match=r"L_layer \[batch, action, action\]"):
        naf.NAFLayer(InputLayer((None, 2)), InputLayer((None, 2)), InputLayer((None, 4)))


# MARK: build_NAF_controller

def test_controller_layers_names_and_parameters():
    l_in = InputLayer((None, 4))
    c = naf.build_NAF_controller(l_in, action_dimensions=2)
    assert list(c) == ["means", "actions", "action_qvalues", "state_value", "advantage"]
    assert c["means"].name == "qnaf.weights" and c["state_value"].name == "qnaf.state_value"
    assert c["advantage"].name == "qnaf.advantage" and isinstance(c["advantage"], naf.NAFLayer)
    assert isinstance(c["actions"], GaussianNoiseLayer) and c["actions"].sigma == 1e-2
    assert isinstance(c["action_qvalues"], ElemwiseSumLayer) and c["action_qvalues"].output_shape == (None, 1)
    L = c["advantage"].input_layers[2]
    assert isinstance(L, naf.LowerTriangularLayer) and L.name == "qnaf.L" and L.matrix_diag == 2
    assert c["advantage"].input_layers[1] is c["means"]  # the advantage uses the unclipped means
    assert [p.name for p in get_all_params(c["action_qvalues"])] == [
        "qnaf.state_value.W", "qnaf.state_value.b", "qnaf.weights.W", "qnaf.weights.b",
        "qnaf.L.preprocess_input.W", "qnaf.L.preprocess_input.b"]
    assert len(get_all_layers(c["action_qvalues"])) == 9
    assert repr(c["actions"].input_layer) == "ClipLayer(low=-inf, high=inf) (None, 2)"


def test_controller_q_is_v_plus_the_numpy_advantage_of_recorded_actions():
    l_in = InputLayer((None, 4))
    low, high = np.float32([-0.05, -1]), np.float32([0.05, 1])
    c = naf.build_NAF_controller(l_in, action_dimensions=2, exploration=0.5, action_low=low, action_high=high)
    L = c["advantage"].input_layers[2]
    s, u = _f32(7, 4, seed=1), _f32(7, 2, seed=2)
    u_var = T.matrix("u")
    outs = get_output([c["action_qvalues"], c["state_value"], c["means"], L],
                      {l_in: l_in.input_var, c["actions"]: u_var})
    q, v, mu, Lv = agentnet.function([l_in.input_var, u_var], outs)(s, u)
    np.testing.assert_allclose(q, v + np_advantage(u, mu, Lv), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(Lv[:, 0, 1], 0)
    # Eager: numpy arrays for both inputs give the same numbers.
    eager = agentnet.function([], get_output(c["action_qvalues"], {l_in: s, c["actions"]: u}))()
    np.testing.assert_allclose(eager, q, rtol=1e-6, atol=1e-6)
    # Deterministic actions are the clipped means; noisy ones are not.
    det = get_output([c["actions"], c["advantage"]], deterministic=True)
    actions, adv = agentnet.function([l_in.input_var], det)(s)
    np.testing.assert_array_equal(actions, np.clip(mu, low, high))
    np.testing.assert_allclose(adv, np_advantage(np.clip(mu, low, high), mu, Lv), rtol=1e-5, atol=1e-6)
    noisy = agentnet.function([l_in.input_var], get_output(c["actions"]))(s)
    assert not np.allclose(noisy, actions)


def test_controller_exploration_from_layers_and_symbolic_sigma():
    l_in, noise = InputLayer((None, 4)), InputLayer((None, 2))
    additive = naf.build_NAF_controller(l_in, 2, exploration=noise)
    replaced = naf.build_NAF_controller(l_in, 2, exploration=noise, additive_exploration=False)
    assert replaced["actions"] is noise and isinstance(additive["actions"], ElemwiseSumLayer)
    s, e = _f32(3, 4), _f32(3, 2, seed=1)
    outs = get_output([additive["actions"], additive["means"]])
    a, mu = agentnet.function([l_in.input_var, noise.input_var], outs)(s, e)
    np.testing.assert_allclose(a, mu + e, rtol=1e-6, atol=1e-6)
    sigma = T.scalar("sigma")
    symbolic = naf.build_NAF_controller(l_in, 2, exploration=sigma)
    f = agentnet.function([l_in.input_var, sigma], get_output([symbolic["actions"], symbolic["means"]]))
    a0, mu0 = f(s, np.float32(0))
    np.testing.assert_array_equal(a0, mu0)
    a1, _ = f(s, np.float32(1))
    assert not np.allclose(a1, mu0)


def test_controller_trains_with_the_dpg_objective():
    l_in = InputLayer((None, 5))
    c = naf.build_NAF_controller(l_in, 2, V_layer=DenseLayer(l_in, 1, nonlinearity=None))
    u_var = T.matrix("u")
    q, v = get_output([c["action_qvalues"], c["state_value"]], {l_in: l_in.input_var, c["actions"]: u_var})
    # One session: the controller's batch axis is the session's tick axis.
    rewards = _f32(1, 8, seed=3)
    loss = naf.get_elementwise_objective(T.reshape(q, (1, -1)), T.reshape(v, (1, -1)), rewards,
                                         gamma_or_gammas=0.9).sum()
    params = get_all_params(c["action_qvalues"], trainable=True)
    train = agentnet.function([l_in.input_var, u_var], loss, updates=updates.adam(loss, params, learning_rate=0.01))
    s, u = _f32(8, 5, seed=4), _f32(8, 2, seed=5)
    first = float(train(s, u))
    for _ in range(30):
        last = float(train(s, u))
    assert last < first
    # The objective is the DPG critic's, eager as well as symbolic.
    qa, vs = np.float32([[1, 4, 5, 8]]), np.float32([[2, 4, 6, 8]])
    np.testing.assert_array_equal(naf.get_elementwise_objective(qa, vs, np.ones((1, 4)), gamma_or_gammas=0.5),
                                  dpg.get_elementwise_objective_critic(qa, vs, np.ones((1, 4)), gamma_or_gammas=0.5))


def test_controller_network_deep_copies():
    l_in = InputLayer((None, 4))
    c = naf.build_NAF_controller(l_in, 2)
    q2 = copy.deepcopy(c["action_qvalues"])
    s = _f32(3, 4)
    ins = [l for l in get_all_layers(q2) if isinstance(l, InputLayer)]
    out2 = agentnet.function([ins[0].input_var], get_output(q2, deterministic=True))(s)
    out1 = agentnet.function([l_in.input_var], get_output(c["action_qvalues"], deterministic=True))(s)
    np.testing.assert_array_equal(out1, out2)


def test_controller_bad_arguments():
    l_in = InputLayer((None, 4))
    with pytest.raises(ValueError, match="input_layer is required unless mean_layer, V_layer and L_layer are all"):
        naf.build_NAF_controller()
    with pytest.raises(ValueError, match=r"mean_layer must be \[batch, 2\]"):
        naf.build_NAF_controller(l_in, 2, mean_layer=DenseLayer(l_in, 3))
    with pytest.raises(ValueError, match=r"V_layer must be \[batch, 1\]"):
        naf.build_NAF_controller(l_in, V_layer=DenseLayer(l_in, 2))
    with pytest.raises(ValueError, match=r"L_layer must be \[batch, 2, 2\]"):
        naf.build_NAF_controller(l_in, 2, L_layer=naf.LowerTriangularLayer(l_in, 3))
    with pytest.raises(ValueError, match="numeric exploration"):
        naf.build_NAF_controller(l_in, exploration=0.1, additive_exploration=False)
    with pytest.raises(ValueError, match="disagree on the number of action dimensions"):
        naf.build_NAF_controller(l_in, 1, exploration=InputLayer((None, 2)), additive_exploration=False)
    with pytest.raises(ValueError, match="low must not exceed high"):
        naf.build_NAF_controller(l_in, 2, action_low=1, action_high=0)
    with pytest.raises(ValueError, match="one number or one per position"):
        naf.build_NAF_controller(l_in, 2, action_low=np.zeros(3))
    with pytest.raises(ValueError, match="action_dimensions"):
        naf.build_NAF_controller(l_in, 0)
    with pytest.raises(TypeError, match="exploration"):
        naf.build_NAF_controller(l_in, exploration="lots")
    # All three layers given: no input layer needed.
    given = naf.build_NAF_controller(None, 2, mean_layer=DenseLayer(l_in, 2), V_layer=DenseLayer(l_in, 1),
                                     L_layer=naf.LowerTriangularLayer(l_in, 2))
    assert given["means"].num_units == 2
