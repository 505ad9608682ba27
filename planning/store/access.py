"""Who may do what with saved scenarios: roles, the people and groups holding them, and the
policy for the command line and the app without sign-in.

Roles (``ROLE_ACTIONS``):

- ``planner``: view, compare, edit inputs, save scenarios, submit them;
- ``finance``: view, compare, approve or reject submitted scenarios, export workbooks;
- ``viewer``: view;
- ``owner``: everything; the single user of local mode (no sign-in configured) by default.

The store checks the caller's :class:`Actor` on every write (:mod:`planning.store.store`),
whichever front end calls it. The app makes the actor from the signed-in identity
(``st.login``); the CLI from ``--author`` or the operating-system user under the ``[local]``
policy of the roles file. The roles file is TOML, named by ``HEADCOUNT_ROLES`` (default
``~/.headcount/roles.toml``; without one every local user is ``owner``)::

    [users]                       # identity (e-mail, or an OS user name) = role
    "alice@example.com" = "planner"

    [groups]                      # a group in the ID token's groups claim = role (first wins)
    "finance" = "finance"

    [sign_in]
    groups_claim = "groups"       # the ID-token claim listing the user's groups
    default_role = "viewer"       # a signed-in user no entry names; "none" refuses them

    [local]                       # the CLI, and the app when no sign-in is configured
    identity = "author"           # "author": --author is recorded (default the OS user);
                                  # "os-user": always the OS user, --author may not differ
    default_role = "owner"        # a local user [users] does not name

No streamlit here: ``ui/auth.py`` turns ``st.user`` into an :class:`Actor` with this module.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from planning.store.errors import StoreError
from planning.store.settings import who_am_i

ACTIONS = ("view", "compare", "edit", "save", "submit", "approve", "reject", "export")
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "planner": frozenset({"view", "compare", "edit", "save", "submit"}),
    "finance": frozenset({"view", "compare", "approve", "reject", "export"}),
    "viewer": frozenset({"view"}),
    "owner": frozenset(ACTIONS),
}
ROLES = tuple(ROLE_ACTIONS)
#: the action a status move needs
STATUS_ACTION = {"submitted": "submit", "approved": "approve", "rejected": "reject"}
DEFAULT_ROLES_FILE = Path("~/.headcount/roles.toml")
#: how an actor reached the store (recorded in the audit trail)
VIA_SIGN_IN, VIA_CLI, VIA_LOCAL_APP = "sign-in", "cli", "app (local mode)"


class AccessError(StoreError):
    """Base of the access errors (a StoreError: every front end reports it in words)."""


class AccessDeniedError(AccessError):
    """The actor's role does not allow the action."""


class PolicyError(AccessError):
    """The roles file cannot be used (missing, not TOML, an unknown role or key)."""


@dataclass(frozen=True)
class Actor:
    """Someone acting on the store: ``name`` is recorded as the author of what they do.

    role: planner, finance, viewer or owner; via: sign-in, cli or app (local mode).
    """

    name: str
    role: str
    via: str = VIA_CLI

    def can(self, action: str) -> bool:
        """True when the role allows ``action`` (one of :data:`ACTIONS`)."""
        return action in ROLE_ACTIONS.get(self.role, frozenset())

    def require(self, action: str, what: str = "") -> None:
        """Raise :class:`AccessDeniedError` unless the role allows ``action``."""
        if self.can(action):
            return
        allowed = ", ".join(a for a in ACTIONS if self.can(a)) or "nothing"
        target = f" {what}" if what else ""
        raise AccessDeniedError(f"{self.name} ({self.role}) may not {action}{target}: the "
                           f"{self.role} role may {allowed}. Nothing was changed.")


