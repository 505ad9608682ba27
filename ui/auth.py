"""Sign-in and roles in the app: Streamlit's own ``st.login`` (OpenID Connect) when
``.streamlit/secrets.toml`` has an ``[auth]`` section, single-user local mode otherwise.

- :func:`gate` runs first on every page: without sign-in configured it returns the local
  actor; with it, a visitor who is not signed in sees only the sign-in screen, and a
  signed-in user the roles file gives no role sees only a sign-out button.
- :func:`current_actor` is who acts now (the signed-in identity, or in local mode the name
  the user gives, else the OS user under the roles file's ``[local]`` policy); pages pass it
  to every store write, and the store checks its role (:mod:`planning.store.access`).
- :func:`identity` is (name, role) for display; :func:`sidebar` the sidebar line.

See docs/reliability.md (access control) and .streamlit/secrets.toml.example.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from planning.store.access import (
    ACTIONS,
    VIA_LOCAL_APP,
    AccessError,
    AccessPolicy,
    Actor,
    load_policy,
    roles_path,
)

_ACTOR = "hc_actor"


def sign_in_configured() -> bool:
    """True when the app's secrets have an ``[auth]`` section (st.login is set up)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and "auth" in st.secrets)
    except (FileNotFoundError, KeyError):
        return False


def providers() -> list[str]:
    """Named providers (``[auth.NAME]`` sections with a client_id); empty when the
    ``[auth]`` section itself holds the one provider's settings."""
    section: Mapping[str, Any] = st.secrets.get("auth", {})
    return [k for k, v in section.items() if isinstance(v, Mapping) and "client_id" in v]


def policy() -> AccessPolicy:
    """The roles file in force (re-read each run, so an edit applies on the next click)."""
    return load_policy()


def _signed_in_identity(user: Mapping[str, Any]) -> str:
    """The identity the roles file names: the e-mail, else the preferred user name, else
    the provider's subject id."""
    for claim in ("email", "preferred_username", "sub"):
        value = user.get(claim)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def gate() -> Actor:
    """The actor of this session, or the sign-in (or no-access) screen and ``st.stop()``."""
    try:
        rules = policy()
    except AccessError as exc:
        st.error(f"The app cannot check who may do what: {exc}", icon=":material/lock:")
        st.stop()
    if not sign_in_configured():
        return current_actor()
    if not st.user.is_logged_in:
        _sign_in_screen()
        st.stop()
    user = st.user.to_dict()
    who = _signed_in_identity(user)
    actor = rules.signed_in(who, user) if who else None
    if actor is None:
        st.title("Headcount planner")
        st.error(f"You are signed in as {who or 'an unnamed user'}, but no role is given to you "
                 f"({roles_path() or 'roles file'}): ask the planning team for access.",
                 icon=":material/block:")
        st.button("Sign out", on_click=st.logout, key="auth_logout_denied")
        st.stop()
    st.session_state[_ACTOR] = actor
    return actor


def _sign_in_screen() -> None:
    st.title("Headcount planner")
    st.info("Sign in to plan, compare and approve scenarios.", icon=":material/lock:")
    named = providers()
    if not named:
        st.button("Sign in", type="primary", on_click=st.login, key="auth_login")
    for name in named:
        st.button(f"Sign in with {name}", type="primary", on_click=st.login, args=(name,),
                  key=f"auth_login_{name}")


def current_actor(name: str | None = None) -> Actor:
    """Who acts now: the signed-in actor (``name`` is ignored: the author is the identity),
    or in local mode ``name`` (default the OS user) under the roles file's local policy."""
    if sign_in_configured():
        actor = st.session_state.get(_ACTOR)
        if actor is None:  # a page reached without the gate: act as no one
            return Actor("(not signed in)", "none", "sign-in")
        return actor
    return policy().local(name, VIA_LOCAL_APP)


def identity() -> tuple[str, str]:
    """(name, role) of who acts now, e.g. ("alice@example.com", "planner")."""
    actor = current_actor()
    return actor.name, actor.role


def can(action: str) -> bool:
    """True when the current actor's role allows ``action`` (one of ACTIONS)."""
    assert action in ACTIONS, action
    return current_actor().can(action)


def sidebar() -> None:
    """The sidebar line: who is signed in with which role, or that this is local mode."""
    actor = current_actor()
    if sign_in_configured():
        st.caption("Signed in")
        st.markdown(f"**{actor.name}** · {actor.role}")
        st.button("Sign out", on_click=st.logout, key="auth_logout")
    else:  # the author is the name given on the Scenarios page, never the OS user
        st.caption("Local mode (no sign-in configured)")
        given = str(st.session_state.get("hc_author") or "").strip()
        st.markdown("single user · " + (f"**{given}** · " if given else "") + actor.role)
