"""Tests of ``helpers.autodiff``: every operation against central differences and tf.GradientTape,
properties of the backward pass (accumulation, reset, topological order, deep graphs), and the
errors bad input gets."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.autodiff import Value
from helpers.gradcheck import numerical_gradient, relative_error

H = 1e-5
TOL = 1e-7  # relative error of a float64 gradient against central differences (h = 1e-5)
TF_TOL = 1e-12  # two exact float64 gradients differ only by rounding


def grads_of(fn, point):
    """The value of ``fn`` at ``point`` (a list of floats) and its gradient, by ``Value.backward``."""
    inputs = [Value(float(p)) for p in point]
    out = fn(*inputs)
    out.backward()
    return out.data, np.array([v.grad for v in inputs])


def numeric_of(fn, point):
    return numerical_gradient(lambda arr: fn(*(Value(float(a)) for a in arr)).data, np.array(point, dtype=float), h=H)


# Each case: a function of Values, and a point away from kinks and singularities, with gradient
# entries that are not tiny (the relative error is entry-wise).
CASES = {
    "add": (lambda a, b: a + b, [0.7, -1.3]),
    "sub": (lambda a, b: a - b, [0.7, -1.3]),
    "mul": (lambda a, b: a * b, [0.7, -1.3]),
    "div": (lambda a, b: a / b, [0.7, -1.3]),
    "neg": (lambda a: -a, [0.4]),
    "radd": (lambda a: 2.5 + a, [0.4]),
    "rsub": (lambda a: 2.5 - a, [0.4]),
    "rmul": (lambda a: 2.5 * a, [0.4]),
    "rtruediv": (lambda a: 2.5 / a, [0.4]),
    "pow2": (lambda a: a**2, [-0.8]),
    "pow3": (lambda a: a**3, [-0.8]),
    "pow_half": (lambda a: a**0.5, [1.7]),
    "pow_neg": (lambda a: a**-1.5, [1.7]),
    "pow_zero_base_int": (lambda a: (a - 0.3) ** 2, [0.3 + 0.5]),
    "exp": (lambda a: a.exp(), [0.9]),
    "log": (lambda a: a.log(), [0.9]),
    "tanh": (lambda a: a.tanh(), [0.6]),
    "relu_pos": (lambda a: a.relu() * 1.5, [0.6]),
    "sigmoid_pos": (lambda a: a.sigmoid(), [1.2]),
    "sigmoid_neg": (lambda a: a.sigmoid(), [-2.2]),
    "neuron_bce": (
        lambda w1, w2, b: -((w1 * 2.0 + w2 * -1.0 + b).sigmoid().log()),
        [0.5, -1.5, 0.1],
    ),
    "reused": (lambda a, b: a * b + a * a * b - (a / b).exp(), [0.8, 1.9]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_gradient_matches_central_differences(name):
    fn, point = CASES[name]
    _, analytic = grads_of(fn, point)
    assert relative_error(analytic, numeric_of(fn, point)) < TOL


def test_each_operation_has_its_textbook_derivative():
    x = 0.7
    cases = {
        "exp": (lambda v: v.exp(), math.exp(x)),
        "log": (lambda v: v.log(), 1 / x),
        "tanh": (lambda v: v.tanh(), 1 - math.tanh(x) ** 2),
        "sigmoid": (lambda v: v.sigmoid(), math.exp(-x) / (1 + math.exp(-x)) ** 2),
        "pow": (lambda v: v**3, 3 * x**2),
        "relu": (lambda v: v.relu(), 1.0),
    }
    for name, (fn, expected) in cases.items():
        v = Value(x)
        fn(v).backward()
        assert v.grad == pytest.approx(expected, rel=1e-14), name


def test_the_module_example_by_hand():
    w, x, b = Value(2.0), Value(-1.0), Value(0.5)
    loss = ((w * x + b).sigmoid() - 1.0) ** 2
    loss.backward()
    s = 1 / (1 + math.exp(1.5))
    dz = 2 * (s - 1) * s * (1 - s)
    assert loss.data == pytest.approx((s - 1) ** 2, rel=1e-15)
    assert (w.grad, x.grad, b.grad) == pytest.approx((dz * -1.0, dz * 2.0, dz), rel=1e-14)


# ---------------------------------------------------------------------------------------------
# Against TensorFlow (float64).


def _tf_grads(fn_tf, point):
    tf = pytest.importorskip("tensorflow")
    xs = [tf.Variable(p, dtype=tf.float64) for p in point]
    with tf.GradientTape() as tape:
        out = fn_tf(tf, *xs)
    return float(out.numpy()), np.array([g.numpy() for g in tape.gradient(out, xs)])


def test_sigmoid_neuron_with_cross_entropy_matches_gradient_tape():
    point = [0.5, -1.5, 0.1]

    def ours(w1, w2, b):
        a = (w1 * 2.0 + w2 * -1.0 + b).sigmoid()
        return -(1.0 * a.log() + (1.0 - 1.0) * (1.0 - a).log())

    def theirs(tf, w1, w2, b):
        a = tf.sigmoid(w1 * 2.0 + w2 * -1.0 + b)
        return -(1.0 * tf.math.log(a) + 0.0 * tf.math.log(1.0 - a))

    value, grads = grads_of(ours, point)
    tf_value, tf_grads = _tf_grads(theirs, point)
    assert value == pytest.approx(tf_value, rel=TF_TOL)
    assert relative_error(grads, tf_grads) < TF_TOL


def test_every_operation_in_one_expression_matches_gradient_tape():
    point = [0.8, -0.6, 1.4]

    def ours(a, b, c):
        return (a * b).tanh() + (c / a).exp() - (c**1.5).log() * b.sigmoid() + (a - b).relu() + 3.0 / c

    def theirs(tf, a, b, c):
        return tf.tanh(a * b) + tf.exp(c / a) - tf.math.log(c**1.5) * tf.sigmoid(b) + tf.nn.relu(a - b) + 3.0 / c

    value, grads = grads_of(ours, point)
    tf_value, tf_grads = _tf_grads(theirs, point)
    assert value == pytest.approx(tf_value, rel=TF_TOL)
    assert relative_error(grads, tf_grads) < TF_TOL


def test_relu_gradient_at_zero_is_zero_like_tensorflow():
    v = Value(0.0)
    out = v.relu()
    out.backward()
    assert out.data == 0.0 and v.grad == 0.0
    _, tf_grad = _tf_grads(lambda tf, x: tf.nn.relu(x), [0.0])
    assert tf_grad[0] == 0.0


# ---------------------------------------------------------------------------------------------
# Properties of the backward pass.


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=6),
    st.lists(st.floats(-2.0, 2.0), min_size=6, max_size=6),
    st.floats(-1.0, 1.0),
)
def test_a_tanh_neuron_has_the_chain_rule_gradient(xs, ws, b):
    ws = ws[: len(xs)]
    inputs = [Value(w) for w in ws]
    bias = Value(b)
    z = bias
    for w, x in zip(inputs, xs, strict=True):
        z = z + w * x
    out = z.tanh()
    out.backward()
    dz = 1 - math.tanh(b + sum(w * x for w, x in zip(ws, xs, strict=True))) ** 2
    assert bias.grad == pytest.approx(dz, rel=1e-12, abs=1e-15)
    for w, x in zip(inputs, xs, strict=True):
        assert w.grad == pytest.approx(dz * x, rel=1e-12, abs=1e-15)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.1, 3.0), st.integers(1, 8))
def test_a_value_used_n_times_accumulates_its_gradient(x, n):
    v = Value(x)
    out = v
    for _ in range(n - 1):
        out = out * v  # x^n, built from n uses of v
    out.backward()
    assert v.grad == pytest.approx(n * x ** (n - 1), rel=1e-12)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-5.0, 5.0), min_size=1, max_size=30))
def test_the_gradient_of_a_sum_is_one_for_every_term(values):
    nodes = [Value(v) for v in values]
    total = nodes[0]
    for node in nodes[1:]:
        total = total + node
    total.backward()
    assert all(node.grad == 1.0 for node in nodes)
    assert total.data == pytest.approx(math.fsum(values), abs=1e-12)


def test_backward_twice_gives_the_same_gradients():
    a, b = Value(0.5), Value(-2.0)
    out = (a * b).tanh() + a
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == first


def test_backward_from_another_output_resets_the_gradients():
    a = Value(0.5)
    first, second = a * 3.0, a * 5.0
    first.backward()
    assert a.grad == 3.0
    second.backward()
    assert a.grad == 5.0, "gradients from the first backward pass must not leak into the second"


def test_topological_order_lists_each_node_once_after_its_parents():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + a
    e = d * c
    order = e.topological_order()
    assert len(order) == len({id(n) for n in order})
    assert {id(n) for n in order} >= {id(a), id(b), id(c), id(d), id(e)}
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        for parent in node.parents:
            assert position[id(parent)] < position[id(node)]
    assert order[-1] is e


def test_a_deep_graph_does_not_hit_the_recursion_limit():
    x = Value(0.5)
    out = x
    for _ in range(5000):
        out = out * 1.0 + 0.0
    out.backward()
    assert x.grad == 1.0


def test_inputs_and_constants_have_no_parents_and_ops_record_what_they_did():
    a = Value(1.5, "a")
    out = a * 2.0
    assert a.parents == () and a.op == ""
    assert out.op == "*" and out.parents[0] is a and out.local_grads == (2.0, 1.5)
    assert repr(a) == "Value(a: data=1.5, grad=0)"


def test_sigmoid_is_finite_for_large_inputs():
    for x, expected in [(-1000.0, 0.0), (1000.0, 1.0)]:
        v = Value(x)
        out = v.sigmoid()
        out.backward()
        assert out.data == expected and v.grad == 0.0


# ---------------------------------------------------------------------------------------------
# Errors.


@pytest.mark.parametrize(
    ("data", "error", "message"),
    [
        ("1.0", TypeError, "real number"),
        (True, TypeError, "real number"),
        (None, TypeError, "real number"),
        (1 + 2j, TypeError, "real number"),
        (float("nan"), ValueError, "finite"),
        (float("inf"), ValueError, "finite"),
    ],
)
def test_bad_data_is_refused(data, error, message):
    with pytest.raises(error, match=message):
        Value(data)


def test_numpy_scalars_are_accepted():
    assert Value(np.float32(0.5)).data == 0.5 and Value(np.int64(3)).data == 3.0


def test_log_of_a_non_positive_number_is_refused():
    for x in (0.0, -1.0):
        with pytest.raises(ValueError, match="positive"):
            Value(x).log()


def test_division_by_zero_is_refused():
    with pytest.raises(ZeroDivisionError, match="equal to 0"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match="equal to 0"):
        2.0 / Value(0.0)


@pytest.mark.parametrize(
    ("base", "exponent", "error", "message"),
    [
        (-8.0, 0.5, ValueError, "whole exponent"),
        (0.0, -1.0, ValueError, "keep the base away from 0"),
        (0.0, 0.5, ValueError, "keep the base away from 0"),
        (2.0, Value(2.0), TypeError, "plain number"),
        (2.0, "2", TypeError, "real number"),
    ],
)
def test_bad_powers_are_refused(base, exponent, error, message):
    with pytest.raises(error, match=message):
        Value(base) ** exponent


def test_operations_with_non_numbers_raise_type_error():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        [1.0] * Value(1.0)


def test_exp_overflow_is_named():
    with pytest.raises(OverflowError, match="overflows float64"):
        Value(800.0).exp()


def test_overflow_in_a_product_is_caught():
    with pytest.raises(ValueError, match="overflow"):
        Value(1e200) * 1e200
