"""The project's benchmark: ``make benchmark`` or ``python -m benchmarks --help``.

Kept out of the ``packager`` package: it drives the packager only through its
command line, as a user does. See benchmarks/README.md.
"""
