"""What finance and analysts take away: the quarterly ask, the Excel workbook and scenario
comparisons.

``ask`` is the ask as content (pure: the Plan page and the workbook show the same);
``workbook`` builds the finance workbook with XlsxWriter, its sheets in ``ask_sheet`` (the
first sheet and the charts), ``input_sheets``, ``kpi_sheet``, ``compare_sheet``,
``frontier_sheet`` and ``overrides_sheet``, conventions and the writer in ``style``, the
plan's tables as finance reads them in ``frames``; ``compare`` diffs two scenarios.
"""
