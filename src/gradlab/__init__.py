"""gradlab: gradient checking that says where the bug is.

    report = gradlab.check_backprop(forward, backward, X, Y, parameters)
    print(report)          # verdict, per-parameter differences, worst components, diagnoses

`import gradlab` stays light: the reference network (gradlab.models), the bug catalogue (gradlab.bugs) and the
course's functions (gradlab.course) are imported only when asked for.
"""
from .check import check_backprop, check_network, gradient_check
from .diagnose import Diagnosis
from .epsilons import check_across_epsilons
from .estimate import CostEstimate, estimate_cost
from .layout import ParameterLayout, dictionary_to_vector, gradients_to_vector, vector_to_dictionary
from .numeric import (
    EpsilonSweep,
    complex_step_difference,
    epsilon_sweep,
    numerical_gradient,
    one_sided_difference,
    two_sided_difference,
)
from .noise import NoiseEstimate
from .report import STATUSES, GradCheckReport, GradientCheckError
from .tips import check_at_init_and_after_training
from .tolerance import TOLERANCES, verdict

__version__ = "0.1.0"

__all__ = [
    "check_backprop", "check_network", "gradient_check", "Diagnosis", "ParameterLayout", "dictionary_to_vector",
    "gradients_to_vector", "vector_to_dictionary", "EpsilonSweep", "complex_step_difference", "epsilon_sweep",
    "numerical_gradient", "one_sided_difference", "two_sided_difference", "GradCheckReport",
    "GradientCheckError", "TOLERANCES", "verdict", "CostEstimate", "estimate_cost",
    "check_at_init_and_after_training", "NoiseEstimate", "STATUSES", "check_across_epsilons",
]
