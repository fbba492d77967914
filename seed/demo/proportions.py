"""The figures that shape the demo network: shares, weights, names and tie calibration.

Plausible orders of magnitude for the people who join these networks, not official
statistics: they shape the demo, the algorithms must not depend on them. Every other module
of the generator reads its numbers from here, so tuning the demo is editing this file.

Decisions:

* Status, category and career shares are conditional tables (rows follow the previous
  draw), not independent shares: helpers have mostly left the forces, gendarmes are mostly
  NCOs. ``CAND``, ``HELP``, ``BOTH`` and ``NEITHER`` are the row indices into ``STATUSES``.
* The ``TIES_*`` means are calibrated for an average ``KNOWS`` degree near
  ``TARGET_DEGREE`` once duplicates between sources are merged (checked by
  ``tests/seed/demo/test_ties.py``).
"""

from __future__ import annotations

from datetime import date

import numpy as np

from graph.model import Career, GradeCategory, PersonStatus, Service, TieSource

SERVICES: tuple[Service, ...] = tuple(Service)  # terre, marine, air, gendarmerie, sante, other
SERVICE_SHARE = np.array([0.45, 0.12, 0.20, 0.14, 0.05, 0.04])
#: naval ports (Toulon, Brest, Cherbourg, Lorient): most people there are sailors
NAVAL_DEPARTEMENTS = ("83", "29", "50", "56")
NAVAL_MARINE_BOOST = 4.0

CATEGORIES: tuple[GradeCategory, ...] = tuple(GradeCategory)  # officer, nco, enlisted, civilian
#: rows follow SERVICES; gendarmes are mostly NCOs, army doctors mostly officers
CATEGORY_SHARE = np.array(
    [
        [0.20, 0.42, 0.33, 0.05],
        [0.18, 0.50, 0.27, 0.05],
        [0.22, 0.50, 0.23, 0.05],
        [0.08, 0.80, 0.10, 0.02],
        [0.35, 0.40, 0.15, 0.10],
        [0.30, 0.30, 0.10, 0.30],
    ]
)

STATUSES: tuple[PersonStatus, ...] = (
    PersonStatus.CANDIDATE,
    PersonStatus.HELPER,
    PersonStatus.BOTH,
    PersonStatus.NEITHER,
)
STATUS_SHARE = np.array([0.35, 0.30, 0.05, 0.30])
CAND, HELP, BOTH, NEITHER = range(4)

CAREERS: tuple[Career, ...] = tuple(Career)  # career, contract, reserve, retired
#: rows follow STATUSES: helpers have mostly left (retired, reservists), candidates not yet
CAREER_SHARE = np.array(
    [
        [0.50, 0.45, 0.05, 0.00],
        [0.10, 0.10, 0.25, 0.55],
        [0.15, 0.15, 0.40, 0.30],
        [0.40, 0.30, 0.15, 0.15],
    ]
)

FEMALE_SHARE = 0.16

#: relative choice of officer schools within a service; schools not listed weigh 1
SCHOOL_WEIGHT = {
    "Saint-Cyr": 5.5,
    "EMIA": 3.5,
    "EMA (École militaire d'administration)": 1.0,
    "École de l'air": 2.5,
    "École militaire de l'air": 1.0,
    "Service de santé (Lyon-Bron)": 1.5,
    "École des commissaires des armées": 2.0,
}
#: the school association each alumnus may join (Épaulette: officers from the ranks)
SCHOOL_ASSOCIATION = {
    "Saint-Cyr": "asso-saint-cyrienne",
    "EMIA": "asso-epaulette",
    "EMA (École militaire d'administration)": "asso-epaulette",
    "École navale": "asso-aen",
    "École de l'air": "asso-aea",
    "École militaire de l'air": "asso-aea",
}
ANOCR = "asso-anocr"
IMPLICACTION = "asso-implicaction"
IMPLICACTION_FOUNDED = date(2009, 10, 8)

#: where second-career people go; service affinities below multiply these
SECTOR_WEIGHT = {
    "defense": 3.0, "securite": 3.0, "logistique": 2.5, "aeronautique": 2.0, "numerique": 2.0,
    "industrie": 2.0, "fonction-publique": 2.0, "energie": 1.5, "transport": 1.5,
    "conseil": 1.5, "btp": 1.0, "maritime": 1.0, "sante": 1.0, "banque-assurance": 1.0,
    "enseignement-formation": 1.0, "commerce": 1.0, "environnement": 0.8, "immobilier": 0.6,
    "associatif": 0.6,
}
SECTOR_AFFINITY = {
    Service.MARINE: {"maritime": 4.0},
    Service.AIR: {"aeronautique": 3.0},
    Service.GENDARMERIE: {"securite": 3.0},
    Service.SANTE: {"sante": 6.0},
    Service.TERRE: {"securite": 1.5, "logistique": 1.5},
}
#: sectors that may become the demo's "no helper at all" gap (two are picked per seed)
GAP_SECTOR_CHOICES = (
    "immobilier", "associatif", "enseignement-formation", "commerce", "banque-assurance",
    "environnement",
)

