"""The access policy: who sees what, as pure functions the API, the dashboard and the CLI share.

* :mod:`graph.access.roles`: roles, permissions and the principal (the caller);
* :mod:`graph.access.scope`: a référent's people and groupements, how a principal sees a
  groupement;
* :mod:`graph.access.coverage`: which coverage scopes and what-if changes a caller may ask;
* :mod:`graph.access.counts`: small counts of people withheld ("< 5");
* :mod:`graph.access.visibility`: whose name a viewer may see;
* :mod:`graph.access.tokens`: the bearer tokens that make a principal (SQLite).

Decisions:

* The rules live here, under the entry points and beside the model: a route or a page
  asks them and words the refusal, it never decides. New privacy rules are added here.
* Nothing here imports an entry point (checked by the import contracts in
  ``pyproject.toml``); only :mod:`graph.access.tokens` does I/O.
"""
