"""agentnet.learning.generic: the worked examples of the reference notes (§2.1-2.4) as exact tables, an independent
numpy reference on random inputs (gamma shapes, several ends per row, truncation), gradients and bad inputs."""
import numpy as np
import pytest

import agentnet
from agentnet import tensor as T
from agentnet.learning import generic

V = np.float32([[10, 20, 30, 40, 50, 60]])
R = np.float32([[1, 2, 3, 4, 5, 6]])

TABLE = [
    (None, True, [5.4375, 8.875, 13.75, 21.5, 35, 60]),
    (None, False, [3.75, 5.5, 7, 8, 8, 6]),
    (1, True, [11, 17, 23, 29, 35, 60]),
    (1, False, [11, 17, 23, 29, 35, 6]),
    (2, True, [11, 13.5, 23, 21.5, 35, 60]),
    (2, False, [9.5, 17, 17.5, 29, 8, 6]),
    # n >= 3: blocks counted back from the last computed tick (our alignment, reference §2.3).
    (3, True, [9.5, 17, 13.75, 21.5, 35, 60]),
    (3, False, [7.75, 13.5, 23, 8, 8, 6]),
    (4, True, [11, 8.875, 13.75, 21.5, 35, 60]),
    (4, False, [9.5, 17, 7, 8, 8, 6]),
]


@pytest.mark.parametrize("n, crop, expected", TABLE)
def test_n_step_reference_worked_example(n, crop, expected):
    out = generic.get_n_step_value_reference(V, R, n_steps=n, gamma_or_gammas=0.5, crop_last=crop)
    np.testing.assert_array_equal(out, np.float32([expected]))


def test_session_end_is_reward_only_and_stops_propagation():
    alive = np.array([[1, 1, 1, 0, 0, 0]])
    whole = generic.get_n_step_value_reference(V, R, alive, n_steps=None, gamma_or_gammas=0.5)
    one = generic.get_n_step_value_reference(V, R, alive, n_steps=1, gamma_or_gammas=0.5)
    np.testing.assert_array_equal(whole[0, [0, 1, 2, 5]], [2.75, 3.5, 3, 60])
    np.testing.assert_array_equal(one[0, [0, 1, 2, 5]], [11, 17, 3, 60])


def test_value_after_end_is_used_without_crop_last():
    out = generic.get_1_step_value_reference(V, R, gamma_or_gammas=0.5, crop_last=False,
                                             state_values_after_end=np.float32([[100]]))
    np.testing.assert_array_equal(out, [[11, 17, 23, 29, 35, 56]])


def test_one_step_equals_forced_n_step():
    rng = np.random.default_rng(0)
    v, r = rng.normal(size=(3, 7)).astype(np.float32), rng.normal(size=(3, 7)).astype(np.float32)
    alive = (rng.random((3, 7)) > 0.3).astype(np.float32)
    a = generic.get_1_step_value_reference(v, r, alive, gamma_or_gammas=0.9)
    b = generic.get_n_step_value_reference(v, r, alive, n_steps=1, gamma_or_gammas=0.9, force_n_step=True)
    np.testing.assert_array_equal(a, b)


def test_end_indicator_examples():
    ends = generic.get_end_indicator
    np.testing.assert_array_equal(ends(np.array([[1, 1, 1, 0, 0, 0]])), [[0, 0, 1, 0, 0, 0]])
    np.testing.assert_array_equal(ends(np.ones((1, 6))), [[0] * 6])
    np.testing.assert_array_equal(ends(np.ones((1, 6)), force_end_at_t_max=True), [[0, 0, 0, 0, 0, 1]])
    np.testing.assert_array_equal(ends(np.array([[1, 0, 1, 1, 0, 1]])), [[1, 0, 0, 1, 0, 0]])
    np.testing.assert_array_equal(ends(np.array([[1, 0, 1, 1, 0, 1]]), True), [[1, 0, 0, 1, 0, 0]])
    assert ends(np.ones((2, 6))).dtype == np.bool_


def test_mask_by_eos_includes_the_first_eos():
    np.testing.assert_array_equal(generic.get_mask_by_eos(np.array([[0, 0, 1, 0, 1, 0], [1, 0, 0, 0, 0, 0]])),
                                  [[1, 1, 1, 0, 0, 0], [1, 0, 0, 0, 0, 0]])


