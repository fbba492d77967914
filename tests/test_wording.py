"""French agreement in the core's texts (graph.wording; issue 20): "d'ANOCR", not
"de ANOCR"; counts agreed in number."""

from __future__ import annotations

from graph.introductions import templates
from graph.wording import de, plural, verb


def test_de_elides_before_a_vowel() -> None:
    assert de("ANOCR Gironde") == "d'ANOCR Gironde"
    assert de("Implic'Action") == "d'Implic'Action"
    assert de("Haute-Garonne") == "de Haute-Garonne"  # an aspirated h
    assert de("La Saint-Cyrienne") == "de La Saint-Cyrienne"
    assert de("les employeurs du secteur BTP") == "des employeurs du secteur BTP"


def test_counts_agree() -> None:
    assert plural(1, "candidat") + " " + verb(1, "n'a", "n'ont") == "1 candidat n'a"
    assert plural(2, "candidat") + " " + verb(2, "n'a", "n'ont") == "2 candidats n'ont"
    assert plural("< 5", "candidat") == "< 5 candidats"


def test_introduction_texts_elide() -> None:
    _, text, _ = templates.closed(
        candidate="Adjudant Martin", target="Thales", state="acceptée", detail="", link="x"
    )
    assert "La demande d'introduction d'Adjudant Martin vers Thales" in text
