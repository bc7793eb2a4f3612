"""agentnet.tensor against numpy: forward values (eager and compiled), broadcasting, axes, and gradients
against central finite differences through the C ABI."""
import threading

import numpy as np
import pytest

import agentnet
import agentnet.tensor as T


def f32(*shape, rng=np.random.default_rng(1), positive=False):
    a = rng.standard_normal(shape).astype(np.float32)
    return np.abs(a) + 0.5 if positive else a


UNARY = [
    ("exp", np.exp, False), ("log", np.log, True), ("log1p", np.log1p, True), ("sqrt", np.sqrt, True),
    ("tanh", np.tanh, False), ("sigmoid", lambda x: 1 / (1 + np.exp(-x)), False),
    ("softplus", lambda x: np.log1p(np.exp(x)), False), ("relu", lambda x: np.maximum(x, 0), False),
    ("elu", lambda x: np.where(x > 0, x, np.expm1(x)), False), ("square", np.square, False),
    ("abs", np.abs, False), ("neg", np.negative, False), ("sign", np.sign, False), ("sin", np.sin, False),
    ("cos", np.cos, False),
]


@pytest.mark.parametrize("name,ref,positive", UNARY)
def test_unary_matches_numpy_eager_and_compiled(name, ref, positive):
    a = f32(3, 5, positive=positive)
    np.testing.assert_allclose(getattr(T, name)(a), ref(a), rtol=1e-5, atol=1e-6)
    x = T.matrix("x")
    fn = agentnet.function([x], getattr(T, name)(x))
    np.testing.assert_allclose(fn(a), ref(a), rtol=1e-5, atol=1e-6)


BINARY = [
    ("add", np.add), ("sub", np.subtract), ("mul", np.multiply), ("true_div", np.divide),
    ("maximum", np.maximum), ("minimum", np.minimum),
]


@pytest.mark.parametrize("name,ref", BINARY)
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)),
                                   ((), (3,)), ((0, 4), (4,)), ((1,), (5,))])
def test_binary_broadcasting_matches_numpy(name, ref, sa, sb):
    a, b = f32(*sa), f32(*sb, positive=True)
    np.testing.assert_allclose(getattr(T, name)(a, b), ref(a, b), rtol=1e-6)


def test_comparisons_and_logic():
    a, b = f32(4, 3), f32(3)
    for op, ref in [(T.lt, np.less), (T.le, np.less_equal), (T.gt, np.greater), (T.ge, np.greater_equal),
                    (T.eq, np.equal), (T.neq, np.not_equal)]:
        np.testing.assert_array_equal(op(a, b), ref(a, b))
    p, q = a > 0, b > 0
    np.testing.assert_array_equal(T.and_(p, q), p & q)
    np.testing.assert_array_equal(T.or_(p, q), p | q)
    np.testing.assert_array_equal(T.invert(p), ~p)
    np.testing.assert_array_equal(T.where(p, a, b), np.where(p, a, b))
    np.testing.assert_allclose(T.clip(a, -0.5, 0.5), np.clip(a, -0.5, 0.5))


def test_integer_arithmetic_keeps_int32_and_python_mod_semantics():
    a = np.array([-7, -3, 0, 5, 9], np.int32)
    b = np.array([2, -4, 3, 3, -2], np.int32)
    for op, ref in [(T.add, np.add), (T.mul, np.multiply), (T.mod, np.mod), (T.floordiv, np.floor_divide)]:
        out = op(a, b)
        assert out.dtype == np.int32
        np.testing.assert_array_equal(out, ref(a, b))


@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "prod", "var", "std"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (-1, 0)])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reductions_match_numpy(name, axis, keepdims):
    a = f32(3, 4, 5)
    ref = getattr(np, name)(a, axis=axis, keepdims=keepdims)
    np.testing.assert_allclose(getattr(T, name)(a, axis=axis, keepdims=keepdims), ref, rtol=1e-4, atol=1e-5)


def test_reductions_on_empty_and_size_one_dimensions():
    e = np.zeros((0, 3), np.float32)
    np.testing.assert_array_equal(T.sum(e, axis=0), np.zeros(3, np.float32))
    np.testing.assert_array_equal(T.prod(e, axis=0), np.ones(3, np.float32))
    with pytest.raises(ValueError, match="zero-size"):
        T.max(e, axis=0)
    one = f32(1, 1, 4)
    np.testing.assert_allclose(T.mean(one, axis=(0, 1)), one.mean(axis=(0, 1)))


