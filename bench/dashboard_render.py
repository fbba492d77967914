"""Time to first full render of the dashboard's home page, measured in headless Chromium.

Seeds the demo network (or reuses ``--data-dir``), serves the API with the dashboard
mounted (as the composition root ``cli/wiring.py`` wires it) with uvicorn on 127.0.0.1,
logs in with a national token and loads ``/dashboard/`` ``--loads`` times. Each load is
timed in the page itself: from navigation start (``performance.timeOrigin``) until the
map has every département drawn and the groupements grid has its rows (the condition in
``tests/dashboard/browser.py``). Two series: a fresh browser profile per load (nothing
cached: every script is fetched and parsed again) and the same browser reloading (scripts
cached, as for someone who comes back). The server's coverage is computed once at start
(the dashboard's warm-up) before the timings; that warm-up is reported separately.

    .venv/bin/python bench/dashboard_render.py --people 100000 --loads 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from api.settings import ApiSettings  # noqa: E402
from cli.wiring import create_server  # noqa: E402
from dashboard import data as D  # noqa: E402
from dashboard.settings import DashboardSettings  # noqa: E402
from graph.access.roles import Role  # noqa: E402
from graph.access.tokens import TokenStore  # noqa: E402
from graph.embedded import EmbeddedStore  # noqa: E402
from seed.demo import DEFAULT_AS_OF, generate  # noqa: E402
from tests.dashboard import browser as B  # noqa: E402

CALLBACK_JS = """
return performance.getEntriesByType('resource')
  .filter(e => e.name.includes('_dash-update-component'))
  .map(e => [Math.round(e.startTime), Math.round(e.responseEnd), e.transferSize]);
"""


def seed(path: Path, people: int, seed_value: int) -> float:
    started = time.perf_counter()
    with EmbeddedStore(path) as store, store.bulk():
        for batch in generate(people, seed_value):
            store.write(batch)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--loads", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="store to reuse (seeded when empty)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    if reason := B.chromium_available():
        print(f"cannot run: {reason}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="dashboard-render-"))
    data_dir = args.data_dir or work / "store"
    if not (data_dir / "passerelle.sqlite3").exists():
        print(f"seeding {args.people:,} people into {data_dir} …", file=sys.stderr)
        print(f"seeded in {seed(data_dir, args.people, args.seed):.1f} s", file=sys.stderr)
    as_of = DEFAULT_AS_OF
    settings = ApiSettings(data_dir=data_dir, api_warm=True, api_auth_db=work / "auth.sqlite3")
    store = EmbeddedStore(data_dir)
    tokens = TokenStore(settings.auth_db_path)
    secret = tokens.create(Role.NATIONAL, name="bench").secret
    options = DashboardSettings(as_of=as_of)
    app = create_server(settings, store=store, tokens=tokens, dashboard=options)
    people = store.counts().nodes
    with B.ServerThread(app) as server:
        url = server.base + "/dashboard/"
        started = time.perf_counter()
        D.national_data(store, as_of)  # waits for the warm-up thread's result
        warm = time.perf_counter() - started
        cold: list[float] = []
        callbacks: list[int] = []
        for _ in range(args.loads):
            # a fresh profile given the session cookie: nothing in its cache
            with B.chrome() as driver:
                driver.get(server.base + "/dashboard/connexion")
                for c in _session_cookies(server.base, secret):
                    driver.add_cookie(c)
                cold.append(B.time_to_render(driver, url))
                start, end, _ = driver.execute_script(CALLBACK_JS)[-1]
                callbacks.append(end - start)
        with B.chrome() as driver:
            B.login(driver, server.base, secret)
            B.wait_js(driver, B.NATIONAL_RENDERED_JS, 120)
            warm_cache = [B.time_to_render(driver, url) for _ in range(args.loads)]
            size = driver.execute_script(CALLBACK_JS)[-1][2]
    store.close()
    tokens.close()
    result = {
        "people": int(sum(v for k, v in people.items() if k.value == "Person")),
        "as_of": as_of.isoformat(),
        "loads": args.loads,
        "server_warm_up_s": round(warm, 2),
        "cold_cache_ms": [round(t) for t in cold],
        "cold_cache_median_ms": round(statistics.median(cold)),
        "warm_cache_ms": [round(t) for t in warm_cache],
        "warm_cache_median_ms": round(statistics.median(warm_cache)),
        "page_callback_median_ms": round(statistics.median(callbacks)),
        "page_callback_bytes": size,
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{result['people']:,} people, as of {result['as_of']}: server warm-up "
            f"{warm:.1f} s; first full render of /dashboard/, median of {args.loads}: "
            f"{result['cold_cache_median_ms']} ms with an empty browser cache "
            f"({result['cold_cache_ms']}), {result['warm_cache_median_ms']} ms with scripts "
            f"cached ({result['warm_cache_ms']}); page callback "
            f"{result['page_callback_median_ms']} ms, {size:,} bytes"
        )
    return 0


def _session_cookies(base: str, secret: str) -> list[dict]:
    """Log in over HTTP and hand the cookies to a fresh browser (its cache stays empty)."""
    import httpx

    with httpx.Client(base_url=base) as client:
        client.post("/dashboard/auth/login", data={"jeton": secret})
        return [
            {"name": c.name, "value": c.value, "path": c.path or "/"} for c in client.cookies.jar
        ]


if __name__ == "__main__":
    sys.exit(main())
