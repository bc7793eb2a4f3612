"""The seed's own Recurrence and attention tests (tests/test_recurrence.py, tests/test_attention.py), ported.

Deviation: the seed's sequences have unknown length and run under ``theano.scan``; ours are unrolled when built,
so each sequence gets its length in the static shape (or ``n_steps`` is given).
"""
from collections import OrderedDict

import numpy as np

import agentnet
from agentnet import init, nonlinearities
from agentnet.agent import Recurrence
from agentnet.layers import DenseLayer, DimshuffleLayer, DropoutLayer, InputLayer, ReshapeLayer, get_all_params, \
    get_output
from agentnet.memory import AttentionLayer, GRUCell, LSTMCell, RNNCell


def test_recurrence():
    sequence = InputLayer((None, 25, 3), name="input sequence")
    initial = InputLayer((None, 10), name="gru zero tick")
    inp, prev_gru = InputLayer((None, 3)), InputLayer((None, 10))
    gru = GRUCell(prev_gru, inp, name="rnn")
    rec = Recurrence(input_sequences={inp: sequence}, state_variables={gru: prev_gru}, state_init={gru: initial},
                     unroll_scan=False)
    assert len(get_all_params(rec)) > 0
    run = agentnet.function([sequence.input_var, initial.input_var], get_output(rec[gru]))
    assert run(np.random.randn(5, 25, 3), np.random.randn(5, 10)).shape == (5, 25, 10)


def test_recurrence_larger():
    sequence = InputLayer((None, 25, 3), name="input sequence")
    initial_cell = InputLayer((None, 20), name="lstm cell zero tick")
    inp, prev_rnn = InputLayer((None, 3)), InputLayer((None, 10))
    rnn = RNNCell(prev_rnn, inp, name="rnn")
    prev_lstm_cell, prev_lstm_hid = InputLayer((None, 20)), InputLayer((None, 20))
    lstm_cell, lstm_hid = LSTMCell(prev_lstm_cell, prev_lstm_hid, input_or_inputs=rnn)
    lstm_hid = DropoutLayer(lstm_hid, p=0.5)       # dropout on the output, not the cell
    rec = Recurrence(input_sequences={inp: sequence},
                     state_variables=OrderedDict([(rnn, prev_rnn), (lstm_hid, prev_lstm_hid),
                                                  (lstm_cell, prev_lstm_cell)]),
                     state_init={lstm_cell: initial_cell}, unroll_scan=False)
    run = agentnet.function([sequence.input_var, initial_cell.input_var],
                            get_output([rec[rnn], rec[lstm_cell], rec[lstm_hid]]))
    out = run(np.random.randn(5, 25, 3), np.random.randn(5, 20))
    assert [o.shape for o in out] == [(5, 25, 10), (5, 25, 20), (5, 25, 20)]


def test_recurrence_substituted():
    sequence = InputLayer((None, 25, 3), name="input sequence")
    sequence_intermediate = InputLayer((None, 25, 5), name="intermediate values sequence")
    initial = InputLayer((None, 10), name="gru zero tick")
    inp = InputLayer((None, 3), name="input")
    intermediate = DenseLayer(inp, 5, name="intermediate")
    prev_gru = InputLayer((None, 10), name="prev rnn")
    gru = GRUCell(prev_gru, intermediate, name="rnn")

    rec = Recurrence(input_sequences={inp: sequence}, state_variables={gru: prev_gru}, state_init={gru: initial})
    assert intermediate.b in get_all_params(rec)
    run = agentnet.function([sequence.input_var, initial.input_var], get_output(rec[gru]))
    assert run(np.random.randn(5, 25, 3), np.random.randn(5, 10)).shape == (5, 25, 10)

    rec2 = Recurrence(input_sequences={intermediate: sequence_intermediate}, state_variables={gru: prev_gru},
                      state_init={gru: initial})
    assert intermediate.b not in get_all_params(rec2)
    run = agentnet.function([sequence_intermediate.input_var, initial.input_var], get_output(rec2[gru]))
    assert run(np.random.randn(5, 25, 5), np.random.randn(5, 10)).shape == (5, 25, 10)