def test_argmax_argmin():
    a = f32(4, 6)
    np.testing.assert_array_equal(T.argmax(a, axis=1), np.argmax(a, axis=1))
    np.testing.assert_array_equal(T.argmin(a, axis=0), np.argmin(a, axis=0))
    assert T.argmax(a) == np.argmax(a)


def test_dot_shapes_match_numpy():
    for sa, sb in [((3, 4), (4, 5)), ((4,), (4, 5)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)), ((4,), (4,))]:
        a, b = f32(*sa), f32(*sb)
        np.testing.assert_allclose(T.dot(a, b), np.dot(a, b), rtol=1e-5, atol=1e-5)
    a, b = f32(2, 3, 4), f32(2, 4, 5)
    np.testing.assert_allclose(T.batched_dot(a, b), a @ b, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="not aligned"):
        T.dot(f32(3, 4), f32(5, 2))


def test_shape_ops_match_numpy():
    a = f32(2, 3, 4)
    np.testing.assert_array_equal(T.reshape(a, (4, -1)), a.reshape(4, -1))
    np.testing.assert_array_equal(T.flatten(a, 2), a.reshape(2, -1))
    np.testing.assert_array_equal(T.dimshuffle(a, 2, "x", 0, 1), a.transpose(2, 0, 1)[:, None])
    np.testing.assert_array_equal(T.transpose(a), a.T)
    np.testing.assert_array_equal(T.concatenate([a, a * 2], axis=1), np.concatenate([a, a * 2], axis=1))
    np.testing.assert_array_equal(T.stack([a, a], axis=-1), np.stack([a, a], axis=-1))
    np.testing.assert_array_equal(T.repeat(a, 3, axis=1), np.repeat(a, 3, axis=1))
    np.testing.assert_array_equal(T.tile(a, (2, 1, 3)), np.tile(a, (2, 1, 3)))
    np.testing.assert_allclose(T.cumsum(a, axis=2), np.cumsum(a, axis=2), rtol=1e-6)
    np.testing.assert_array_equal(T.arange(2, 11, 3), np.arange(2, 11, 3))
    np.testing.assert_array_equal(T.one_hot(np.array([0, 2, 1]), 3), np.eye(3, dtype=np.float32)[[0, 2, 1]])
    np.testing.assert_allclose(T.softmax(a), np.exp(a) / np.exp(a).sum(-1, keepdims=True), rtol=1e-5)
    np.testing.assert_allclose(T.logsumexp(a, axis=1), np.log(np.exp(a).sum(1)), rtol=1e-5)


def test_indexing_matches_numpy():
    a = f32(5, 4, 3)
    x = T.tensor3("x")
    for key in [(slice(None), slice(1, 3)), (0,), (-1, slice(None, None, -1)), (slice(None), 2, slice(0, 3, 2)),
                (Ellipsis, 1), (None, 1)]:
        np.testing.assert_array_equal(agentnet.function([x], x[key])(a), a[key])
    idx = np.array([3, 0, 2])
    np.testing.assert_array_equal(agentnet.function([x], x[idx])(a), a[idx])
    q = f32(6, 4)
    actions = np.array([0, 3, 1, 1, 2, 0], np.int32)
    qv, av = T.matrix("q"), T.ivector("a")
    picked = agentnet.function([qv, av], qv[T.arange(qv.shape[0]), av])
    np.testing.assert_array_equal(picked(q, actions), q[np.arange(6), actions])
    np.testing.assert_array_equal(T.take(a, np.array([2, 0]), axis=1), np.take(a, [2, 0], axis=1))
    with pytest.raises(agentnet.AgentNetError, match="out of bounds"):
        picked(q, np.array([0, 9, 1, 1, 2, 0], np.int32))


def numeric_grad(fn, values, eps=1e-3):
    grads = []
    for k, v in enumerate(values):
        g = np.zeros_like(v, dtype=np.float64)
        for i in range(v.size):
            plus = [x.astype(np.float64).copy() for x in values]
            minus = [x.astype(np.float64).copy() for x in values]
            plus[k].flat[i] += eps
            minus[k].flat[i] -= eps
            g.flat[i] = (fn(*plus) - fn(*minus)) / (2 * eps)
        grads.append(g)
    return grads


