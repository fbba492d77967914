"""Figures and small components, built by plain functions of plain values.

Nothing here reads a store or a request: the pages pass in what the services returned
(already rendered for the viewer) and tests call these functions directly.

* :func:`france_map` – the départements coloured by coverage score, overseas and Paris
  in insets, the groupements with the largest gaps outlined and numbered;
* :func:`headline_cards` – the big numbers at the top of a page;
* :func:`path_network` – introduction paths as a small left-to-right network;
* :func:`whatif_bars` – before/after bars of a what-if.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from dash import html
from plotly.colors import sample_colorscale

from dashboard import i18n
from dashboard.geo import Geometry, Ring, geometry

COLORSCALE = "RdYlBu"
NO_DATA = "#d0d0d0"
HIGHLIGHT = "#1b1b3a"
PATH_COLOURS = ("#1f5fa8", "#c2571a", "#2a8a4a", "#7a3f9d", "#a83250")
FONT_FAMILY = "Marianne, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
FONT = {"family": FONT_FAMILY, "size": 13}
#: every chart's configuration: nothing leaves the browser (no "Share chart" upload to a
#: cloud service, no "Edit in Chart Studio", no link to plotly's site; the figures name
#: people), no logo, and the toolbar in French (``assets/plotly-locale-fr.js``).
GRAPH_CONFIG: dict[str, Any] = {
    "displaylogo": False,
    "locale": "fr",
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "showLink": False,
    "sendData": False,
    "modeBarButtonsToRemove": [
        "lasso2d",
        "select2d",
        "sendChartToCloud",
        "sendDataToCloud",
        "editInChartStudio",
        "link",
    ],
}


@dataclass(frozen=True)
class MapValue:
    """What the map shows of one département (already rendered for the viewer)."""

    code: str
    name: str
    #: 0-100, or None when there is nothing to show
    score: float | None
    #: extra hover lines, e.g. ("Candidats : 1 234", "Avec chemin : 98 %")
    lines: tuple[str, ...] = ()


@dataclass(frozen=True)
class MapHighlight:
    rank: int
    name: str
    departements: tuple[str, ...]
    caption: str = ""


def score_colour(score: float | None) -> str:
    """The fill of a score in [0, 100] (grey when None).

    >>> score_colour(None) == NO_DATA, score_colour(100).startswith("rgb")
    (True, True)
    """
    if score is None:
        return NO_DATA
    return sample_colorscale(COLORSCALE, [min(max(score, 0.0), 100.0) / 100.0])[0]


def _xy(rings: Sequence[Ring]) -> tuple[list[float | None], list[float | None]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in rings:
        if xs:
            xs.append(None)
            ys.append(None)
        xs.extend(x for x, _ in ring)
        ys.extend(y for _, y in ring)
        xs.append(ring[0][0])
        ys.append(ring[0][1])
    return xs, ys


def france_map(
    values: Mapping[str, MapValue],
    highlights: Sequence[MapHighlight] = (),
    geo: Geometry | None = None,
    height: int | None = None,
) -> go.Figure:
    """Every département filled by its score, insets included; highlights outlined.

    Without ``height`` the map fills its box (the stylesheet's ``.map-graph``: shorter on
    a phone).

    Each département is one trace whose ``meta`` is its code (Paris and its neighbours
    have a second, enlarged trace in their inset); the invisible ``centres`` trace carries
    the hover details.

    >>> fig = france_map({"33": MapValue("33", "Gironde", 72.0)})
    >>> len({t.meta for t in fig.data if t.meta}), fig.layout.yaxis.autorange
    (101, 'reversed')
    """
    geo = geo or geometry()
    fig = go.Figure()
    zoomed = {c: rings for inset in geo.insets for c, rings in inset.zoom.items()}
    centres_x, centres_y, centres_text, centres_code = [], [], [], []
    for code, shape in geo.departements.items():
        value = values.get(code)
        score = value.score if value else None
        colour = score_colour(score)
        label = f"{shape.name} ({code})"
        score_text = "score non communiqué" if score is None else f"score {i18n.decimal(score, 0)}"
        for rings, suffix in ((shape.rings, ""), (zoomed.get(code), "-zoom")):
            if not rings:
                continue
            xs, ys = _xy(rings)
            fig.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    mode="lines",
                    fill="toself",
                    fillcolor=colour,
                    line={"color": "#ffffff", "width": 0.7},
                    hoveron="fills",
                    hoverinfo="name",
                    name=f"{label} · {score_text}",
                    meta=code,
                    uid=f"dep-{code}{suffix}",
                )
            )
        cx, cy = shape.anchor
        centres_x.append(cx)
        centres_y.append(cy)
        centres_code.append(code)
        details = "<br>".join(value.lines) if value else ""
        centres_text.append(
            f"<b>{label}</b><br>Score de couverture : {score_text.split(' ', 1)[1]}"
            + (f"<br>{details}" if details else "")
        )
    fig.add_trace(
        go.Scatter(
            x=centres_x,
            y=centres_y,
            mode="markers",
            marker={"size": 14, "opacity": 0},
            customdata=centres_code,
            hovertext=centres_text,
            hoverinfo="text",
            name="centres",
            uid="centres",
        )
    )
    _highlight(fig, geo, zoomed, highlights)
    # The colour bar, on an invisible trace.
    fig.add_trace(
        go.Scatter(
            x=[None],
            y=[None],
            mode="markers",
            hoverinfo="skip",
            name="échelle",
            marker={
                "colorscale": COLORSCALE,
                "cmin": 0,
                "cmax": 100,
                "color": [50],
                "showscale": True,
                "colorbar": {
                    "title": {"text": "Score de<br>couverture", "side": "top"},
                    "thickness": 12,
                    "len": 0.55,
                    "x": 0.99,
                    "y": 0.5,
                    "tickvals": [0, 25, 50, 75, 100],
                },
            },
        )
    )
    for inset in geo.insets:
        x0, y0, x1, y1 = inset.box
        fig.add_shape(
            type="rect",
            x0=x0,
            y0=y0,
            x1=x1,
            y1=y1,
            line={"color": "#9a9a9a", "width": 0.8},
            fillcolor="rgba(0,0,0,0)",
            layer="below",
        )
        fig.add_annotation(
            x=(x0 + x1) / 2,
            y=y1,
            yshift=-1,
            text=inset.label,
            showarrow=False,
            yanchor="top",
            font={"size": 10, "color": "#444"},
        )
    vx0, _, vx1, _ = geo.view_box
    fig.update_layout(
        height=height,
        autosize=True,
        margin={"l": 4, "r": 4, "t": 4, "b": 4},
        showlegend=False,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        font=FONT,
        hovermode="closest",
        hoverlabel={"namelength": -1, "bgcolor": "#ffffff", "font": {"size": 12}},
        xaxis={"visible": False, "range": [vx0 - 14, vx1 + 40], "fixedrange": False},
        yaxis={
            "visible": False,
            "autorange": "reversed",
            "scaleanchor": "x",
            "scaleratio": 1,
        },
        dragmode="pan",
    )
    return fig


def _highlight(
    fig: go.Figure,
    geo: Geometry,
    zoomed: Mapping[str, Sequence[Ring]],
    highlights: Sequence[MapHighlight],
) -> None:
    xs_line: list[float | None] = []
    ys_line: list[float | None] = []
    for h in highlights:
        for code in h.departements:
            shape = geo.departements.get(code)
            if shape is None:
                continue
            for rings in (shape.rings, zoomed.get(code) or ()):
                if not rings:
                    continue
                xs, ys = _xy(rings)
                if xs_line:
                    xs_line.append(None)
                    ys_line.append(None)
                xs_line.extend(xs)
                ys_line.extend(ys)
    if xs_line:
        fig.add_trace(
            go.Scatter(
                x=xs_line,
                y=ys_line,
                mode="lines",
                hoverinfo="skip",
                name="lacunes",
                line={"color": HIGHLIGHT, "width": 2.2},
                uid="highlight-outline",
            )
        )
    mx, my, mt, mh = [], [], [], []
    for h in highlights:
        points = [geo.departements[c].anchor for c in h.departements if c in geo.departements]
        if not points:
            continue
        # The marker sits on the département nearest the middle of the territory.
        cx = sum(p[0] for p in points) / len(points)
        cy = sum(p[1] for p in points) / len(points)
        x, y = min(points, key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)
        mx.append(x)
        my.append(y)
        mt.append(str(h.rank))
        mh.append(f"<b>{h.rank}. {h.name}</b>" + (f"<br>{h.caption}" if h.caption else ""))
    if mx:
        fig.add_trace(
            go.Scatter(
                x=mx,
                y=my,
                mode="markers+text",
                text=mt,
                hovertext=mh,
                hoverinfo="text",
                textfont={"color": "#ffffff", "size": 12},
                name="rangs",
                uid="highlight-rank",
                marker={"size": 22, "color": HIGHLIGHT, "line": {"color": "#ffffff", "width": 1.5}},
            )
        )


# --------------------------------------------------------------------------- cards


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    note: str = ""
    #: "bad" draws the card in the alarm colour
    tone: str = ""


def headline_cards(cards: Sequence[Card], id_prefix: str = "chiffre") -> html.Div:
    """A row of big numbers; each value has the id ``{id_prefix}-{i}`` for tests.

    >>> div = headline_cards([Card("Candidats", "1\u202f234")])
    >>> div.children[0].children[0].children
    '1\u202f234'
    """
    return html.Div(
        [
            html.Div(
                [
                    html.Div(c.value, className="card-value", id=f"{id_prefix}-{i}"),
                    html.Div(c.label, className="card-label"),
                    html.Div(c.note, className="card-note") if c.note else None,
                ],
                className="card" + (f" card-{c.tone}" if c.tone else ""),
            )
            for i, c in enumerate(cards)
        ],
        className="cards",
    )


# --------------------------------------------------------------------------- paths


def _wrap(text: str, width: int = 60) -> str:
    words, lines, line = text.split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    if line:
        lines.append(line)
    return "<br>".join(lines)


def node_label(label: str, width: int = 14) -> str:
    """A name on the paths' figure, on two lines when long (cut at the space nearest the
    middle), so that names of neighbouring columns do not overlap on a narrow screen.

    >>> node_label("Capitaine de corvette (ER) Dufour"), node_label("Caporal Brun")
    ('Capitaine de<br>corvette (ER) Dufour', 'Caporal Brun')
    """
    if len(label) <= width or " " not in label:
        return label
    spaces = [i for i, c in enumerate(label) if c == " "]
    cut = min(spaces, key=lambda i: abs(i - len(label) / 2))
    return f"{label[:cut]}<br>{label[cut + 1 :]}"


def path_network(
    paths: Sequence[Mapping[str, Any]],
    candidate: str,
    target: str,
    targets: Sequence[str] | None = None,
) -> go.Figure:
    """Paths (``Path.to_dict()``) from ``candidate`` to ``target``, one colour per path.

    Columns: the candidate, then each intermediary, the contact, and the target. People
    on several paths are drawn once. ``targets`` names a different end per path (the
    alternatives: a different employer each).

    >>> p = {"rank": 1, "intermediaries": [{"id": "h", "name": "Mme Roux"}],
    ...      "contact": {"id": "c", "name": "M. Petit"}, "cost": 2.0,
    ...      "hops": [{"explanation": "se connaissent"}, {"explanation": "collègues"}],
    ...      "contact_reason": "travaille chez Thales"}
    >>> fig = path_network([p], "Capitaine Martin", "Thales (Bordeaux)")
    >>> sorted(fig.data[-1].text)
    ['Capitaine Martin', 'M. Petit', 'Mme Roux', 'Thales (Bordeaux)']
    """
    fig = go.Figure()
    n = len(paths)
    depth = max((len(p["intermediaries"]) + 1 for p in paths), default=1)
    nodes: dict[str, dict[str, Any]] = {}

    def node(key: str, label: str, x: float, y: float, role: str) -> str:
        found = nodes.get(key)
        if found is None:
            nodes[key] = {"label": label, "x": x, "ys": [y], "role": role}
        else:
            found["ys"].append(y)
            found["x"] = min(found["x"], x)
        return key

    rows = []
    for i, p in enumerate(paths):
        y = (n - 1) / 2 - i
        chain = [node("candidate", candidate, 0, y, "candidat")]
        for j, person in enumerate(p["intermediaries"], start=1):
            key = person["id"] or f"anon-{i}-{j}"
            chain.append(node(key, person["name"], j, y, "intermédiaire"))
        contact = p["contact"]
        chain.append(node(contact["id"] or f"contact-{i}", contact["name"], depth, y, "contact"))
        end = targets[i] if targets else target
        chain.append(node(f"target:{end}", end, depth + 1, y, "cible"))
        rows.append((p, chain))
    for key in nodes:
        info = nodes[key]
        info["y"] = sum(info["ys"]) / len(info["ys"])
    mid_x, mid_y, mid_text = [], [], []
    for i, (p, chain) in enumerate(rows):
        colour = PATH_COLOURS[i % len(PATH_COLOURS)]
        reasons = [h["explanation"] for h in p["hops"]] + [p["contact_reason"]]
        xs = [nodes[k]["x"] for k in chain]
        ys = [nodes[k]["y"] for k in chain]
        fig.add_trace(
            go.Scatter(
                x=xs[:-1],
                y=ys[:-1],
                mode="lines",
                line={"color": colour, "width": 3},
                hoverinfo="skip",
                name=f"chemin {p['rank']}",
                uid=f"path-{i}",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=xs[-2:],
                y=ys[-2:],
                mode="lines",
                hoverinfo="skip",
                line={"color": colour, "width": 2, "dash": "dot"},
                name=f"cible {p['rank']}",
            )
        )
        for a in range(len(chain) - 1):
            mid_x.append((xs[a] + xs[a + 1]) / 2)
            mid_y.append((ys[a] + ys[a + 1]) / 2)
            text = reasons[a] if a < len(reasons) else ""
            mid_text.append(f"<b>Chemin {p['rank']}</b><br>{_wrap(text)}")
    fig.add_trace(
        go.Scatter(
            x=mid_x,
            y=mid_y,
            mode="markers",
            hovertext=mid_text,
            hoverinfo="text",
            marker={
                "size": 12,
                "color": "#ffffff",
                "line": {"color": "#888", "width": 1},
                "symbol": "diamond",
            },
            name="explications",
        )
    )
    colours = {
        "candidat": "#1f5fa8",
        "intermédiaire": "#5b6b7f",
        "contact": "#2a8a4a",
        "cible": "#c2571a",
    }
    keys = list(nodes)
    fig.add_trace(
        go.Scatter(
            x=[nodes[k]["x"] for k in keys],
            y=[nodes[k]["y"] for k in keys],
            mode="markers+text",
            text=[nodes[k]["label"] for k in keys],
            customdata=[node_label(nodes[k]["label"]) for k in keys],
            texttemplate="%{customdata}",
            # every other column's names below their dot: neighbours' names do not meet
            textposition=["bottom center" if nodes[k]["x"] % 2 else "top center" for k in keys],
            hovertext=[f"{nodes[k]['label']}<br><i>{nodes[k]['role']}</i>" for k in keys],
            hoverinfo="text",
            marker={
                "size": [26 if nodes[k]["role"] in ("candidat", "cible") else 20 for k in keys],
                "color": [colours[nodes[k]["role"]] for k in keys],
                "symbol": ["square" if nodes[k]["role"] == "cible" else "circle" for k in keys],
                "line": {"color": "#ffffff", "width": 2},
            },
            name="personnes",
            uid="people",
        )
    )
    fig.update_layout(
        height=max(260, 120 * n + 120),
        margin={"l": 20, "r": 20, "t": 30, "b": 20},
        showlegend=False,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        font=FONT,
        hovermode="closest",
        xaxis={"visible": False, "range": [-0.6, depth + 1.6], "fixedrange": True},
        yaxis={"visible": False, "range": [-(n / 2) - 0.3, n / 2 + 0.2], "fixedrange": True},
    )
    return fig


# --------------------------------------------------------------------------- what-if

#: (field, French label) of the what-if bars: people counts first
WHATIF_METRICS = (
    ("candidates_with_path", "Candidats avec chemin"),
    ("candidates_without_path", "Candidats sans chemin"),
    ("referents", "Référents"),
    ("helpers_available", "Aidants disponibles"),
    ("employers_without_contact", "Employeurs sans contact"),
    ("sectors_without_helper", "Secteurs sans aidant"),
    ("single_points_of_failure", "Contacts uniques"),
    ("partners_without_charter", "Partenaires sans charte"),
)


def whatif_bars(before: Mapping[str, Any], after: Mapping[str, Any], title: str = "") -> go.Figure:
    """Grouped horizontal bars, before and after, of rendered coverages (``"< 5"`` allowed).

    A withheld count draws no bar and is labelled "< 5".

    >>> fig = whatif_bars({"referents": 0, "candidates_with_path": 10},
    ...                   {"referents": 1, "candidates_with_path": 12})
    >>> [t.name for t in fig.data], list(fig.data[1].x[:3])
    (['Avant', 'Après'], [12, 0, 1])
    """
    labels = [label for _, label in WHATIF_METRICS]
    fig = go.Figure()
    for name, values, colour in (("Avant", before, "#9aa7b8"), ("Après", after, "#1f5fa8")):
        raw = [values.get(f, 0) for f, _ in WHATIF_METRICS]
        fig.add_trace(
            go.Bar(
                y=labels,
                x=[v if isinstance(v, int | float) else 0 for v in raw],
                text=[i18n.number(v) for v in raw],
                textposition="outside",
                orientation="h",
                name=name,
                marker={"color": colour},
                hovertemplate="%{y} : %{text}<extra>" + name + "</extra>",
            )
        )
    fig.update_layout(
        barmode="group",
        height=380,
        margin={"l": 10, "r": 30, "t": 40 if title else 10, "b": 10},
        title={"text": title, "font": {"size": 14}} if title else None,
        legend={"orientation": "h", "y": -0.08},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        font=FONT,
        separators=", ",
        yaxis={"autorange": "reversed"},
        xaxis={"showgrid": True, "gridcolor": "#eee"},
    )
    return fig
