"""Names in files to node ids: people by id, membership number, e-mail or name; places,
sectors, associations and groupements by id or code; employers by id or exact name.

The stored graph is read lazily and once: a file that names everyone by id never reads
the stored people's records.

Decisions:

* A person reference is tried as an id, then a membership number, then an e-mail
  (without case), then "Prénom Nom" (without accents or case) only when exactly one
  person has that name; an ambiguous name is a problem, never a guess.
* A person outside a référent's scope is answered like an unknown one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from graph.exchange.formats import fold
from graph.model import Employer, Label, NodeRecord, Person
from graph.store import GraphStore
from graph.view import LABEL_CODE, GraphView


class Unresolved(ValueError):
    """A reference that names nothing (or too many); the message is the French reason."""


@dataclass
class PersonKeys:
    """People by each key, from one source (the store or the files)."""

    by_number: dict[str, str] = field(default_factory=dict)
    by_email: dict[str, str] = field(default_factory=dict)
    by_name: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, person: Person) -> None:
        self.add_values(
            person.id, person.first_name, person.last_name, person.email, person.member_number
        )

    def add_values(
        self, person_id: str, first: str, last: str, email: str | None, number: str | None
    ) -> None:
        if number:
            self.by_number.setdefault(fold(number), person_id)
        if email:
            self.by_email.setdefault(email.casefold(), person_id)
        self.by_name[name_key(first, last)].add(person_id)


#: the properties :meth:`PersonKeys.add_values` takes, in its order
KEY_FIELDS = ("first_name", "last_name", "email", "member_number")


def name_key(first: str, last: str) -> str:
    """How "Prénom Nom" is compared.

    >>> name_key("Élodie", "LE  GOFF") == name_key("elodie", "Le Goff")
    True
    """
    # fold works per character and collapses spaces, so folding the parts (first names
    # repeat: cached) gives the same key as folding "first last"
    return " ".join(part for part in (_fold_part(first), _fold_part(last)) if part)


@lru_cache(maxsize=65_536)
def _fold_part(text: str) -> str:
    return fold(text)


class Resolver:
    """Resolves references against the store's view and the files' own records."""

    def __init__(self, store: GraphStore, view: GraphView) -> None:
        self.store = store
        self.view = view
        self._stored_people: PersonKeys | None = None
        self._stored_records: dict[str, Person] | None = None
        self._refs: dict[str, dict[str, str]] = {}
        self._employer_names: dict[str, set[str]] | None = None
        #: people and employers of this import's files
        self.file_people: dict[str, Person] = {}
        self.file_keys = PersonKeys()
        self.file_employers: dict[str, Employer] = {}
        #: references already resolved (a person is named many times in a ties file)
        self._person_refs: dict[str, str] = {}
        self._ref_cache: dict[tuple[str, tuple[str, ...]], str] = {}

    # ------------------------------------------------------------------ stored people

    def stored_label(self, node_id: str) -> Label | None:
        nid = self.view.index.get(node_id)
        return None if nid is None else self.view.label_of(nid)

    def is_stored_person(self, node_id: str) -> bool:
        nid = self.view.index.get(node_id)
        return nid is not None and self.view.labels[nid] == LABEL_CODE[Label.PERSON]

    def stored_people(self) -> PersonKeys:
        if self._stored_people is None:
            keys = PersonKeys()
            records: dict[str, Person] = {}
            for page in self.store.export_nodes(Label.PERSON):
                for p in page:
                    if isinstance(p, Person):
                        keys.add(p)
                        records[p.id] = p
            self._stored_people, self._stored_records = keys, records
        return self._stored_people

    def stored_keys(self) -> PersonKeys:
        """The stored people's keys only (no record built): for a caller that matches
        names and never compares records (a LinkedIn import)."""
        if self._stored_people is not None:
            return self._stored_people
        keys = PersonKeys()
        for page in self.store.export_columns(Label.PERSON, KEY_FIELDS):
            for person_id, first, last, email, number in page:
                keys.add_values(person_id, first or "", last or "", email, number)
        return keys

    def stored_person(self, person_id: str) -> Person | None:
        if self._stored_records is not None:
            return self._stored_records.get(person_id)
        found = self.store.get(person_id)
        return found if isinstance(found, Person) else None

    def match_stored(
        self, number: str | None, email: str | None, first: str, last: str
    ) -> str | None:
        """The stored person this row describes, by membership number, e-mail, then a
        name that is unique; None when there is none. Raises :class:`Unresolved` for a
        name that several people have."""
        keys = self.stored_people()
        if number and (found := keys.by_number.get(fold(number))):
            return found
        if email and (found := keys.by_email.get(email.casefold())):
            return found
        if number or email:
            return None  # a stable key that matches nobody: a new person, not a namesake
        named = keys.by_name.get(name_key(first, last), set())
        if len(named) > 1:
            raise Unresolved(
                "plusieurs personnes portent ce nom : donnez l'identifiant, le numéro"
                " d'adhérent ou l'e-mail"
            )
        return next(iter(named), None)

    def person(self, ref: str) -> str:
        """The id of the person ``ref`` names (in the files or the store)."""
        found = self._person_refs.get(ref)
        if found is None:
            found = self._person_refs[ref] = self._person(ref)
        return found

    def _person(self, ref: str) -> str:
        if ref in self.file_people or self.is_stored_person(ref):
            return ref
        key = fold(ref)
        for keys in (self.file_keys, self.stored_people()):
            if found := keys.by_number.get(key):
                return found
            if found := keys.by_email.get(ref.casefold()):
                return found
        named = set(self.file_keys.by_name.get(key, set())) | set(
            self.stored_people().by_name.get(key, set())
        )
        if len(named) == 1:
            return next(iter(named))
        if len(named) > 1:
            raise Unresolved("plusieurs personnes portent ce nom : donnez l'identifiant")
        raise Unresolved("personne inconnue (identifiant, numéro d'adhérent, e-mail ou nom)")

    # ------------------------------------------------------------------ other nodes

    def ref(self, value: str, labels: tuple[str, ...]) -> str:
        """The id of the node of one of ``labels`` that ``value`` names (id, code, short
        name or name, without accents or case)."""
        key = (value, labels)
        found = self._ref_cache.get(key)
        if found is None:
            found = self._ref_cache[key] = self._ref(value, labels)
        return found

    def _ref(self, value: str, labels: tuple[str, ...]) -> str:
        label = self.stored_label(value)
        if label is not None and label.value in labels:
            return value
        key = fold(value)
        for name in labels:
            found = self._ref_map(Label(name)).get(key)
            if found is not None:
                return found
        if label is not None:
            raise Unresolved(f"{value!r} n'est pas un(e) {' ou '.join(labels)}")
        raise Unresolved(f"{' ou '.join(labels)} inconnu(e)")

    def _ref_map(self, label: Label) -> dict[str, str]:
        if label.value not in self._refs:
            out: dict[str, str] = {}
            for page in self.store.export_nodes(label):
                for node in page:
                    for attr in ("id", "code", "short_name", "name"):
                        text = getattr(node, attr, None)
                        if text:
                            out.setdefault(fold(str(text)), node.id)
            self._refs[label.value] = out
        return self._refs[label.value]

    def employer(self, value: str) -> str:
        """The id of the employer ``value`` names: its id, or its exact name when one
        employer (stored or in the files) has it."""
        if value in self.file_employers:
            return value
        label = self.stored_label(value)
        if label is Label.EMPLOYER:
            return value
        named = self.employer_names().get(fold(value), set()) | {
            e.id for e in self.file_employers.values() if fold(e.name) == fold(value)
        }
        if len(named) == 1:
            return next(iter(named))
        if len(named) > 1:
            raise Unresolved("plusieurs employeurs portent ce nom : donnez l'identifiant")
        raise Unresolved("employeur inconnu (identifiant ou nom exact)")

    def employer_names(self) -> dict[str, set[str]]:
        if self._employer_names is None:
            names: dict[str, set[str]] = defaultdict(set)
            for page in self.store.export_nodes(Label.EMPLOYER):
                for node in page:
                    if isinstance(node, Employer):
                        names[fold(node.name)].add(node.id)
            self._employer_names = names
        return self._employer_names

    def stored_employers(self) -> list[Employer]:
        out: list[Employer] = []
        for page in self.store.export_nodes(Label.EMPLOYER):
            out.extend(n for n in page if isinstance(n, Employer))
        return out


def records_by_id(nodes: Iterable[NodeRecord]) -> dict[str, NodeRecord]:
    return {n.id: n for n in nodes}