GRAD_CASES = [
    ("broadcast mul-add", [(3, 4), (4,)], lambda a, b: T.sum(T.tanh(a * b + b))),
    ("dot", [(3, 4), (4, 2)], lambda a, b: T.sum(T.square(T.dot(a, b)))),
    ("softmax xent", [(5, 3)], lambda a: -T.mean(T.log(T.softmax(a))[T.arange(5), np.array([0, 2, 1, 1, 0])])),
    ("reductions", [(3, 4)], lambda a: T.max(a, axis=1).sum() + T.mean(a, axis=0).prod() + T.std(a)),
    ("shape ops", [(2, 3)], lambda a: T.sum(T.concatenate([a, T.tile(a, (1, 2))], axis=1) * np.arange(9, dtype=np.float32))),
    ("slicing", [(4, 5)], lambda a: T.sum(T.square(a[1:, ::2])) + T.sum(a[:, 1] * 3)),
    ("pow, maximum, where", [(3, 3), (3, 3)], lambda a, b: T.sum(T.where(a > 0, T.maximum(a, b), a * b) + T.exp(a) ** 2)),
    ("sigmoid, softplus, elu, cumsum", [(6,)], lambda a: T.sum(T.sigmoid(a) * T.softplus(a) + T.elu(a) + T.cumsum(a))),
    ("logsumexp, var", [(3, 4)], lambda a: T.sum(T.logsumexp(a, axis=1)) + T.var(a)),
    ("dimshuffle, reshape, repeat", [(2, 3)], lambda a: T.sum(T.reshape(T.repeat(a.dimshuffle(1, 0), 2, axis=0), (-1,)) ** 3)),
    ("batched dot", [(2, 3, 4), (2, 4, 2)], lambda a, b: T.sum(T.batched_dot(a, b) ** 2)),
]


@pytest.mark.parametrize("label,shapes,cost", GRAD_CASES, ids=[c[0] for c in GRAD_CASES])
def test_grad_matches_finite_differences(label, shapes, cost):
    rng = np.random.default_rng(3)
    values = [rng.uniform(0.2, 1.0, s).astype(np.float32) * rng.choice([-1, 1], s) for s in shapes]
    inputs = [T.tensor("float32", ndim=len(s)) for s in shapes]
    c = cost(*inputs)
    analytic = agentnet.function(inputs, T.grad(c, inputs))(*values)
    value = agentnet.function(inputs, c)
    numeric = numeric_grad(lambda *v: float(value(*v)), values)
    for a, n in zip(analytic, numeric):
        np.testing.assert_allclose(a, n, rtol=2e-2, atol=2e-2)


def test_grad_errors_and_stop_gradient():
    x, i = T.vector("x"), T.ivector("i")
    with pytest.raises(TypeError, match="int32"):
        T.grad(T.sum(x), i)
    with pytest.raises(ValueError, match="without a gradient"):
        T.grad(T.sum(T.cast(T.argmax(x), "float32")), x)
    y = T.vector("y")
    with pytest.raises(ValueError, match="does not depend"):
        T.grad(T.sum(x), y)
    np.testing.assert_array_equal(agentnet.function([x, y], T.grad(T.sum(x), y, disconnected_inputs="ignore"))(
        np.ones(2), np.ones(2)), np.zeros(2))
    g = T.grad(T.sum(x * T.stop_gradient(x)), x)
    np.testing.assert_allclose(agentnet.function([x], g)(np.float32([1, 2])), [1, 2])
    g = T.grad(T.sum(T.grad_clip(x, -1, 1) * 10), x)
    np.testing.assert_allclose(agentnet.function([x], g)(np.float32([1, 2])), [1, 1])
    g = T.grad(T.sum(x * y), x, consider_constant=[y])
    np.testing.assert_allclose(agentnet.function([x, y], g)(np.float32([1, 2]), np.float32([3, 4])), [3, 4])


