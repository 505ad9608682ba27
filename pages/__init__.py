"""The Streamlit app's pages and the small helpers they share.

Page scripts (inputs, forecast, requirements, plan, scenarios, export) are run by
``st.navigation`` in ``app.py``; they call the pipeline (:mod:`planning.pipeline`) and never
hold model logic. Helpers: :mod:`pages.keys` (content keys for caching), :mod:`pages.jobs`
(background stage runs with a cache), manual forecast overrides live in :mod:`planning.overrides`;
:mod:`pages.state` (session state and stage getters), :mod:`pages.charts` (plotly figures).
"""
