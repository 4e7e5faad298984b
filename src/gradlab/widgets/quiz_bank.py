"""The lessons' self-check questions, kept here rather than in the notebooks' cells.

A quiz cell shows its source in JupyterLab and Notebook 7, so a question written there shows its answer and
explanation before the student answers. The lessons call `lesson_quiz(number)`; a wrong choice says why it is
wrong and asks for another try, and the explanation reaches the page only with the right choice.

The options of a question are written alike, so that none gives itself away: about the same length and as
specific as each other, the answer at no fixed place, and no option echoing the prompt's words more than the
others (tests/test_widgets.py checks these).
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
            why_not=["That is the one-sided difference's error (3.0301 - 3); in the two-sided one more terms cancel.",
                     "", "That is epsilon itself; the two-sided error shrinks faster than epsilon."],
        ),
        Question(
            ("In the range where truncation dominates, dividing epsilon by 10 divides the two-sided error by "
             "about..."),
            ["10", "nothing: it stays the same", "100"],
            answer=2,
            explanation=("Its error is O(epsilon**2): slope 2 on the log-log plot, so 10 times smaller epsilon gives 100 "
                         "times smaller error."),
            why_not=["That is the one-sided difference, whose error is O(epsilon): slope 1 on the log-log plot.",
                     "Where truncation dominates the error shrinks with epsilon; it levels off only at the bottom of the V.", ""],
        ),
        Question(
            "Why does the error grow again when epsilon gets very small (below about 1e-8 in float64)?",
            ["The epsilon**2 truncation term grows", "Two nearly equal values are subtracted",
             "numpy stores very small steps in float32"],
            answer=1,
            explanation=("f(theta + epsilon) and f(theta - epsilon) share almost all their digits: the subtraction "
                         "leaves rounding noise, about 1e-16 / epsilon once divided by epsilon. That is round-off."),
            why_not=["Truncation shrinks with epsilon; something else grows on the left arm of the V.", "",
                     "numpy keeps float64 whatever the size of a number; look at what the subtraction leaves."],
        ),
        Question(
            "You compute a cost in float32 and check it with epsilon = 1e-7. What do you expect?",
            ["A tighter check than float64 gives", "The same result as in float64", "An estimate lost in noise"],
            answer=2,
            explanation=("float32 keeps about 7 digits, so its best epsilon is near 1e-3 to 1e-2; at 1e-7 the estimate is "
                         "mostly noise. Check in float64."),
            why_not=["Fewer digits cannot make the estimate more precise.",
                     "float32 keeps about 7 digits against float64's 16: the round-off arm of the V moves.", ""],
        ),
    ],
    2: [
        Question(
            "Why do we put all parameters into one vector theta for gradient checking?",
            ["It makes the forward pass faster", "A single index reaches every number",
             "numpy cannot take differences of a dict"],
            answer=1,
            explanation=("The check nudges one number at a time; with one vector that is theta[i] for i = 0 ... n-1, "
                         "whatever array it came from."),
            why_not=["The forward pass still works on the arrays; the vector is for the check.", "",
                     "numpy never sees the dict in a difference: the check needs a way to visit every number."],
        ),
        Question(
            "W1 has shape (5, 4) and comes first. Which position of theta holds W1[2, 3]?",
            ["13", "11", "17"],
            answer=1,
            explanation="Row by row: each row of W1 holds 4 numbers, so 2 * 4 + 3 = 11.",
            why_not=["That counts 5 numbers per row; a row of W1 has as many numbers as W1 has columns.", "",
                     "That goes column by column (3 * 5 + 2); theta takes W1 row by row."],
        ),
        Question(
            "theta has shape...",
            ["(1, n): a row", "(n,): a flat array", "(n, 1): a column"],
            answer=2,
            explanation="The course writes theta as a column, as W.reshape(-1, 1) gives it.",
            why_not=["Look at the reshape the course uses, W.reshape(-1, 1): which axis has length 1?",
                     "dictionary_to_vector keeps two axes, as the course's code does.", ""],
        ),
        Question(
            "Backprop's dictionary also holds dZ1, dA1, ... What does gradients_to_vector do with them?",
            ["Appends them after db3", "Leaves them out", "Raises a KeyError"],
            answer=1,
            explanation="Only the gradients of the parameters (dW1, db1, ...) have a place in theta's order.",
            why_not=["Then the gradient vector would be longer than theta and no longer match it.", "",
                     "It looks up only the keys the layout names (dW1, db1, ...); other keys do no harm."],
        ),
    ],
    3: [
        Question(
            "A check gives difference = 3e-9 with epsilon = 1e-7. What do you conclude?",
            ["There is almost surely a bug", "Look more closely at the components",
             "Backprop is almost surely right"],
            answer=2,
            explanation="Below about 1e-7 is the level of round-off: the two gradients agree.",
            why_not=["A bug gives differences of 1e-3 and more; 3e-9 is at the level of round-off.",
                     "That is the course's advice for differences around 1e-5.", ""],
        ),
        Question(
            ("The course's correct solution gives difference = 1.2e-7, above the 1e-7 the course calls great, "
             "and gradlab says passed. Why?"),
            ["gradlab uses a looser threshold than the course's 1e-7",
             "Each gap is within the cost's measured round-off",
             "The check ran in float32, where 1e-7 counts as good"],
            answer=1,
            explanation=("The error bar of each numerical derivative is the cost's measured round-off over epsilon (plus "
                         "truncation); every gap is far inside it. The course's log(1 - sigmoid(z)) near 1 carries more "
                         "round-off than most costs. The report says so in one sentence."),
            why_not=["gradlab does not decide on the relative difference at all; it compares each gap with something.",
                     "", "The check ran in float64, as the report's last line says."],
        ),
        Question(
            "Why is the difference divided by ||grad|| + ||gradapprox||?",
            ["To keep it below the course's threshold", "So that scaling the cost changes nothing",
             "To give the two gradients equal weight"],
            answer=1,
            explanation=("A gap of 1e-4 means a lot for a gradient of 1e-3 and nothing for one of 1e3: the "
                         "difference is relative."),
            why_not=["A bug gives a large value either way. What would the plain gap do if the cost were scaled by 1000?",
                     "", "The gap alone treats them alike too. What would it do if the cost were scaled by 1000?"],
        ),
        Question(
            ("The report shows only W2 failing, with analytic = 2 x numerical in every component. Where is the"
             " bug most likely?"),
            ["In the forward pass", "In dZ3, shared by all gradients", "In the line that computes dW2"],
            answer=2,
            explanation=("A constant factor in one gradient's own line; a bug in the forward pass or in dZ3 would "
                         "make other parameters fail too."),
            why_not=["The forward pass feeds every gradient: a bug there would show in other parameters too.",
                     "Every gradient is computed from dZ3: a bug there would make other parameters fail too.", ""],
        ),
        Question(
            "In the course's buggy backprop, db1 is 4 times too large. What relative difference does b1 get?",
            ["0.75", "0.6", "4"],
            answer=1,
            explanation="|4g - g| / (|4g| + |g|) = 3/5 = 0.6, whatever g is.",
            why_not=["That is |4g - g| / |4g|; the course divides by the sum of both norms.", "",
                     "The relative difference lies between 0 and 1."],
        ),
    ],
    4: [
        Question(
            "A network has 10,000 parameters. About how many forward passes does a full gradient check take?",
            ["1", "10,000", "20,000"],
            answer=2,
            explanation="Two per parameter (theta_i + epsilon and theta_i - epsilon): 2n.",
            why_not=["That is backprop, which gets every derivative from one pass; the check nudges each parameter.",
                     "Each parameter is nudged in both directions.", ""],
        ),
        Question(
            ("The check fails for every W and passes for every b, and each dW is off by the same multiple of "
             "W. What is the most likely bug?"),
            ["A forgotten L2 term", "Dropout is left on", "A sign error in dZ3"],
            answer=0,
            explanation="The L2 term adds (lambd / m) W to each dW and nothing to db.",
            why_not=["", "Dropout makes the cost random: the biases would be affected too, and the report would refuse "
                     "a verdict.", "dZ3 feeds db3 as well, which would then fail too."],
        ),
        Question(
            "Why does gradient checking fail with dropout on, even when backprop is correct?",
            ["Dropout makes the gradient too small", "Each pass draws a new random mask",
             "Dropout needs float32 to work"],
            answer=1,
            explanation=("The cost is then not a function of the parameters. Turn dropout off (keep_prob = 1.0) or "
                         "fix the mask for the check."),
            why_not=["A small gradient is still checked within its error bar. What if you compute the cost twice at "
                     "the same parameters?", "",
                     "Dropout works in any precision. What if you compute the cost twice at the same parameters?"],
        ),
        Question(
            "Your check passes at initialization. Why run it again after some training?",
            ["Some bugs hide while weights are small", "It is not needed: one passing check is enough",
             "Training changes the cost function"],
            answer=0,
            explanation=("Some bugs are invisible while the weights are small and appear once they grow: tanh' taken as 1 "
                         "is nearly right near z = 0 and wrong for large z."),
            why_not=["", "A check sees only the errors above its resolution, at the point where it checks.",
                     "The cost function stays the same; the parameters it is evaluated at change."],
        ),
        Question(
            ("A check at a small initialization passes and says: errors larger than about 1e-6 of this "
             "gradient would show. What does it tell you about a bug that changes the gradient by 1e-8 of its "
             "size?"),
            ["That there is no such bug", "That the check itself is broken", "Nothing: it is too small to see"],
            answer=2,
            explanation=("A bug smaller than the resolution cannot be seen at this point. Training grows the weights, and "
                         "with them many such errors: check again after some training (tip 5)."),
            why_not=["It could see only errors above 1e-6 of the gradient; 1e-8 is below that.",
                     "It passed, and said what it could resolve.", ""],
        ),
    ],
    5: [
        Question(
            "Only dW4 fails, and analytic = 8 x numerical in every entry, with m = 8 examples. The bug?",
            ["A flipped sign in dZ4's line", "A sum where a mean belongs", "A forgotten L2 term"],
            answer=1,
            explanation="A factor equal to m means a sum over examples where a mean belongs: a missing 1/m.",
            why_not=["A flipped sign is a factor -1, and dZ4 feeds db4 and the layers below too.", "",
                     "A forgotten L2 term adds a multiple of W, not a constant factor, and touches every dW."],
        ),
        Question(
            "Every parameter of layers 1 to 3 fails, layer 4 passes, and no factor fits. Where do you look?",
            ["In the line that computes dW1", "In the cost function", "In the step computing dZ3"],
            answer=2,
            explanation=("Backprop runs from the output down, so an error entering at layer 3 (dZ3 = dA3 * g'(Z3), or "
                         "dA3) spoils layers 3, 2 and 1 and leaves layer 4 alone."),
            why_not=["A bug in one line would spoil dW1 alone; here b1, W2, b2, W3 and b3 fail too.",
                     "A cost that backprop does not match would make layer 4 fail too.", ""],
        ),
        Question(
            "Every parameter fails with analytic = -1 x numerical. The bug?",
            ["A flipped sign in dZL", "A missing 1/m in dZL", "A transposed dW1"],
            answer=0,
            explanation="The output delta dZL (A - Y) feeds every gradient, and a sign error there flips them all.",
            why_not=["", "That gives a factor of m, not -1.",
                     "A transposed dW1 changes one parameter's pattern, not every parameter's sign."],
        ),
        Question(
            "Only db1 fails; its entries are all equal although the numerical ones differ. The bug?",
            ["An extra factor 2 in db1", "A sum over both axes", "Dropout is left on"],
            answer=1,
            explanation=("np.sum(dZ1) without axis=1 adds all units' deltas together, so every unit gets the same sum; "
                         "broadcasting hides the wrong shape."),
            why_not=["A factor keeps the entries as different from each other as the numerical ones are.", "",
                     "Dropout makes the cost random, and then no parameter gets a verdict."],
        ),
    ],
}


def lesson_quiz(number, title=""):
    """The self-check quiz at the end of lesson `number` (1 to 5); the lesson's own heading introduces it."""
    if number not in QUESTIONS:
        raise ValueError(f"no quiz for lesson {number!r}; lessons {', '.join(map(str, QUESTIONS))} have one")
    return Quiz(QUESTIONS[number], title=title)
