"""No Cypher text in the Neo4j adapter is built from values; the statements are sound.

Read from the source (``ast``), no server needed:

* ``graph/neo4j/cypher.py`` may interpolate into Cypher **only** the closed sets, and says
  so explicitly: every f-string there is built at import, inside a comprehension over
  ``Label``, ``RelType``, ``CODE_LABELS``, a tuple of ``RelType`` members or
  ``range(MAX_HOPS)``, and each placeholder is a call to one of the guards ``_ident``,
  ``_name``, ``_hops`` (which reject anything else) on that comprehension's variable.
  No ``%``, ``.format``, ``.join`` or ``+`` on strings there.
* The other modules of ``graph/neo4j`` write no Cypher: every ``.run(...)`` takes a
  constant of ``cypher`` (directly, by subscript, or through names bound only to such
  constants), and no string literal or f-string there looks like Cypher.

Then the constants themselves, without parsing them: brackets balance, parameters are
plain names, labels and types are the model's, variable-length bounds are literals, and
no syntax that only one of Neo4j 4.4 and 5.x accepts is used.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.model import Label, RelType
from graph.neo4j import cypher

PACKAGE = Path(__file__).resolve().parents[1] / "graph" / "neo4j"
CYPHER_FILE = PACKAGE / "cypher.py"

#: THE ALLOWED EXCEPTION: the only calls an f-string of cypher.py may interpolate. Each
#: accepts a member of a closed set only (the model's Label / RelType enums, hop bounds).
GUARDS = {"_ident", "_name", "_hops"}
#: what those f-strings may iterate over: the closed sets
CLOSED_SETS = {"Label", "RelType", "CODE_LABELS"}
KEYWORD = re.compile(
    r"\b(MATCH|MERGE|CREATE|UNWIND|RETURN|DELETE|DETACH|SET|CALL|OPTIONAL MATCH)\s+[\(\$a-zA-Z]"
)


def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the Constant nodes that are docstrings (prose, not code)."""
    out = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out.add(id(value))
    return out


def _is_closed_set(iterable: ast.expr) -> bool:
    if isinstance(iterable, ast.Name):
        return iterable.id in CLOSED_SETS
    if isinstance(iterable, ast.Tuple):  # e.g. (RelType.KNOWS, RelType.MENTORS)
        return all(
            isinstance(e, ast.Attribute)
            and isinstance(e.value, ast.Name)
            and e.value.id == "RelType"
            for e in iterable.elts
        )
    return (  # range(MAX_HOPS)
        isinstance(iterable, ast.Call)
        and isinstance(iterable.func, ast.Name)
        and iterable.func.id == "range"
        and [getattr(a, "id", None) for a in iterable.args] == ["MAX_HOPS"]
    )


