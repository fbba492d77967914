"""Bytes a first visit of the dashboard transfers, measured in headless Chromium.

Seeds the demo network (or reuses ``--data-dir``), serves the API with the dashboard
mounted (``cli/wiring.py``) with uvicorn on 127.0.0.1, and records every request of a
fresh browser (DevTools network events, :mod:`tests.dashboard.network`): what went over
the wire for it, headers included (compressed when it was), and its decoded body; what
the browser took from its cache is counted apart. Three visits:

* ``login``: ``/dashboard/`` in a new browser (empty cache): the login page;
* ``home after login``: the same browser logs in (the login page again, then the form)
  and lands on the home page; its scripts are cached from the first visit;
* ``home, empty cache``: the home page again after the browser cache is cleared: every
  script, style and callback of the page.

``--identity`` makes the browser ask for no compression (``Accept-Encoding: identity``),
the figures of a server that does not compress.

    .venv/bin/python bench/page_weight.py --people 20000
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import ApiSettings  # noqa: E402
from cli.wiring import create_server  # noqa: E402
from dashboard.settings import DashboardSettings  # noqa: E402
from graph.access.roles import Role  # noqa: E402
from graph.access.tokens import TokenStore  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from seed.demo import DEFAULT_AS_OF, generate  # noqa: E402
from tests.dashboard import browser as B  # noqa: E402
from tests.dashboard import network as N  # noqa: E402

#: the login page is drawn (the Dash page has children, the loading text is gone)
PAGE_RENDERED_JS = (
    "const p = document.getElementById('page'); return !!p && p.children.length > 0"
    " && !document.querySelector('._dash-loading');"
)
#: time for requests started after the page is drawn (late callbacks, fonts) to finish
SETTLE_S = 1.5


def seed(path: Path, people: int, seed_value: int) -> None:
    with EmbeddedStore(path) as store, store.bulk():
        for batch in generate(people, seed_value):
            store.write(batch)


def weigh(driver: Any, go: Callable[[], None], rendered_js: str) -> dict[str, Any]:
    """Run ``go`` (a navigation), wait for ``rendered_js`` and sum what was fetched."""
    N.events(driver)
    go()
    B.wait_js(driver, rendered_js, 120)
    time.sleep(SETTLE_S)
    everything = N.fetched(N.events(driver))
    got = [f for f in everything if not f.cached]
    return {
        "requests": len(got),
        "from_cache": len(everything) - len(got),
        "transferred_bytes": sum(f.transferred for f in got),
        "decoded_bytes": sum(f.body for f in got),
        "compressed_requests": sum(1 for f in got if f.encoding),
        "largest": sorted(
            ((f.transferred, f.url.split("?")[0].rsplit("/", 1)[-1]) for f in got), reverse=True
        )[:3],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data-dir", type=Path, help="store to reuse (seeded when empty)")
    parser.add_argument(
        "--identity", action="store_true", help="ask for no compression (Accept-Encoding)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if reason := B.chromium_available():
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="page-weight-"))
    data_dir = args.data_dir or work / "store"
    if not (data_dir / "passerelle.sqlite3").exists():
        print(f"seeding {args.people:,} people into {data_dir} …", file=sys.stderr)
        seed(data_dir, args.people, args.seed)
    settings = ApiSettings(data_dir=data_dir, api_warm=True, api_auth_db=work / "auth.sqlite3")
    store = EmbeddedStore(data_dir)
    tokens = TokenStore(settings.auth_db_path)
    secret = tokens.create(Role.NATIONAL, name="bench").secret
    app = create_server(
        settings, store=store, tokens=tokens, dashboard=DashboardSettings(as_of=DEFAULT_AS_OF)
    )
    result: dict[str, Any] = {"identity": args.identity}
    with B.ServerThread(app) as server, B.chrome(network_log=True) as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        if args.identity:
            driver.execute_cdp_cmd(
                "Network.setExtraHTTPHeaders", {"headers": {"Accept-Encoding": "identity"}}
            )
        base = server.base
        result["login"] = weigh(driver, lambda: driver.get(base + "/dashboard/"), PAGE_RENDERED_JS)
        result["home after login"] = weigh(
            driver, lambda: B.login(driver, base, secret), B.NATIONAL_RENDERED_JS
        )
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
        result["home, empty cache"] = weigh(
            driver, lambda: driver.get(base + "/dashboard/"), B.NATIONAL_RENDERED_JS
        )
    store.close()
    tokens.close()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        mode = "Accept-Encoding: identity" if args.identity else "browser's Accept-Encoding"
        print(f"{mode}:")
        for name in ("login", "home after login", "home, empty cache"):
            r = result[name]
            print(
                f"  {name}: {r['requests']} requests ({r['from_cache']} more from the "
                f"cache), {r['transferred_bytes']:,} bytes "
                f"transferred ({r['compressed_requests']} compressed), "
                f"{r['decoded_bytes']:,} bytes decoded"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
