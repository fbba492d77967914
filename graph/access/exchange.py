"""Who may import and export what (CSV files, LinkedIn connections).

=========== ==================== =====================================
file kind   permission           a référent
=========== ==================== =====================================
membres     members:write        their groupements' people only
liens       members:write        a tie with at least one of their people
emplois     members:write        their people's employments
cibles      members:write        their people's targets
parrainages members:write        a sponsor or sponsee of theirs
referents   organisations:write  (admin only)
chartes     organisations:write  (admin only)
employeurs  employers:write      (admin only)
=========== ==================== =====================================

Exports need ``members:read``: a référent exports their groupements, the admin one
groupement or everything.

>>> from graph.access.roles import Role
>>> ref = Principal("t", Role.REFERENT, frozenset({"grp-a"}))
>>> may_import(ref, "liens"), may_import(ref, "chartes")
(True, False)
>>> export_scope(ref, None), export_scope(Principal("t", Role.ADMIN), None)
(['grp-a'], None)
"""

from __future__ import annotations

from graph.access.roles import Permission, Principal
from graph.errors import AccessDenied

IMPORT_PERMISSIONS: dict[str, Permission] = {
    "membres": Permission.MEMBERS_WRITE,
    "liens": Permission.MEMBERS_WRITE,
    "emplois": Permission.MEMBERS_WRITE,
    "cibles": Permission.MEMBERS_WRITE,
    "parrainages": Permission.MEMBERS_WRITE,
    "referents": Permission.ORGANISATIONS_WRITE,
    "chartes": Permission.ORGANISATIONS_WRITE,
    "employeurs": Permission.EMPLOYERS_WRITE,
}


def may_import(principal: Principal, kind: str) -> bool:
    """Whether the principal may import a file of this kind at all (scope aside)."""
    permission = IMPORT_PERMISSIONS.get(kind)
    return permission is not None and principal.can(permission)


def export_scope(principal: Principal, groupement_id: str | None) -> list[str] | None:
    """The groupements an export covers (None: everything), or :class:`AccessDenied`.

    A référent exports their own groupements (one of them when ``groupement_id`` is
    given); the admin exports one groupement or everything.
    """
    if not principal.can(Permission.MEMBERS_READ):
        raise AccessDenied("exporting members needs the members:read permission")
    if principal.scoped:
        if groupement_id is None:
            return sorted(principal.groupements)
        if groupement_id not in principal.groupements:
            raise AccessDenied("not one of your groupements", "groupement_id")
        return [groupement_id]
    return None if groupement_id is None else [groupement_id]