def _string_operations(tree: ast.AST) -> Iterator[tuple[ast.AST, str]]:
    """``%`` and ``+`` on strings, ``.format(...)`` and ``.join(...)`` calls."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod | ast.Add):
            sides = (node.left, node.right)
            if any(
                isinstance(s, ast.JoinedStr)
                or (isinstance(s, ast.Constant) and isinstance(s.value, str))
                for s in sides
            ):
                yield node, "% or + on a string"
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "join", "format_map")
        ):
            yield node, f".{node.func.attr}()"


# --------------------------------------------------------------------------- cypher.py


def test_cypher_module_interpolates_only_the_closed_sets() -> None:
    """Every placeholder of cypher.py is a guard call on a variable of a closed set."""
    tree = _tree(CYPHER_FILE)
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    assert set(functions) == GUARDS, "cypher.py defines nothing but the guards"
    in_guards = {id(n) for f in functions.values() for n in ast.walk(f)}
    checked = 0
    for comp in ast.walk(tree):
        if not isinstance(comp, ast.DictComp | ast.GeneratorExp | ast.ListComp | ast.SetComp):
            continue
        variables = set()
        for gen in comp.generators:
            if isinstance(gen.target, ast.Name) and _is_closed_set(gen.iter):
                variables.add(gen.target.id)
        for node in ast.walk(comp):
            if isinstance(node, ast.JoinedStr):
                for part in node.values:
                    if isinstance(part, ast.FormattedValue):
                        call = part.value
                        assert part.conversion == -1 and part.format_spec is None
                        assert isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                        assert call.func.id in GUARDS, ast.unparse(node)
                        assert [getattr(a, "id", None) for a in call.args] in (
                            [v] for v in variables
                        ), f"not a variable of a closed set: {ast.unparse(node)}"
                        checked += 1
    assert checked > 20
    # f-strings outside comprehensions: only the guards' error messages
    in_comprehensions = {
        id(n)
        for comp in ast.walk(tree)
        if isinstance(comp, ast.DictComp | ast.GeneratorExp | ast.ListComp | ast.SetComp)
        for n in ast.walk(comp)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in in_comprehensions:
            assert id(node) in in_guards, ast.unparse(node)
            assert not KEYWORD.search(ast.unparse(node))
    assert list(_string_operations(tree)) == []


def test_guards_reject_anything_but_the_closed_sets() -> None:
    assert cypher._ident(Label.PERSON) == "Person"
    assert cypher._ident(RelType.WORKS_AT) == "WORKS_AT"
    assert cypher._name(Label.JOB_OFFER) == "job_offer"
    assert cypher._hops(3) == "3"
    for bad in ("Person", "Person) DETACH DELETE (n", 3, None):
        with pytest.raises(TypeError):
            cypher._ident(bad)  # type: ignore[arg-type]
        with pytest.raises(TypeError):
            cypher._name(bad)  # type: ignore[arg-type]
    for bad in (-1, cypher.MAX_HOPS + 1, True, "2", 2.0):
        with pytest.raises(TypeError):
            cypher._hops(bad)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- the other modules


def _bindings(tree: ast.AST) -> dict[str, list[ast.expr]]:
    """Every expression a name is bound to: assignments, loops, comprehensions, defaults."""
    out: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None:
                out.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.For | ast.comprehension) and isinstance(node.target, ast.Name):
            out.setdefault(node.target.id, []).append(node.iter)  # an element of the iterable
        elif isinstance(node, ast.FunctionDef | ast.Lambda):
            args = node.args
            positional = [*args.posonlyargs, *args.args]
            for arg, default in zip(positional[-len(args.defaults) :], args.defaults, strict=False):
                if args.defaults:
                    out.setdefault(arg.arg, []).append(default)
            for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                out.setdefault(arg.arg, []).append(default or ast.Constant(None))
            for arg in positional[: len(positional) - len(args.defaults)]:
                out.setdefault(arg.arg, []).append(ast.Constant(None))  # a caller's value
    return out


def _from_cypher(expr: ast.expr, bindings: dict[str, list[ast.expr]], seen: set[str]) -> bool:
    """Whether ``expr`` can only be a constant of graph.neo4j.cypher."""
    if isinstance(expr, ast.Attribute):
        return (
            isinstance(expr.value, ast.Name) and expr.value.id == "cypher" and expr.attr.isupper()
        )
    if isinstance(expr, ast.Subscript):
        return _from_cypher(expr.value, bindings, seen)
    if isinstance(expr, ast.IfExp):
        return _from_cypher(expr.body, bindings, seen) and _from_cypher(expr.orelse, bindings, seen)
    if isinstance(expr, ast.Name) and expr.id not in seen and expr.id in bindings:
        seen = seen | {expr.id}
        return all(_from_cypher(b, bindings, seen) for b in bindings[expr.id])
    return False


ADAPTER_FILES = sorted(p for p in PACKAGE.glob("*.py") if p != CYPHER_FILE)


@pytest.mark.parametrize("path", ADAPTER_FILES, ids=lambda p: p.name)
def test_adapter_runs_only_cypher_constants(path: Path) -> None:
    """Every query the module runs is a constant of cypher.py; it writes no Cypher itself."""
    tree = _tree(path)
    bindings = _bindings(tree)
    runs = 0
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "run"
        ):
            runs += 1
            assert node.args, ast.unparse(node)
            assert _from_cypher(node.args[0], bindings, set()), ast.unparse(node)
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            assert not KEYWORD.search(node.value), f"Cypher outside cypher.py: {node.value!r}"
        if isinstance(node, ast.JoinedStr):
            assert not KEYWORD.search(ast.unparse(node)), ast.unparse(node)
    for node, what in _string_operations(tree):
        assert not KEYWORD.search(ast.unparse(node)), f"{what}: {ast.unparse(node)}"
    if path.name in ("store.py", "loader.py", "paths.py"):
        assert runs > 0


def test_the_check_catches_a_formatted_query() -> None:
    """The source check would refuse the usual ways of building Cypher from values."""
    bad = [
        "tx.run(f'MATCH (n {{id: \"{node_id}\"}}) RETURN n')",
        "tx.run('MATCH (n) WHERE n.id = \"%s\" RETURN n' % node_id)",
        "query = 'MATCH (n:' + label + ') RETURN n'\ntx.run(query)",
        "tx.run(cypher.GET_NODE.replace('$id', node_id))",
        "def f(tx, query):\n    tx.run(query)",
    ]
    for source in bad:
        tree = ast.parse(source)
        bindings = _bindings(tree)
        calls = [
            n
            for n in ast.walk(tree)
            if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "run"
        ]
        assert calls and not all(_from_cypher(c.args[0], bindings, set()) for c in calls), source


# --------------------------------------------------------------------------- the constants


def _statements() -> Iterator[tuple[str, str]]:
    for name in dir(cypher):
        if not name.isupper():
            continue
        value = getattr(cypher, name)
        if isinstance(value, str):
            yield name, value
        elif isinstance(value, tuple) and all(isinstance(v, str) for v in value):
            yield from ((f"{name}[{i}]", v) for i, v in enumerate(value))
        elif isinstance(value, dict):
            yield from ((f"{name}[{k}]", v) for k, v in value.items() if isinstance(v, str))


STATEMENTS = dict(_statements())
KNOWN_NAMES = (
    {label.value for label in Label}
    | {t.value for t in RelType}
    | {
        "Node",
        "PasserelleMeta",
        "PasserelleChange",
    }
)
#: syntax accepted by only one of Neo4j 4.4 and 5.x (or deprecated in 5)
NOT_PORTABLE = {
    "ASSERT (constraints, 4.x only)": re.compile(r"\bASSERT\b"),
    "CREATE INDEX ON :Label(prop) (4.x only)": re.compile(r"INDEX\s+ON\s*:"),
    "id() (deprecated in 5)": re.compile(r"(?<![.\w])id\("),
    "exists(prop) (removed in 5)": re.compile(r"\bexists\(\s*\w+\."),
    "COUNT {} (5.3+)": re.compile(r"COUNT\s*\{"),
    "size(pattern) (removed in 5)": re.compile(r"size\(\s*\("),
    "|: in types (deprecated in 5)": re.compile(r"\|:"),
    "quantified path patterns (5.9+)": re.compile(r"\)\s*\{\d"),
    "CALL {} IN TRANSACTIONS (auto-commit only)": re.compile(r"IN\s+TRANSACTIONS"),
    "elementId() (5 only)": re.compile(r"elementId\("),
}


def test_every_closed_set_has_its_statement() -> None:
    for table in (cypher.UPSERT_NODES, cypher.FIND, cypher.COUNT_NODES, cypher.STREAM_NODES):
        assert set(table) == set(Label)
    for table in (
        cypher.UPSERT_RELS,
        cypher.REL_OUT,
        cypher.REL_IN,
        cypher.GET_REL,
        cypher.DELETE_REL,
        cypher.COUNT_RELS,
        cypher.STREAM_RELS,
        cypher.EXPORT_RELS,
        cypher.SUB_OUT,
        cypher.SUB_IN,
    ):
        assert set(table) == set(RelType)
    assert set(cypher.BALL) == set(range(cypher.MAX_HOPS))
    assert len(STATEMENTS) > 150


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_statement_is_well_formed_and_portable(name: str) -> None:
    text = STATEMENTS[name]
    # no Python formatting left over, no value in the text
    assert not re.search(r"\{[a-z_]+\}|%[sdr]|\{\}", text), text
    # brackets balance outside string literals
    stack: list[str] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    for ch in re.sub(r"'[^']*'", "''", text):
        if ch in "([{":
            stack.append(ch)
        elif ch in pairs:
            assert stack and stack.pop() == pairs[ch], text
    assert not stack, text
    # labels and types come from the model
    for group in re.findall(r"[(\[]\w*:([A-Za-z_|:]+)", text):
        for token in re.split(r"[|:]", group):
            assert token in KNOWN_NAMES, (token, text)
    # variable-length bounds are literals
    for bound in re.findall(r"\*[^\]]*\]", text):
        assert re.fullmatch(r"\*\d+\.\.\d+\]", bound), text
    for what, pattern in NOT_PORTABLE.items():
        assert not pattern.search(text), f"{what}: {text}"
    # parameters are plain names; values never appear quoted except fixed keys
    assert all(re.fullmatch(r"[a-z_]+", p) for p in re.findall(r"\$(\w+)", text))
    assert set(re.findall(r"'([^']*)'", text)) <= {"version", "Node"}, text


def test_schema_is_idempotent_and_covers_every_label() -> None:
    schema = " ".join(cypher.SCHEMA)
    assert all(s.startswith("CREATE ") and " IF NOT EXISTS " in s for s in cypher.SCHEMA)
    for label in Label:
        assert f"FOR (n:{label.value}) REQUIRE n.id IS UNIQUE" in schema
    assert "FOR (n:Node) REQUIRE n.id IS UNIQUE" in schema
    for label in cypher.CODE_LABELS:
        assert f"FOR (n:{label.value}) ON (n.code)" in schema
    names = re.findall(r"(?:CONSTRAINT|INDEX) (\w+) IF", schema)
    assert len(names) == len(set(names)) == len(cypher.SCHEMA)
