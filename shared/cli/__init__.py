"""The command-line tool of bot authors: ``python -m shared.cli validate | chat | test``.

Everything runs on this machine, on embedded backends and a manual clock, through
the same pipeline as production (see shared/cli/local_driver.py).
"""
