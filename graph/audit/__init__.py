"""The audit log: who read or changed which personal data, when (kept 12 months).

:mod:`graph.audit.entry` holds the values and pure rules, :mod:`graph.audit.log` the
SQLite file (``<data_dir>/audit.sqlite3``), apart from the graph. The API records every
request through one middleware (:mod:`api.audit`); the CLI records its commands with
:func:`cli_actor`.
"""

from __future__ import annotations

import getpass

from graph.audit.entry import (
    RETENTION_MONTHS,
    Action,
    AuditEntry,
    AuditFilter,
    months_before,
    purge_cutoff,
    stamp,
    unique_ids,
    utc_now,
)
from graph.audit.log import AUDIT_FILE, AuditLog, QueuedAudit, audit_path


def cli_actor() -> str:
    """Who runs a command, as the audit log names them: ``cli:<system user>``."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name (some containers)
        user = "unknown"
    return f"cli:{user}"


__all__ = [
    "AUDIT_FILE",
    "RETENTION_MONTHS",
    "Action",
    "AuditEntry",
    "AuditFilter",
    "AuditLog",
    "QueuedAudit",
    "audit_path",
    "cli_actor",
    "months_before",
    "purge_cutoff",
    "stamp",
    "unique_ids",
    "utc_now",
]
