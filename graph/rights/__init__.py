"""Members' rights: access and portability (:mod:`.record`, :mod:`.export`), erasure
(:mod:`.erase`) and the retention rule (:mod:`.retention`). Rectification is the member
update (``PATCH /api/v1/members/{id}``). Who may exercise them for a person: the admin
and the person's référent (:func:`graph.access.scope.person_in_scope`)."""

from graph.rights.erase import ErasesTraces, Erasure, erase_person, forget_traces
from graph.rights.export import export_name, to_csv_zip, to_json
from graph.rights.record import PersonRecord, person_record
from graph.rights.retention import (
    DEFAULT_RETENTION_MONTHS,
    Due,
    RetentionReport,
    apply_retention,
    due_for_erasure,
    retention_cutoff,
)

__all__ = [
    "DEFAULT_RETENTION_MONTHS",
    "Due",
    "ErasesTraces",
    "Erasure",
    "PersonRecord",
    "RetentionReport",
    "apply_retention",
    "due_for_erasure",
    "erase_person",
    "export_name",
    "forget_traces",
    "person_record",
    "retention_cutoff",
    "to_csv_zip",
    "to_json",
]
