"""The headless demo: the course's 3-layer network, its buggy backprop (dW2 x2, db1 4./m), and the report."""
from . import bugs, models
from .check import check_backprop


def main():
    X, Y, parameters = models.course_test_case()
    print("The course's network (4-5-3-1) with the course's buggy backward_propagation_n:\n")
    report = check_backprop(models.forward, bugs.course_buggy_backward, X, Y, parameters)
    print(report)
    print("\nThe same network with the reference backprop:\n")
    print(check_backprop(models.forward, models.backward, X, Y, parameters))
    return report
