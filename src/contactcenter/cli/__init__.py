"""The ``contactcenter`` command line: thin wrappers that parse, call the library, print.

One module per command group; :mod:`contactcenter.cli.main` registers them all.
"""
