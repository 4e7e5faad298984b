"""platforms: an assignment packaged for hosted platforms (Gradescope, Coursera, Open edX's XQueue), and the code that
grades inside those packages the way the class command grades on a grader machine.

    package.py       python -m gradlab.grading package: the assignment generated, its material and a wheel of gradlab
    wheel.py         gradlab's wheel, built from this checkout when a package is made
    payload.py       what every package carries (gradlab/ in it): the material, the template gradebook, the settings
    grade.py         one learner's notebook graded from a payload with the class command's worker, read per test cell
    summary_html.py  the HTML that Coursera and edX show: each test cell, its score and its words
    gradescope.py    the autograder zip (setup.sh, run_autograder) and /autograder/results/results.json
    coursera.py      the grader folder and Dockerfile, /shared/feedback.json and /shared/htmlFeedback.html
    xqueue.py        an external grader for XQueue: its watcher (login, get_submission, put_result) and its reply
    run.py           python -m gradlab.grading.platforms.run PLATFORM: the entry point each package calls

May import: cluster, course, gradebook, judging, declare, sandbox.
"""
