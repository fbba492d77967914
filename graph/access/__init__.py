"""The access policy: who sees what, as pure functions the API, the dashboard and the CLI share.

* :mod:`graph.access.roles`: roles, permissions and the principal (the caller);
* :mod:`graph.access.scope`: a référent's people and groupements, how a principal sees a
  groupement;
* :mod:`graph.access.coverage`: which coverage scopes and what-if changes a caller may ask;
* :mod:`graph.access.counts`: small counts of people withheld ("< 5");
* :mod:`graph.access.visibility`: whose name a viewer may see (the table of who may be
  named to whom), contact details;
* :mod:`graph.access.paths`: whom a path query may ask about (candidate, person target);
* :mod:`graph.access.consent`: consent per purpose and its dates;
* :mod:`graph.access.tokens`: the bearer tokens that make a principal, and the
  dashboard's server-side sessions (SQLite);
* :mod:`graph.access.users`: people's accounts (e-mail, role, password, one-time login
  links) in the same database, and who manages them; :mod:`graph.access.passwords`:
  their Argon2id hashes;
* :mod:`graph.access.web`: the security headers of every HTTP answer.

Decisions:

* The rules live here, under the entry points and beside the model: a route or a page
  asks them and words the refusal, it never decides. New privacy rules are added here.
* Nothing here imports an entry point (checked by the import contracts in
  ``pyproject.toml``); only :mod:`graph.access.tokens` and
  :mod:`graph.access.users` do I/O.
"""
