"""Build tools for teachers and readers: the offline book, the slides, the instructor's guide.

Not part of the course's ``helpers`` library: a learner never imports these. Each module is a
command, e.g. ``python -m tools.vendor``; the Makefile has a target for each.
"""