def test_values_for_actions():
    q = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    a = np.array([[0, 3, 1], [2, 2, 0]])
    np.testing.assert_array_equal(generic.get_values_for_actions(q, a), np.take_along_axis(q, a[..., None], 2)[..., 0])
    with pytest.raises(ValueError, match="out of range"):
        generic.get_values_for_actions(q, np.array([[0, 4, 1], [2, 2, 0]]))


# MARK: an independent reference

def numpy_reference(v, r, alive, n, gamma, crop, after, end_at_tmax=False, truncated=None):
    """Forward view, tick by tick: accumulate rewards until an end (reward only), a truncation or a block
    boundary (bootstrap from the next value)."""
    B, T = v.shape
    g = np.broadcast_to(gamma if np.ndim(gamma) != 1 else np.asarray(gamma)[:, None], (B, T))
    nxt = np.concatenate([v[:, 1:], after.reshape(B, 1)], axis=1)
    last = T - 1 - int(crop)
    out = np.zeros((B, T))
    for b in range(B):
        end = [t < T - 1 and alive[b, t] - alive[b, t + 1] == 1 for t in range(T)]
        if end_at_tmax and not any(end):
            end[T - 1] = True
        for t in range(last + 1):
            total, disc, k = 0.0, 1.0, t
            while True:
                total += disc * r[b, k]
                cut = truncated is not None and truncated[b, k]
                boundary = (k == last) if n is None else ((last - k) % n == 0)
                if cut or (not end[k] and boundary):
                    total += disc * g[b, k] * nxt[b, k]
                    break
                if end[k]:
                    break
                disc *= g[b, k]
                k += 1
            out[b, t] = total
        if crop:
            out[b, T - 1] = v[b, T - 1]
    return out


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_numpy_reference_on_random_sessions(seed):
    rng = np.random.default_rng(seed)
    B, T = rng.integers(1, 5), rng.integers(1, 12)
    n = [None, 1, 2, 3, 5][seed % 5]
    crop = bool(seed % 2)
    v = rng.normal(size=(B, T)).astype(np.float32)
    r = rng.normal(size=(B, T)).astype(np.float32)
    alive = (rng.random((B, T)) > 0.35).astype(np.float32)  # several ends per row
    after = rng.normal(size=(B, 1)).astype(np.float32)
    gamma = [np.float32(0.9), rng.uniform(0.5, 1, B).astype(np.float32),
             rng.uniform(0.5, 1, (B, T)).astype(np.float32)][seed % 3]
    truncated = (rng.random((B, T)) > 0.8).astype(np.float32) if seed % 4 >= 2 else None
    end_at_tmax = seed % 3 == 1
    out = generic.get_n_step_value_reference(v, r, alive, n_steps=n, gamma_or_gammas=gamma, crop_last=crop,
                                             state_values_after_end=after, end_at_tmax=end_at_tmax,
                                             is_truncated=truncated)
    expected = numpy_reference(v, r, alive, n, gamma, crop, after, end_at_tmax, truncated)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_truncation_bootstraps_from_next_value_and_wins_over_an_end():
    alive = np.array([[1, 1, 1, 0, 1, 1]])
    truncated = np.array([[0, 0, 1, 0, 0, 0]])
    out = generic.get_n_step_value_reference(V, R, alive, n_steps=None, gamma_or_gammas=0.5, is_truncated=truncated)
    # tick 2 bootstraps from V[3] = 40 although alive drops after it; ticks 0-1 propagate into it.
    np.testing.assert_array_equal(out[0, :3], [1 + 0.5 * (2 + 0.5 * 23), 2 + 0.5 * 23, 23])
    default = generic.get_n_step_value_reference(V, R, alive, n_steps=None, gamma_or_gammas=0.5, is_truncated=None)
    np.testing.assert_array_equal(default[0, :3], [2.75, 3.5, 3])


def test_truncation_on_the_last_computed_tick_uses_the_value_after_end():
    out = generic.get_n_step_value_reference(V, R, n_steps=2, gamma_or_gammas=0.5, crop_last=False,
                                             state_values_after_end=np.float32([[100]]),
                                             is_truncated=np.array([[0, 0, 0, 0, 0, 1]]))
    assert out[0, 5] == 6 + 50


