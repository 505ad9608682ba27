"""What finance and analysts take away: the Excel workbook and scenario comparisons.

``workbook`` builds the finance workbook (its sheets in ``frames``, ``input_sheets``,
``kpi_sheet`` and ``compare_sheet``, styles in ``style``); ``compare`` diffs two scenarios.
"""
