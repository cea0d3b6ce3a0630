r"""A tiny reverse-mode automatic differentiation engine for scalars, in the style of micrograd.

A :class:`Value` holds a number (``data``), the gradient of a final output with respect to it
(``grad``, its *adjoint*), and how it was made: its parents in the computational graph and the
*local derivatives* :math:`\partial v / \partial u` of itself with respect to each parent, which
every operation computes during the forward pass. :meth:`Value.backward` visits the graph in
reverse topological order, so a node's adjoint is complete before it is passed on, and applies
the chain rule:

.. math::

    \bar{u} = \frac{\partial L}{\partial u} = \sum_{v \,:\, u \text{ is a parent of } v} \bar{v}\,
    \frac{\partial v}{\partial u}, \qquad \bar{L} = 1 .

One backward pass gives the derivative of :math:`L` with respect to every node, for a cost of
the same order as the forward pass. Derived in notebook 06 (backpropagation), section 1.
Pure Python: no NumPy, no TensorFlow.

>>> w, x, b = Value(2.0, label="w"), Value(-1.0, label="x"), Value(0.5, label="b")
>>> loss = ((w * x + b).sigmoid() - 1.0) ** 2
>>> loss.backward()
>>> print(f"{loss.data:.6f} {w.grad:.6f} {x.grad:.6f} {b.grad:.6f}")
0.668428 0.243877 -0.487753 -0.243877
"""

from __future__ import annotations

import math
import numbers
from typing import Any

__all__ = ["Value"]


