"""What a page made Chromium fetch, from the DevTools network events of a driver opened
with ``chrome(network_log=True)`` (:mod:`tests.dashboard.browser`).

Shared by ``tests/dashboard/test_browser_offline.py`` (every request goes to this machine)
and ``bench/page_weight.py`` (the bytes a first visit transfers).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Fetched:
    """One request of the page and what came back."""

    url: str
    #: bytes received for it, headers included, as sent (compressed when it was)
    transferred: int
    #: bytes of the body once decoded
    body: int
    #: the Content-Encoding of the answer ("" when none)
    encoding: str
    #: served from the browser's cache, not over the network
    cached: bool = False


def events(driver: Any) -> list[dict[str, Any]]:
    """The network events logged since the last call (the log empties as it is read)."""
    out = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method", "").startswith("Network."):
            out.append(message)
    return out


def requested_urls(log: list[dict[str, Any]]) -> list[str]:
    """Every URL the page asked for, failed requests included."""
    return [
        m["params"]["request"]["url"] for m in log if m["method"] == "Network.requestWillBeSent"
    ]


def blocked_urls(log: list[dict[str, Any]]) -> set[str]:
    """The URLs the browser refused to load itself (a Content-Security-Policy, mostly):
    asked for by a script, never sent."""
    urls = {
        m["params"]["requestId"]: m["params"]["request"]["url"]
        for m in log
        if m["method"] == "Network.requestWillBeSent"
    }
    return {
        urls[m["params"]["requestId"]]
        for m in log
        if m["method"] == "Network.loadingFailed"
        and m["params"].get("blockedReason")
        and m["params"]["requestId"] in urls
    }


def fetched(log: list[dict[str, Any]]) -> list[Fetched]:
    """The requests that completed, with their sizes."""
    urls: dict[str, str] = {}
    encodings: dict[str, str] = {}
    bodies: dict[str, int] = {}
    done: dict[str, int] = {}
    cached: set[str] = set()
    for m in log:
        p = m["params"]
        rid = p.get("requestId")
        if m["method"] == "Network.requestWillBeSent":
            urls[rid] = p["request"]["url"]
        elif m["method"] == "Network.responseReceived":
            headers = {k.lower(): v for k, v in p["response"].get("headers", {}).items()}
            encodings[rid] = headers.get("content-encoding", "")
            if p["response"].get("fromDiskCache") or p["response"].get("fromPrefetchCache"):
                cached.add(rid)
        elif m["method"] == "Network.requestServedFromCache":
            cached.add(rid)
        elif m["method"] == "Network.dataReceived":
            bodies[rid] = bodies.get(rid, 0) + int(p["dataLength"])
        elif m["method"] == "Network.loadingFinished":
            done[rid] = int(p["encodedDataLength"])
    return [
        Fetched(urls[rid], size, bodies.get(rid, 0), encodings.get(rid, ""), rid in cached)
        for rid, size in done.items()
        if rid in urls and urls[rid].startswith("http")
    ]
