"""The ``headcount`` command line: one module per command group, over the same pipeline as the app.

``main`` (the console script) builds the parser from ``stages`` (validate, forecast,
requirements, template), ``plan``, ``risk`` (risk, compliance), ``scenario`` and ``kpis``;
``common`` holds exit statuses and warning output, ``types`` the bounded argument types.
Nothing outside this package imports it.
"""

from planning.cli.main import main

__all__ = ["main"]