def _number(value: Any, name: str) -> float:
    """``value`` as a finite float, or a TypeError/ValueError that names ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` must be a real number such as 1.5, got {value!r} of type {type(value).__name__}.")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"`{name}` must be finite, got {result} (an overflow upstream? try smaller inputs).")
    return result


class Value:
    """A scalar node of a computational graph that knows how to pass gradients back to its parents.

    Parameters
    ----------
    data:
        The node's value, a finite real number (stored as a Python float, i.e. float64).
    label:
        An optional name, shown by ``repr`` and useful for printing a graph.

    Attributes
    ----------
    grad : float
        :math:`\\partial L / \\partial` (this node) after ``L.backward()``; 0.0 before.
    parents : tuple of Value
        The nodes this one was computed from (empty for an input).
    local_grads : tuple of float
        The local derivative of this node with respect to each parent, in the same order.
    op : str
        The operation that made the node (``"*"``, ``"exp"``, ...; ``""`` for an input).
    """

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "label")

    def __init__(
        self,
        data: float,
        label: str = "",
        *,
        _parents: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str = "",
    ) -> None:
        self.data = _number(data, "data")
        self.grad = 0.0
        self.parents: tuple[Value, ...] = _parents
        self.local_grads: tuple[float, ...] = tuple(_local)
        self.op: str = _op
        self.label = label

    def __repr__(self) -> str:
        name = f"{self.label}: " if self.label else ""
        return f"Value({name}data={self.data:.6g}, grad={self.grad:.6g})"

    @staticmethod
    def _lift(other: Any) -> Value | None:
        """``other`` as a Value (a plain number becomes a constant node), or None if it is no number."""
        if isinstance(other, Value):
            return other
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return Value(other)
        return None

    def _make(self, data: float, op: str, parents: tuple[Value, ...], local: tuple[float, ...]) -> Value:
        return Value(data, _parents=parents, _local=local, _op=op)

    # Binary operations: d(a+b) = (1, 1), d(a·b) = (b, a), d(a/b) = (1/b, −a/b²).
    def __add__(self, other: Any) -> Value:
        o = self._lift(other)
        return NotImplemented if o is None else self._make(self.data + o.data, "+", (self, o), (1.0, 1.0))

    def __mul__(self, other: Any) -> Value:
        o = self._lift(other)
        return NotImplemented if o is None else self._make(self.data * o.data, "*", (self, o), (o.data, self.data))

    def __truediv__(self, other: Any) -> Value:
        o = self._lift(other)
        if o is None:
            return NotImplemented
        if o.data == 0.0:
            raise ZeroDivisionError(f"division of {self.data:.6g} by a Value equal to 0; the quotient is undefined.")
        return self._make(self.data / o.data, "/", (self, o), (1.0 / o.data, -self.data / o.data**2))

    def __sub__(self, other: Any) -> Value:
        o = self._lift(other)
        return NotImplemented if o is None else self + (-o)

    def __neg__(self) -> Value:
        return self * -1.0

    def __radd__(self, other: Any) -> Value:  # 2 + v
        return self + other

    def __rmul__(self, other: Any) -> Value:  # 2 * v
        return self * other

    def __rsub__(self, other: Any) -> Value:  # 2 - v
        return (-self) + other

    def __rtruediv__(self, other: Any) -> Value:  # 2 / v
        o = self._lift(other)
        return NotImplemented if o is None else o / self

    def __pow__(self, exponent: Any) -> Value:
        """``v ** k`` for a constant number k: d(vᵏ)/dv = k·vᵏ⁻¹."""
        if isinstance(exponent, Value):
            raise TypeError("the exponent must be a plain number; for a Value exponent y write (y * x.log()).exp().")
        k = _number(exponent, "exponent")
        if self.data == 0.0 and k < 1.0 and k != 0.0:
            raise ValueError(f"0 ** {k:g} has no finite derivative (or value) at 0; keep the base away from 0.")
        if self.data < 0.0 and not k.is_integer():
            raise ValueError(f"({self.data:g}) ** {k:g} is not a real number: a negative base needs a whole exponent.")
        return self._make(self.data**k, f"**{k:g}", (self,), (k * self.data ** (k - 1.0),))

    # Element-wise functions, each with its derivative written in terms of what the forward pass computed.
    def exp(self) -> Value:
        """eˣ, with d/dx = eˣ."""
        if self.data > 709.78:  # math.exp would raise a bare "math range error"
            raise OverflowError(f"exp({self.data:.6g}) overflows float64 (the limit is about 709.78).")
        e = math.exp(self.data)
        return self._make(e, "exp", (self,), (e,))

    def log(self) -> Value:
        """The natural log, with d/dx = 1/x; x must be > 0."""
        if self.data <= 0.0:
            raise ValueError(f"log needs a positive number, got {self.data:.6g}; check the input of log().")
        return self._make(math.log(self.data), "log", (self,), (1.0 / self.data,))

    def tanh(self) -> Value:
        """tanh x, with d/dx = 1 − tanh² x."""
        t = math.tanh(self.data)
        return self._make(t, "tanh", (self,), (1.0 - t * t,))

    def relu(self) -> Value:
        """max(0, x), with d/dx = 1 for x > 0 and 0 for x ≤ 0 (the course's convention relu′(0) = 0)."""
        return self._make(max(self.data, 0.0), "relu", (self,), (1.0 if self.data > 0.0 else 0.0,))

    def sigmoid(self) -> Value:
        """σ(x) = 1 / (1 + e⁻ˣ), computed without overflow, with d/dx = σ(x)(1 − σ(x))."""
        x = self.data
        s = 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))
        return self._make(s, "sigmoid", (self,), (s * (1.0 - s),))

    # The backward pass.
    def topological_order(self) -> list[Value]:
        """Every node this one depends on (itself included), each after all of its parents."""
        order: list[Value] = []
        seen: set[int] = set()
        stack: list[tuple[Value, bool]] = [(self, False)]
        while stack:  # an explicit stack instead of recursion: deep graphs cannot hit the recursion limit
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in seen:
                seen.add(id(node))
                stack.append((node, True))
                stack.extend((parent, False) for parent in reversed(node.parents) if id(parent) not in seen)
        return order

    def backward(self) -> None:
        """Set ``grad`` of every node in the graph to ∂(this node)/∂(that node).

        Gradients are reset to 0 first, so calling ``backward`` twice gives the same result.
        A node used several times receives the sum of the adjoints along every path.
        """
        order = self.topological_order()
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            for parent, local in zip(node.parents, node.local_grads, strict=True):
                parent.grad += node.grad * local