def test_shared_updates_and_input_downcast():
    w = agentnet.shared(np.zeros(3), name="w")
    assert w.get_value().dtype == np.float32
    x = T.vector("x")
    step = agentnet.function([x], T.sum(w), updates={w: w + x})
    step(np.array([1.0, 2.0, 3.0]))  # float64 in, downcast
    step(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(w.get_value(), [2, 4, 6])
    w.set_value(np.ones(3))
    np.testing.assert_array_equal(w.get_value(), [1, 1, 1])
    a, b = agentnet.shared(np.float32([1, 2]), "a"), agentnet.shared(np.float32([3, 4]), "b")
    agentnet.function([], [], updates=[(a, b), (b, a)])()
    np.testing.assert_array_equal(a.get_value(), [3, 4])
    np.testing.assert_array_equal(b.get_value(), [1, 2])


def test_random_streams_reproducible_and_advancing():
    rs = T.random.RandomStreams(seed=42)
    u = rs.uniform((1000,))
    n = rs.normal((2000,), avg=1.0, std=2.0)
    b = rs.binomial((1000,), p=0.3)
    draw = agentnet.function([], [u, n, b])
    first, second = draw(), draw()
    assert not np.array_equal(first[0], second[0])
    assert 0 <= first[0].min() and first[0].max() < 1 and abs(first[0].mean() - 0.5) < 0.05
    assert abs(first[1].mean() - 1.0) < 0.15 and abs(first[1].std() - 2.0) < 0.15
    assert abs(first[2].mean() - 0.3) < 0.05
    rs.seed(42)
    np.testing.assert_array_equal(draw()[0], first[0])
    pv = T.matrix("p")
    sample = agentnet.function([pv], rs.multinomial(pvals=pv))
    counts = sum(sample(np.tile([[0.1, 0.9]], (1, 1))) for _ in range(400))
    assert 300 < counts[0, 1] <= 400


def test_bad_inputs_raise_clear_errors():
    x = T.matrix("x", shape=(None, 3))
    y = T.ivector("y")
    fn = agentnet.function([x, y], T.sum(x) + T.sum(y))
    with pytest.raises(ValueError, match=r"input 'x': expected shape \(\?, 3\), got \(2, 4\)"):
        fn(np.zeros((2, 4)), np.zeros(2, np.int32))
    with pytest.raises(TypeError, match="input 'y'"):
        fn(np.zeros((2, 3)), np.zeros(2, np.float32))
    with pytest.raises(agentnet.AgentNetError, match="NaN"):
        fn(np.full((2, 3), np.nan), np.zeros(2, np.int32))
    with pytest.raises(TypeError, match="expects 2 inputs"):
        fn(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="missing input"):
        agentnet.function([x], T.sum(y))
    with pytest.raises(ValueError, match="unknown op kind"):
        agentnet._core.node("no_such_op", [x])
    with pytest.raises(ValueError, match="malformed attributes"):
        agentnet._lib.check(agentnet._lib.lib.agn_node_create(b"sum", b"{bad", agentnet._core.handles([x]), 1,
                                                               agentnet._core.ctypes.byref(agentnet._core.ctypes.c_int64())))
    with pytest.raises(ValueError, match="too large|overflows"):
        T.zeros((2**31, 2**31, 2**31))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        T.add(np.zeros((2, 3), np.float32), np.zeros((4,), np.float32))
    with pytest.raises(agentnet.AgentNetError, match="not a live object"):
        agentnet._lib.check(agentnet._lib.lib.agn_release(987654321))
    assert fn(np.zeros((0, 3)), np.zeros(0, np.int32)) == 0


def test_failed_call_leaves_shared_values_unchanged():
    w = agentnet.shared(np.float32([1, 2, 3]), "w")
    i = T.ivector("i")
    fn = agentnet.function([i], w[i], updates={w: w * 2})
    with pytest.raises(agentnet.AgentNetError):
        fn(np.array([7], np.int32))
    np.testing.assert_array_equal(w.get_value(), [1, 2, 3])


def test_threads_calling_functions_at_once():
    w = agentnet.shared(np.zeros(4, np.float32), "w")
    x = T.vector("x")
    fn = agentnet.function([x], T.sum(x * w), updates={w: w + 1})
    errors = []

    def work():
        try:
            for _ in range(200):
                fn(np.ones(4, np.float32))
            with pytest.raises(ValueError):
                fn(np.ones((2, 2), np.float32))
        except Exception as e:  # noqa: BLE001 - collected and asserted below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    np.testing.assert_array_equal(w.get_value(), np.full(4, 1600, np.float32))


def test_reprs_are_readable():
    x = T.matrix("x")
    assert "x" in repr(x) and "float32" in repr(x)
    assert "SharedVariable w" in repr(agentnet.shared(np.zeros(2), "w"))


@pytest.mark.parametrize("e", [2, 0.5, -1, 1, 0])
def test_constant_powers_give_numpys_bits(e):
    x = np.float32([-2.5, -0.0, 0.0, 1e-30, 3e19, np.inf, -np.inf, 0.1, 7.3])
    with np.errstate(all="ignore"):
        ref = x ** np.float32(e)
    X = T.vector()
    for out in (T.pow(x, e), agentnet.function([X], X ** e, check_finite=False)(x)):
        np.testing.assert_array_equal(np.asarray(out).view(np.uint32), ref.view(np.uint32))
