"""The lessons' self-check questions, kept here rather than in the notebooks' cells.

A quiz cell shows its source in JupyterLab and Notebook 7, so a question written there shows its answer and
explanation before the student answers. The lessons call `lesson_quiz(number)`; the answer and the
explanation reach the page only once a choice is made.
"""
from __future__ import annotations

from .quiz import Question, Quiz

QUESTIONS = {
    1: [
        Question(
            ("With epsilon = 0.01, how far is the two-sided difference of theta^3 at theta = 1 from the true "
             "derivative 3?"),
            ["0.03", "0.0001", "0.01"],
            answer=1,
            explanation=("It gives 3.0001: the error is epsilon**2 = 0.0001. The one-sided difference gives 3.0301, an "
                         "error of 0.03."),
        ),
        Question(
            ("In the range where truncation dominates, dividing epsilon by 10 divides the two-sided error by "
             "about..."),
            ["10", "100", "nothing: it stays the same"],
            answer=1,
            explanation=("Its error is O(epsilon**2): slope 2 on the log-log plot, so 10 times smaller epsilon gives 100 "
                         "times smaller error."),
        ),
        Question(
            "Why does the error grow again when epsilon gets very small (below about 1e-8 in float64)?",
            [
                "The Taylor series stops converging",
                "f(theta + epsilon) and f(theta - epsilon) share almost all their digits; the subtraction cancels"
                " them and leaves rounding noise, which the division by epsilon magnifies",
                "numpy switches to float32 for small numbers",
            ],
            answer=1,
            explanation="That is round-off: an error of about 1e-16 / epsilon in float64.",
        ),
        Question(
            "You compute a cost in float32 and check it with epsilon = 1e-7. What do you expect?",
            [
                "A tighter check than in float64",
                "A useless estimate: round-off swamps it",
                "The same as in float64",
            ],
            answer=1,
            explanation=("float32 keeps about 7 digits, so its best epsilon is near 1e-3 to 1e-2; at 1e-7 the estimate is "
                         "mostly noise. Check in float64."),
        ),
    ],
    2: [
        Question(
            "Why do we put all parameters into one vector theta for gradient checking?",
            [
                "It makes the network faster",
                "The check nudges one number at a time; with one vector that is theta[i] for i = 0 ... n-1",
                "numpy cannot differentiate dictionaries",
            ],
            answer=1,
            explanation="One index i walks over every parameter of every layer.",
        ),
        Question(
            "W1 has shape (5, 4) and comes first. Which position of theta holds W1[2, 3]?",
            ["11", "14", "23"],
            answer=0,
            explanation="Row by row: 2 * 4 + 3 = 11.",
        ),
        Question(
            "theta has shape...",
            ["(n, 1): a column", "(1, n): a row", "(n, n)"],
            answer=0,
            explanation="The course writes theta as a column, as W.reshape(-1, 1) gives it.",
        ),
        Question(
            "Backprop's dictionary also holds dZ1, dA1, ... What does gradients_to_vector do with them?",
            ["Puts them at the end of the vector", "Ignores them: theta holds only W and b", "Raises an error"],
            answer=1,
            explanation="Only the gradients of the parameters (dW1, db1, ...) have a place in theta's order.",
        ),
    ],
    3: [
        Question(
            "A check gives difference = 3e-9 with epsilon = 1e-7. What do you conclude?",
            ["Backprop is almost surely right", "Look closer at the components", "There is a bug"],
            answer=0,
            explanation="Below about 1e-7 is the level of round-off: the two gradients agree.",
        ),
        Question(
            ("The course's correct solution gives difference = 1.2e-7, above the 1e-7 the course calls great, "
             "and gradlab says passed. Why?"),
            [
                "gradlab's threshold is looser than the course's",
                "Every gradient is within its error bar: the difference is raised by the round-off of the "
                "course's own forward pass, log(1 - sigmoid(z)) near 1",
                "The check ran in float32",
            ],
            answer=1,
            explanation=("The error bar of each numerical derivative is the cost's measured round-off over epsilon (plus "
                         "truncation); every gap is far inside it. The report says so in one sentence."),
        ),
        Question(
            "Why is the difference divided by ||grad|| + ||gradapprox||?",
            [
                "To make it small",
                "So that it does not depend on the size of the gradient: it is relative",
                "Because the course says so",
            ],
            answer=1,
            explanation="A gap of 1e-4 means a lot for a gradient of 1e-3 and nothing for one of 1e3.",
        ),
        Question(
            ("The report shows only W2 failing, with analytic = 2 x numerical in every component. Where is the"
             " bug most likely?"),
            [
                "In the forward pass",
                "In the line that computes dW2: an extra factor 2",
                "In dZ3, which every gradient uses",
            ],
            answer=1,
            explanation="A bug in the forward pass or in dZ3 would make other parameters fail too.",
        ),
        Question(
            "In the course's buggy backprop, db1 is 4 times too large. What relative difference does b1 get?",
            ["0.75", "0.6", "4"],
            answer=1,
            explanation="|4g - g| / (|4g| + |g|) = 3/5 = 0.6, whatever g is.",
        ),
    ],
    4: [
        Question(
            "A network has 10,000 parameters. About how many forward passes does a full gradient check take?",
            ["1", "10,000", "20,000"],
            answer=2,
            explanation="Two per parameter (theta_i + epsilon and theta_i - epsilon): 2n.",
        ),
        Question(
            ("The check fails for every W and passes for every b, and each dW is off by the same multiple of "
             "W. What is the most likely bug?"),
            ["The L2 term is missing from backprop (or from the cost)", "A sign error in dZ3", "Dropout is on"],
            answer=0,
            explanation="The L2 term adds (lambd / m) W to each dW and nothing to db.",
        ),
        Question(
            "Why does gradient checking fail with dropout on, even when backprop is correct?",
            [
                "Dropout makes the gradient too small",
                "Each forward pass draws a new mask, so the cost is not a function of the parameters",
                "Dropout only works in float32",
            ],
            answer=1,
            explanation="Turn dropout off (keep_prob = 1.0) or fix the mask for the check.",
        ),
        Question(
            "Your check passes at initialization. Why run it again after some training?",
            [
                "It is not needed: one pass is enough",
                "Some bugs are invisible while the weights are small and appear once they grow",
                "Training changes the cost function",
            ],
            answer=1,
            explanation="For example, tanh' taken as 1 is nearly right near z = 0 and wrong for large z.",
        ),
        Question(
            ("A check at a small initialization passes and says: errors larger than about 1e-6 of this "
             "gradient would show. What does it tell you about a bug that changes the gradient by 1e-8 of its "
             "size?"),
            [
                "That there is no such bug",
                "Nothing: it is below what the check can see here; check again after some training",
                "That the check failed",
            ],
            answer=1,
            explanation=("A bug smaller than the resolution cannot be seen at this point. Training grows the weights, and "
                         "with them many such errors: tip 5."),
        ),
    ],
    5: [
        Question(
            "Only dW4 fails, and analytic = 8 x numerical in every entry, with m = 8 examples. The bug?",
            ["dW4 is missing its 1/m", "dZ4 has a flipped sign", "The L2 term is missing"],
            answer=0,
            explanation="A factor equal to m means a sum over examples where a mean belongs.",
        ),
        Question(
            "Every parameter of layers 1 to 3 fails, layer 4 passes, and no factor fits. Where do you look?",
            [
                "In layer 1's weight gradient",
                "In layer 3's backward step: dZ3 = dA3 * g'(Z3), or dA3",
                "In the cost function",
            ],
            answer=1,
            explanation=("Backprop runs from the output down, so an error entering at layer 3 spoils layers 3, 2 and 1 and"
                         " leaves layer 4 alone."),
        ),
        Question(
            "Every parameter fails with analytic = -1 x numerical. The bug?",
            ["A flipped sign in the output delta (Y - A instead of A - Y)", "A missing 1/m", "A transposed dW"],
            answer=0,
            explanation="The output delta feeds every gradient, and a sign error there flips them all.",
        ),
        Question(
            "Only db1 fails; its entries are all equal although the numerical ones differ. The bug?",
            ["np.sum(dZ1) without axis=1: every unit gets the sum over all units", "db1 doubled", "Dropout is on"],
            answer=0,
            explanation=("Summing over every axis adds all units' deltas together; broadcasting hides the wrong shape."),
        ),
    ],
}


def lesson_quiz(number, title=""):
    """The self-check quiz at the end of lesson `number` (1 to 5); the lesson's own heading introduces it."""
    if number not in QUESTIONS:
        raise ValueError(f"no quiz for lesson {number!r}; lessons {', '.join(map(str, QUESTIONS))} have one")
    return Quiz(QUESTIONS[number], title=title)
