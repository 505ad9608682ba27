"""Helpers of the Streamlit app (the page scripts live in ``app_pages/``).

``state`` holds session state and the stage getters pages call; ``jobs`` runs stages in the
background with a cache; ``keys`` makes content keys for caching; ``charts`` builds plotly
figures; ``risk_panels`` renders the SLA risk, frontier and compliance panels.
"""