def test_recurrence_mask():
    np.random.seed(1337)
    sequence = InputLayer((None, 5, 2), name="input sequence")
    mask = InputLayer((None, 5), name="rnn mask [batch,tick]")
    inp, prev_rnn = InputLayer((None, 2)), InputLayer((None, 3))
    rnn = RNNCell(prev_rnn, inp, name="rnn", nonlinearity=nonlinearities.linear, b=init.Constant(100.0))
    out = DenseLayer(rnn, num_units=10, nonlinearity=nonlinearities.softmax)
    rec = Recurrence(input_sequences={inp: sequence}, state_variables={rnn: prev_rnn}, tracked_outputs=[out],
                     unroll_scan=False, mask_input=mask)
    run = agentnet.function([sequence.input_var, mask.input_var], get_output([rec[rnn], rec[out]]))
    seq = np.random.randn(4, 5, 2)
    m = np.zeros([4, 5])
    m[:2, :3] = 1
    m[2:, 2:] = 1
    h_seq, out_seq = run(seq, m)
    assert h_seq.shape == (4, 5, 3) and out_seq.shape == (4, 5, 10)
    diff = np.diff(h_seq, axis=1)
    assert np.all(diff[:2, 2:] == 0)
    assert np.all(diff[:2, :2] != 0)
    assert np.all(diff[2:, 1:] != 0)
    assert np.all(diff[2:, :1] == 0)


def _attentive_gru(enc_shape, n_steps=10):
    enc_activations = InputLayer(enc_shape, name="encoder activations placeholder")
    prev_gru = InputLayer((None, 15), name="gru prev state")
    attention = AttentionLayer(enc_activations, prev_gru, num_units=16)
    gru = GRUCell(prev_gru, attention["attn"], name="reader")
    encoder = InputLayer(enc_shape, name="encoder sequence")
    rec = Recurrence(input_nonsequences={enc_activations: encoder}, state_variables={gru: prev_gru},
                     tracked_outputs=[attention["probs"]], unroll_scan=False, n_steps=n_steps)
    return encoder, rec, gru, attention["probs"]


def test_attention():
    encoder, rec, gru, probs = _attentive_gru((None, None, 12))
    gru_states, probs_seq = rec[gru, probs]
    run = agentnet.function([encoder.input_var], get_output([gru_states, probs_seq]))
    gru_seq, p = run(np.random.randn(5, 25, 12))
    assert gru_seq.shape == (5, 10, 15) and p.shape == (5, 10, 25)
    np.testing.assert_allclose(p.sum(-1), 1, rtol=1e-5)
    hard = agentnet.function([encoder.input_var], get_output([gru_states, probs_seq],
                                                             recurrence_flags={"hard_attention": True}))
    _, hp = hard(np.random.randn(5, 25, 12))
    assert hp.shape == (5, 10, 25)
    assert set(np.unique(hp)) == {0.0, 1.0}
    np.testing.assert_array_equal(hp.sum(-1), 1)


def test_attention_batch_size_one():
    encoder, rec, gru, probs = _attentive_gru((1, 7, 12), n_steps=3)
    gru_seq, p = agentnet.function([encoder.input_var], get_output([rec[gru], rec[probs]]))(np.random.randn(1, 7, 12))
    assert gru_seq.shape == (1, 3, 15) and p.shape == (1, 3, 7)


def test_attention_2d():
    image = InputLayer((None, 3, 24, 24), name="image placeholder")
    prev_gru = InputLayer((None, 15))
    n_channels, width, height = image.output_shape[1:]
    chunks = ReshapeLayer(DimshuffleLayer(image, [0, 2, 3, 1]), (-1, width * height, n_channels))
    attention = AttentionLayer(chunks, prev_gru, num_units=16)
    gru = GRUCell(prev_gru, attention["attn"])
    attn_probs = ReshapeLayer(attention["probs"], (-1, width, height))
    input_image = InputLayer((None, 3, 24, 24))
    rec = Recurrence(input_nonsequences={image: input_image}, state_variables={gru: prev_gru},
                     tracked_outputs=[attn_probs], n_steps=10)
    gru_seq, probs_seq = agentnet.function([input_image.input_var], get_output(rec[gru, attn_probs]))(
        np.random.randn(5, 3, 24, 24))
    assert gru_seq.shape == (5, 10, 15) and probs_seq.shape == (5, 10, 24, 24)