ROLES = (
    "Directeur de site", "Responsable sûreté", "Responsable HSE", "Chef de projet",
    "Responsable logistique", "Ingénieur d'affaires", "Responsable des ressources humaines",
    "Consultant", "Responsable d'exploitation", "Chargé de mission", "Directeur des opérations",
    "Formateur", "Technicien de maintenance", "Acheteur", "Responsable qualité", "Chef d'équipe",
)
EVENT_KINDS = (
    "Assemblée générale", "Journée reconversion", "Afterwork réseau", "Forum entreprises",
)

#: a few well-known units, by (département, service), to name the first units of a group
KNOWN_UNITS: dict[tuple[str, Service], tuple[str, ...]] = {
    ("57", Service.TERRE): ("1er RHC (Phalsbourg)",),
    ("83", Service.MARINE): ("Base navale de Toulon", "BAN Hyères Le Palyvestre"),
    ("29", Service.MARINE): ("Base navale de Brest", "BAN Landivisiau", "École navale (Lanvéoc)"),
    ("56", Service.MARINE): ("BAN Lann-Bihoué",),
    ("56", Service.TERRE): ("3e RIMa (Vannes)",),
    ("50", Service.MARINE): ("Base navale de Cherbourg",),
    ("40", Service.AIR): ("BA 118 Mont-de-Marsan",),
    ("13", Service.AIR): ("BA 701 Salon-de-Provence", "BA 125 Istres"),
    ("31", Service.TERRE): ("1er RTP (Toulouse)",),
    ("81", Service.TERRE): ("8e RPIMa (Castres)",),
    ("11", Service.TERRE): ("3e RPIMa (Carcassonne)", "4e RE (Castelnaudary)"),
    ("65", Service.TERRE): ("35e RAP (Tarbes)", "1er RHP (Tarbes)"),
    ("64", Service.TERRE): ("1er RPIMa (Bayonne)",),
    ("33", Service.AIR): ("BA 106 Bordeaux-Mérignac",),
    ("51", Service.TERRE): ("501e RCC (Mourmelon)",),
    ("54", Service.AIR): ("BA 133 Nancy-Ochey",),
    ("78", Service.AIR): ("BA 107 Villacoublay",),
    ("18", Service.AIR): ("BA 702 Avord",),
    ("84", Service.AIR): ("BA 115 Orange-Caritat",),
    ("2B", Service.TERRE): ("2e REP (Calvi)",),
    ("68", Service.TERRE): ("152e RI (Colmar)",),
    ("38", Service.TERRE): ("7e BCA (Varces)",),
    ("35", Service.TERRE): ("11e RAMa (Saint-Aubin-du-Cormier)",),
}
SERVICE_LABEL = {
    Service.TERRE: "Terre", Service.MARINE: "Marine", Service.AIR: "Air",
    Service.GENDARMERIE: "Gendarmerie", Service.SANTE: "Santé", Service.OTHER: "Interarmées",
}

# KNOWS: mean ties each person starts, per source; calibrated for an average degree near 20
# once duplicates between sources are merged (see tests/seed/demo/test_ties.py).
TIES_PROMOTION = 8.0  # per officer
TIES_UNIT = 3.4
TIES_EVENT = 0.9  # per groupement or délégation a person belongs to
TIES_LINKEDIN_REGION = 1.0
TIES_LINKEDIN_NATIONAL = 0.6
TIES_DECLARED = 0.25
TARGET_DEGREE = 20  # reached by topping up with LinkedIn ties if short
CLOSURE_SHARE = 0.7  # of the top-up: contacts of contacts
MENTEE_SHARE = 0.04  # of candidates
#: (low, high) of tie strength by source, before noise
STRENGTH = {
    TieSource.PROMOTION: (0.5, 0.95), TieSource.UNIT: (0.5, 0.95), TieSource.EVENT: (0.3, 0.7),
    TieSource.LINKEDIN: (0.1, 0.5), TieSource.MENTORING: (0.6, 0.95),
    TieSource.DECLARED: (0.3, 0.9),
}
TIE_SOURCES: tuple[TieSource, ...] = tuple(TieSource)
