"""The course's assignment functions, written out plainly: the 1-D example, the 3-layer network, and the
course's own gradient_check_n loop (a copy of theta and a rebuilt dict per component).

They are what students write, so they serve as an independent oracle for gradlab's checker, as the baseline
of the benchmark, and as material for the lessons and the autograder's reference solution.
"""
from __future__ import annotations

import numpy as np

from .layout import dictionary_to_vector, gradients_to_vector, vector_to_dictionary
from .models import course_test_case  # noqa: F401  (the test case lives with the reference network)


def forward_propagation(x, theta):
    """The 1-D example: J(theta) = theta * x."""
    return theta * x


def backward_propagation(x, theta):
    """dJ/dtheta = x."""
    return x


def gradient_check(x, theta, epsilon=1e-7, print_msg=False):
    """The course's 1-D check, computed the course's way."""
    gradapprox = (forward_propagation(x, theta + epsilon) - forward_propagation(x, theta - epsilon)) / (2 * epsilon)
    grad = backward_propagation(x, theta)
    difference = np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))
    if print_msg:
        print(_message(difference))
    return float(difference)


def forward_propagation_n(X, Y, parameters):
    """LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID, cross-entropy cost; the course's tuple cache."""
    m = X.shape[1]
    W1, b1, W2, b2, W3, b3 = (parameters[k] for k in ("W1", "b1", "W2", "b2", "W3", "b3"))
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = np.maximum(0, Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = 1 / (1 + np.exp(-Z3))
    logprobs = -np.log(A3) * Y - np.log(1 - A3) * (1 - Y)
    cost = 1.0 / m * np.sum(logprobs)
    return cost, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_n(X, Y, cache, *, planted_bugs=False):
    """The course's backprop; with planted_bugs, its two deliberate mistakes (dW2 x2, db1 with 4./m)."""
    m = X.shape[1]
    Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3 = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = dA2 * (A2 > 0)
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) * (2 if planted_bugs else 1)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = dA1 * (A1 > 0)
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = (4.0 if planted_bugs else 1.0) / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2, "db2": db2,
            "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}


def buggy_backward_propagation_n(X, Y, cache):
    return backward_propagation_n(X, Y, cache, planted_bugs=True)


def gradient_check_n(parameters, gradients, X, Y, epsilon=1e-7, print_msg=False, forward=forward_propagation_n):
    """The course's loop: for each component, copy theta, nudge one entry, rebuild the dict, run forward."""
    parameters_values, layout = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients, layout)
    n = parameters_values.shape[0]
    gradapprox = np.zeros((n, 1))
    for i in range(n):
        theta_plus = np.copy(parameters_values)
        theta_plus[i] = theta_plus[i] + epsilon
        J_plus, _ = forward(X, Y, vector_to_dictionary(theta_plus, layout))
        theta_minus = np.copy(parameters_values)
        theta_minus[i] = theta_minus[i] - epsilon
        J_minus, _ = forward(X, Y, vector_to_dictionary(theta_minus, layout))
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    difference = np.linalg.norm(grad - gradapprox) / (np.linalg.norm(grad) + np.linalg.norm(gradapprox))
    if print_msg:
        print(_message(difference))
    return float(difference)


def _message(difference):
    if difference > 2e-7:
        return f"There is a mistake in the backward propagation! difference = {difference}"
    return f"Your backward propagation works perfectly fine! difference = {difference}"