# MARK: symbolic use, gradients

def test_symbolic_and_eager_agree_with_symbolic_n_steps():
    rng = np.random.default_rng(3)
    v, r = rng.normal(size=(2, 9)).astype(np.float32), rng.normal(size=(2, 9)).astype(np.float32)
    sv, sr, sn = T.matrix("v"), T.matrix("r"), T.iscalar("n")
    ref = generic.get_n_step_value_reference(sv, sr, n_steps=sn, gamma_or_gammas=0.7)
    f = agentnet.function([sv, sr, sn], ref)
    for n in (1, 2, 3, 4):
        np.testing.assert_array_equal(f(v, r, np.int32(n)), generic.get_n_step_value_reference(v, r, n_steps=n, gamma_or_gammas=0.7))
    with pytest.raises(ValueError, match="positive"):
        f(v, r, np.int32(0))


def test_gradient_of_the_reference_matches_finite_differences():
    rng = np.random.default_rng(5)
    B, Tn = 2, 7
    v0, r0 = rng.normal(size=(B, Tn)), rng.normal(size=(B, Tn))
    after0 = rng.normal(size=(B, 1))
    alive = np.array([[1, 1, 1, 0, 1, 1, 1], [1, 1, 1, 1, 1, 1, 1]], np.float32)
    trunc = np.array([[0, 0, 0, 0, 0, 1, 0], [0, 1, 0, 0, 0, 0, 0]], np.float32)
    w = rng.normal(size=(B, Tn)).astype(np.float32)
    for n, crop in [(None, True), (2, False), (3, True), (1, False)]:
        sv, sr, sa = T.matrix("v"), T.matrix("r"), T.matrix("after")
        ref = generic.get_n_step_value_reference(sv, sr, alive, n_steps=n, gamma_or_gammas=0.8, crop_last=crop,
                                                 state_values_after_end=sa, is_truncated=trunc)
        cost = (ref * w).sum()
        grads = agentnet.function([sv, sr, sa], T.grad(cost, [sv, sr, sa]))(v0, r0, after0)
        fcost = agentnet.function([sv, sr, sa], cost)
        for k, x0 in enumerate([v0, r0, after0]):
            num = np.zeros_like(x0)
            for i in np.ndindex(x0.shape):
                args = [v0.copy(), r0.copy(), after0.copy()]
                args[k][i] += 1e-2
                plus = float(fcost(*args))
                args[k][i] -= 2e-2
                num[i] = (plus - float(fcost(*args))) / 2e-2
            np.testing.assert_allclose(grads[k], num, atol=2e-3, err_msg=f"n={n} crop={crop} input {k}")


@pytest.mark.parametrize("args, match", [
    ((np.zeros(6), np.zeros((1, 6))), "state_values"),
    ((np.zeros((1, 6)), np.zeros(6)), "rewards"),
    ((np.zeros((1, 6, 2, 1)), np.zeros((1, 6))), "state_values"),
])
def test_wrong_ranks_raise_value_error(args, match):
    with pytest.raises(ValueError, match=match):
        generic.get_n_step_value_reference(*args)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="is_alive"):
        generic.get_n_step_value_reference(V, R, is_alive=np.ones(6))
    with pytest.raises(ValueError, match="n_steps"):
        generic.get_n_step_value_reference(V, R, n_steps=0)
    with pytest.raises(ValueError, match="gamma"):
        generic.get_n_step_value_reference(V, R, gamma_or_gammas=np.ones((1, 6, 1)))
    with pytest.raises(ValueError, match="gamma"):
        generic.get_n_step_value_reference(V, R, gamma_or_gammas=np.ones(3))
    with pytest.raises(ValueError, match="get_end_indicator"):
        generic.get_end_indicator(np.ones(4))


def test_rank_3_state_values_are_squeezed_with_a_warning():
    with pytest.warns(UserWarning):
        out = generic.get_n_step_value_reference(V[..., None], R, n_steps=2, gamma_or_gammas=0.5)
    np.testing.assert_array_equal(out, [[11, 13.5, 23, 21.5, 35, 60]])
