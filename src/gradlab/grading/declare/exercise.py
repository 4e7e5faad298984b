"""Declaring an exercise the autograder scores with gradient checking: the student's function, the cases it is
called on, what it returns, and against what each output is checked.

    from gradlab.grading.declare import Case, Exercise, Gradient, NoFiniteDifferences, Value, Verdict

    def cases(hidden):                       # hidden: the HIDDEN_CASES literal of the test cell, or {}
        return [Case(args=(W, X, y), at={"W": W}, data=(X, y), visible=True, label="the example above"), ...]

    EXERCISES = [Exercise("softmax_loss", "(W, X, y)", cases, returns="tuple",
                          outputs={"loss": Value(points=1), "dW": Gradient("W", points=2)},
                          cost=lambda at, case: reference_loss(at["W"], *case.data),
                          reference=lambda case: dict(zip(("loss", "dW"), reference_softmax(*case.args))))]

An assignment's declarations are one Python file in the course directory, `exercises/ASSIGNMENT.py` by default, that
defines EXERCISES. It is instructor code: it runs in the grader's process only, never in the student's, and it is
never released (generate_assignment copies source/ASSIGNMENT/ only). Student code runs in the sandboxed child, which
gets each case's arguments as data and returns data; the grader checks that data against the declaration.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Callable

RETURNS = ("one", "tuple", "dict")


@dataclass(frozen=True)
class Gradient:
    """An output that is the gradient of the exercise's cost with respect to the parameter `of` (a key of Case.at).
    It is checked against centred differences of the grader's cost (gradlab.gradient_check), so no reference
    gradient is needed; it earns its points when it is right in every case (`per_case=True`: a share per case)."""

    of: str
    points: float = 1.0
    per_case: bool = False


@dataclass(frozen=True)
class Value:
    """An output compared with a reference value: `reference(case)` if given, else the exercise's
    `reference(case)[name]`; right within rtol/atol. Earns a share of its points per case (`per_case=False`:
    only when right in every case)."""

    reference: Callable | None = None
    points: float = 1.0
    rtol: float = 1e-7
    atol: float = 1e-10
    per_case: bool = True


@dataclass(frozen=True)
class Verdict:
    """The output of a gradient checker: a relative difference, read as "a bug" above `threshold`. Cases say which
    hold a bug (Case.bug); the output earns points x the weaker of (share of right cases it passes, share of
    buggy cases it flags), so a constant answer earns nothing."""

    threshold: float = 2e-7
    points: float = 1.0


@dataclass(frozen=True)
class NoFiniteDifferences:
    """Exercise(finite_differences=NoFiniteDifferences(...)): gradients made of finite differences of the cost earn
    nothing, as with finite_differences=False, with these settings (False means the defaults).

    In each case and for each Gradient output, the grader measures two distances from the exact gradient
    (reference(case)), relative, in norm:
    - how close finite differences of the exercise's cost come: centred and one-sided, at steps from steps[0] to
      steps[1] (1, 2 and 5 per decade); the closest of them;
    - how far an honest float64 backpropagation may be: `careless` times how far the reference moves when every
      float of the case is rounded differently (by 4 units in the last place), and at least `honest_error`.
    The line is drawn at the closest differences divided by `margin`. Where that line stands above the honest
    distance, the case tells backpropagation from differences, and an output further from the exact gradient than
    the line earns nothing in that case, whatever its dtype says. Where it does not, the gradient check alone judges
    the output in that case; `verify` fails an exercise in which no case tells them apart for some output.

    steps: the smallest and largest step a student might take.
    margin: how much closer than the closest measured differences an answer must be (differences computed another
        way, or at a step between those measured, come a little closer).
    honest_error: the relative error any float64 backpropagation may have (summation order, cancellation).
    careless: how many times further from the exact gradient than the reference an honest but careless float64
        backpropagation may be (variance as E[x^2] - E[x]^2, a softmax without the max subtracted).
    """

    steps: tuple = (1e-7, 1e-3)
    margin: float = 30.0
    honest_error: float = 1e-13
    careless: float = 100.0

    def __post_init__(self):
        low, high = (tuple(self.steps) + (None, None))[:2] if isinstance(self.steps, (tuple, list)) else (None, None)
        if not (isinstance(low, (int, float)) and isinstance(high, (int, float)) and 0 < low <= high < 1
                and len(self.steps) == 2):
            raise ValueError(f"NoFiniteDifferences: steps must be (smallest, largest) with 0 < smallest <= largest < 1; "
                             f"got {self.steps!r}")
        for name in ("margin", "careless"):
            if not getattr(self, name) >= 1:
                raise ValueError(f"NoFiniteDifferences: {name} must be at least 1; got {getattr(self, name)!r}")
        if not 0 < self.honest_error < 1:
            raise ValueError(f"NoFiniteDifferences: honest_error must be between 0 and 1; got {self.honest_error!r}")


@dataclass
class Case:
    """One call of the student's function, and what the grader needs to judge it.

    args, kwargs: what the function is called with: numbers, strings, numpy arrays, and dicts, tuples or lists of
        them (they reach the child as data; the student's function gets fresh copies).
    at: parameter name -> array: the point at which Gradient outputs are checked (the cost's arguments).
    data: anything else the instructor's cost or reference needs; it never leaves the grader.
    visible: the case the student can run in the notebook: feedback may describe it (with `label`); hidden cases
        are never described, and what the student's code said in them is never repeated.
    given: name -> a function (or its source) the student's code calls by name, put in place for this call, as a
        checker exercise needs (a reference forward pass, a backward pass with a planted bug).
    bug: for Verdict outputs, whether this case holds a bug.
    weight: the case's share of a per-case output's points.
    examples: m, the number of examples the cost averages over, when there is one: a gradient m times too large
        then reads "the 1/m is missing" in the feedback.
    hint: what the case exercises, in the instructor's words ("a stride of 2"): feedback shows it when the student's
        function fails the case, so that a hidden case can say what to look at without showing its inputs.
    """

    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    at: dict = field(default_factory=dict)
    data: object = None
    visible: bool = False
    label: str = ""
    given: dict = field(default_factory=dict)
    bug: bool | None = None
    weight: float = 1.0
    examples: int | None = None
    hint: str = ""

    def given_sources(self):
        """name -> source text of each given function (a function's own source, or the text given)."""
        return {name: item if isinstance(item, str) else source_of(item) for name, item in self.given.items()}


@dataclass(frozen=True)
class Exercise:
    """A declared exercise. See the module's docstring for an example.

    function: the name of the student's function; signature: its parameters as the notebook declares them,
        "(W, X, y)" (verify compares it with the solution's).
    cases: hidden -> [Case]; `hidden` is the HIDDEN_CASES dict in the test cell's hidden region ({} if none).
    returns: "one" (a single output), "tuple" (outputs in the order of `outputs`) or "dict" (outputs by key).
    outputs: name -> Gradient | Value | Verdict, in order.
    cost: cost(at, case) -> float, the scalar every Gradient output is the gradient of.
    reference: reference(case) -> {output name: value}: the right answer (Value outputs without a reference of
        their own, and the finite-difference test).
    finite_differences: True (the default) lets gradients made of finite differences of the cost earn their points;
        False gives them none, in the cases that tell them from backpropagation (NoFiniteDifferences says how; pass
        one to change its settings). Needs `reference`: the exact gradients the distances are measured from.
    test_cell: the grade_id of the test cell that scores it (default: "test_" + function).
    keep_cases_apart: cases that share an input never run in the same process, and each process calls its cases
        in a random order, so that the function cannot tell a case from another by having seen its inputs before
        (the default for exercises with a Verdict output, whose buggy cases reuse the right cases' networks).
    """

    function: str
    signature: str
    cases: Callable
    returns: str = "one"
    outputs: dict = field(default_factory=dict)
    cost: Callable | None = None
    reference: Callable | None = None
    finite_differences: bool | NoFiniteDifferences = True
    test_cell: str | None = None
    keep_cases_apart: bool | None = None

    def __post_init__(self):
        if not self.function.isidentifier():
            raise ValueError(f"function must be a Python name; got {self.function!r}")
        if not (self.signature.startswith("(") and self.signature.endswith(")")):
            raise ValueError(f"signature must look like '(x, theta)'; got {self.signature!r} for {self.function}")
        if self.returns not in RETURNS:
            raise ValueError(f"returns must be one of {', '.join(RETURNS)}; got {self.returns!r} for {self.function}")
        if not self.outputs:
            raise ValueError(f"exercise {self.function} declares no outputs")
        if self.returns == "one" and len(self.outputs) != 1:
            raise ValueError(f"exercise {self.function} returns one value but declares {len(self.outputs)} outputs "
                             f"({', '.join(self.outputs)}); use returns='tuple' or 'dict'")
        for name, output in self.outputs.items():
            if not isinstance(output, (Gradient, Value, Verdict)):
                raise TypeError(f"output {name!r} of {self.function} must be a Gradient, Value or Verdict; "
                                f"got {type(output).__name__}")
            if isinstance(output, Gradient) and self.cost is None:
                raise ValueError(f"output {name!r} of {self.function} is a Gradient, so the exercise needs a cost")
            if isinstance(output, Value) and output.reference is None and self.reference is None:
                raise ValueError(f"output {name!r} of {self.function} is a Value: give it a reference, or give the "
                                 "exercise one")
        if not isinstance(self.finite_differences, (bool, NoFiniteDifferences)):
            raise TypeError(f"finite_differences of {self.function} must be True, False or a NoFiniteDifferences(...); "
                            f"got {self.finite_differences!r}")
        if self.difference_rule is not None and self.reference is None:
            raise ValueError(f"{self.function}: finite_differences=False needs a reference (reference(case) -> the "
                             "exact gradients), to measure how close finite differences come to them")
        if not callable(self.cases):
            raise TypeError(f"cases of {self.function} must be a function of the hidden spec returning [Case]")

    @property
    def cell(self):
        return self.test_cell or f"test_{self.function}"

    @property
    def apart(self):
        if self.keep_cases_apart is not None:
            return self.keep_cases_apart
        return any(isinstance(o, Verdict) for o in self.outputs.values())

    @property
    def difference_rule(self):
        """The NoFiniteDifferences in force, or None when finite differences may earn points."""
        if isinstance(self.finite_differences, NoFiniteDifferences):
            return self.finite_differences
        return None if self.finite_differences else NoFiniteDifferences()

    @property
    def points(self):
        return sum(float(o.points) for o in self.outputs.values())

    def parameters(self):
        """The signature's parameter names."""
        return [p.strip().split("=")[0].strip().lstrip("*") for p in self.signature[1:-1].split(",") if p.strip()]


def source_of(function):
    """The source text of a function defined in a file (for Case.given)."""
    try:
        return inspect.getsource(function)
    except (OSError, TypeError) as error:
        raise TypeError(f"cannot give {function!r} to a student's function: its source is not available "
                        "(define it with def in a file, or give its source as a string)") from error


__all__ = ["Case", "Exercise", "Gradient", "NoFiniteDifferences", "Value", "Verdict", "source_of"]