@dataclass(frozen=True)
class AccessPolicy:
    """Roles of people and groups, and the local policy; see the module docstring.

    users: identity (lower-cased) -> role; groups: group -> role, in the file's order.
    """

    users: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    groups_claim: str = "groups"
    signed_in_default: str | None = "viewer"
    local_identity: str = "author"
    local_default: str = "owner"
    source: str | None = None

    def role_of(self, identity: str, groups: Iterable[str] = ()) -> str | None:
        """The role of a signed-in identity: its own entry, else its first group's in the
        file's order, else the sign-in default (None: no access)."""
        own = self.users.get(identity.strip().lower())
        if own is not None:
            return own
        mine = {str(g) for g in groups}
        for group, role in self.groups.items():
            if group in mine:
                return role
        return self.signed_in_default

    def signed_in(self, identity: str, claims: Mapping[str, Any] | None = None) -> Actor | None:
        """The actor of a signed-in user (None when the policy gives them no role).

        claims: the identity token's claims; the groups are read from ``groups_claim``.
        """
        raw = (claims or {}).get(self.groups_claim) or ()
        groups = [raw] if isinstance(raw, str) else list(raw)
        role = self.role_of(identity, groups)
        return None if role is None else Actor(identity.strip(), role, VIA_SIGN_IN)

    def local(self, author: str | None = None, via: str = VIA_CLI) -> Actor:
        """The actor of the CLI, or of the app without sign-in: ``author`` (default the OS
        user) under the ``[local]`` policy. Raises AccessDeniedError when the policy records the
        OS user and ``author`` names someone else."""
        os_user = who_am_i()
        name = (author or "").strip() or os_user
        if self.local_identity == "os-user" and name != os_user:
            raise AccessDeniedError(
                f"{name!r}: the local policy of {self.source or 'the roles file'} "
                f"([local] identity = \"os-user\") records the operating-system user "
                f"{os_user!r}; leave --author out or give {os_user!r}. Nothing was changed.")
        return Actor(name, self.users.get(name.lower(), self.local_default), via)


def roles_path() -> Path | None:
    """The roles file in force: ``HEADCOUNT_ROLES``, else ``~/.headcount/roles.toml`` if it
    exists, else None (built-in defaults: every local user is owner)."""
    given = os.environ.get("HEADCOUNT_ROLES", "").strip()
    if given:
        return Path(given).expanduser()
    default = DEFAULT_ROLES_FILE.expanduser()
    try:
        return default if default.is_file() else None
    except OSError:  # a home folder this user may not look into: no roles file of theirs
        return None


def load_policy(path: str | Path | None = None) -> AccessPolicy:
    """The policy of the roles file ``path`` (default :func:`roles_path`).

    Raises :class:`PolicyError` naming the file and the key when it cannot be used.
    """
    file = Path(path).expanduser() if path is not None else roles_path()
    if file is None:
        return AccessPolicy()
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise PolicyError(f"the roles file {file} cannot be read: {exc.strerror or exc} "
                          "(set HEADCOUNT_ROLES to a readable file)") from exc
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"the roles file {file} is not valid TOML: {exc}") from exc
    return policy_from_dict(raw, str(file))


_SECTIONS = {"users", "groups", "sign_in", "local"}


def policy_from_dict(raw: Mapping[str, Any], source: str = "roles file") -> AccessPolicy:
    """Check a parsed roles file and build the policy; PolicyError names the bad key."""
    unknown = sorted(set(raw) - _SECTIONS)
    if unknown:
        raise PolicyError(f"{source}: unknown section [{unknown[0]}]; expected "
                          + ", ".join(f"[{s}]" for s in sorted(_SECTIONS)))
    users = {str(k).strip().lower(): _role(source, f"users.{k}", v)
             for k, v in _table(raw, "users", source).items()}
    groups = {str(k): _role(source, f"groups.{k}", v)
              for k, v in _table(raw, "groups", source).items()}
    sign_in = _table(raw, "sign_in", source)
    local = _table(raw, "local", source)
    _known_keys(source, "sign_in", sign_in, {"groups_claim", "default_role"})
    _known_keys(source, "local", local, {"identity", "default_role"})
    default = sign_in.get("default_role", "viewer")
    signed_default = None if default == "none" else _role(source, "sign_in.default_role", default)
    identity = local.get("identity", "author")
    if identity not in ("author", "os-user"):
        raise PolicyError(f"{source}: local.identity = {identity!r}, expected \"author\" or "
                          "\"os-user\"")
    claim = sign_in.get("groups_claim", "groups")
    if not isinstance(claim, str) or not claim.strip():
        raise PolicyError(f"{source}: sign_in.groups_claim must be the name of a claim")
    return AccessPolicy(users, groups, claim.strip(), signed_default, identity,
                        _role(source, "local.default_role", local.get("default_role", "owner")),
                        source)


def _table(raw: Mapping[str, Any], key: str, source: str) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise PolicyError(f"{source}: [{key}] must be a table of key = value lines")
    return value


def _known_keys(source: str, section: str, table: Mapping[str, Any], known: set[str]) -> None:
    for key in table:
        if key not in known:
            raise PolicyError(f"{source}: unknown key {section}.{key}; [{section}] takes "
                              + ", ".join(sorted(known)))


def _role(source: str, key: str, value: Any) -> str:
    if value not in ROLE_ACTIONS:
        raise PolicyError(f"{source}: {key} = {value!r}, expected a role: "
                          + ", ".join(ROLES))
    return str(value)
