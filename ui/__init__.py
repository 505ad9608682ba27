"""Helpers of the Streamlit app (the page scripts live in ``app_pages/``).

``session`` holds what one browser session holds (data set, edits, overrides, scenario);
``stages`` runs the pipeline's stages for the pages (``jobs`` runs them in the background
with a cache keyed by ``keys``); ``feedback`` shows errors and messages; ``charts`` builds
plotly figures; ``risk_panels`` renders the SLA risk, frontier and compliance panels.
"""
