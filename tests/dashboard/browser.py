"""Driving the dashboard in a real headless Chromium (Debian's ``chromium`` and
``chromium-driver``; nothing is downloaded): a server thread, a driver, the login.

Shared by ``tests/dashboard/test_browser.py`` and ``bench/dashboard_render.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
#: where :func:`shot` saves screenshots (``make screenshots``: docs/screenshots); unset: none
SHOTS = os.environ.get("PASSERELLE_SCREENSHOTS")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
    "--hide-scrollbars",
    "--lang=fr-FR",
    "--force-device-scale-factor=1",
)

#: true once the home page shows the map (every département drawn) and the table's rows
NATIONAL_RENDERED_JS = """
const traces = document.querySelectorAll('#carte-france .scatterlayer .trace').length;
const rows = document.querySelectorAll('#table-groupements .ag-center-cols-container .ag-row')
  .length;
return traces >= 101 && rows > 0;
"""

#: resolves with performance.now() (ms since navigation start) once ``check`` is true
WAIT_RENDER_JS = """
const done = arguments[arguments.length - 1];
const limit = arguments[0];
const check = () => { %s };
const tick = () => {
  let ok = false;
  try { ok = check(); } catch (e) { ok = false; }
  if (ok) { done(performance.now()); return; }
  if (performance.now() > limit) { done(-1); return; }
  setTimeout(tick, 5);
};
tick();
"""


def chromium_available() -> str | None:
    """None when both binaries are there, else why not."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    return (
        f"missing {', '.join(missing)} (make test installs chromium and chromium-driver)"
        if missing
        else None
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerThread:
    """Uvicorn serving ``app`` on 127.0.0.1 in a daemon thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        import uvicorn

        self.port = port or free_port()
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn", daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@contextlib.contextmanager
def chrome(width: int = 1440, height: int = 1000, network_log: bool = False) -> Iterator[Any]:
    """A headless Chromium with a fresh profile, driven through Debian's chromedriver.
    ``network_log``: record the DevTools network events (read them with
    :func:`tests.dashboard.network.events`)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="passerelle-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument(f"--user-data-dir={profile}")
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    try:
        yield driver
    finally:
        with contextlib.suppress(Exception):
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def login(driver: Any, base: str, secret: str, then: str = "/dashboard/") -> None:
    """Open ``then``, get the login page, paste the token and submit."""
    from selenium.webdriver.common.by import By

    driver.get(base + then)
    field = wait_for(driver, "#jeton")
    field.send_keys(secret)
    driver.find_element(By.ID, "se-connecter").click()


def wait_for(driver: Any, css: str, timeout: float = 30) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    return _until(driver, ec.presence_of_element_located((By.CSS_SELECTOR, css)), timeout, css)


def wait_js(driver: Any, script: str, timeout: float = 30) -> Any:
    return _until(driver, lambda d: d.execute_script(script), timeout, script, poll=0.05)


def _until(driver: Any, check: Any, timeout: float, what: str, poll: float = 0.5) -> Any:
    """Wait for ``check``; on timeout, say where the browser was and what it showed (a
    failure under load is then explained by its page, not only by the time it took)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        return WebDriverWait(driver, timeout, poll_frequency=poll).until(check)
    except TimeoutException:
        try:
            url = driver.current_url
            text = driver.execute_script("return document.body ? document.body.innerText : ''")
        except Exception as exc:  # the browser itself may be the problem
            url, text = "?", f"(page unreadable: {exc})"
        shown = " ".join(str(text).split())[:600]
        raise AssertionError(
            f"waited {timeout:.0f} s for {what.strip()[:200]!r} at {url}; page: {shown!r}"
        ) from None


def time_to_render(
    driver: Any, url: str, condition_js: str = NATIONAL_RENDERED_JS, timeout_ms: int = 60_000
) -> float:
    """Milliseconds from navigation start until ``condition_js`` holds, measured in the page."""
    driver.get(url)
    value = driver.execute_async_script(WAIT_RENDER_JS % condition_js, timeout_ms)
    if value is None or value < 0:
        raise TimeoutError(f"{url} did not render within {timeout_ms} ms")
    return float(value)


def pick(driver: Any, dropdown_id: str, value: str) -> None:
    """Choose ``value`` in a Dash dropdown as a person does: open, search, click."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.find_element(By.ID, dropdown_id).click()
    opened = ".dash-dropdown-content[data-state=open]"
    search = wait_for(driver, f"{opened} input.dash-dropdown-search")
    search.send_keys(str(value))
    option_css = f'{opened} input.dash-options-list-option-checkbox[value="{value}"]'

    def click_option(d: Any) -> bool:
        # The list is filtered as the search is typed: an option found before it
        # re-renders goes stale, so find it again until the click lands.
        option = d.find_element(By.CSS_SELECTOR, option_css)
        option.find_element(By.XPATH, "./ancestor::label").click()
        return True

    WebDriverWait(
        driver,
        30,
        poll_frequency=0.05,
        ignored_exceptions=(NoSuchElementException, StaleElementReferenceException),
    ).until(click_option)
    wait_js(
        driver,
        f"return !document.querySelector('{opened}') && "
        f"document.getElementById('{dropdown_id}').innerText.trim() !== ''",
    )


#: axe-core as pinned by tools/axe/package-lock.json (``make axe`` installs it)
AXE = Path(__file__).resolve().parents[2] / "tools/axe/node_modules/axe-core/axe.min.js"
#: the impacts a page may not have: axe's "serious" and "critical"
AXE_BLOCKING = ("serious", "critical")
#: rules of lesser impact a page must pass all the same: its outline (one main landmark,
#: one h1, headings in order)
AXE_STRUCTURE = ("heading-order", "landmark-one-main", "page-has-heading-one", "region")
_AXE_RUN_JS = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))
  .catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));
"""


def axe_available() -> str | None:
    """None when axe-core is installed, else why not."""
    return None if AXE.exists() else f"missing {AXE} (make axe installs it with npm ci)"


def axe_violations(
    driver: Any, impacts: tuple[str, ...] = AXE_BLOCKING, rules: tuple[str, ...] = AXE_STRUCTURE
) -> list[dict[str, Any]]:
    """axe-core's violations on the page shown now (axe injected if needed): those of
    ``impacts``, and those of ``rules`` whatever their impact."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    found = driver.execute_async_script(_AXE_RUN_JS)
    return [v for v in found if v["impact"] in impacts or v["id"] in rules]


#: the page's width beyond the viewport (0: nothing overflows horizontally)
OVERFLOW_JS = "return document.documentElement.scrollWidth - window.innerWidth"


def shot(driver: Any, name: str, max_height: int = 2200, css: str | None = None) -> None:
    """Save a full-page screenshot when asked to (``PASSERELLE_SCREENSHOTS=DIR``); with
    ``css``, only that element of the page.

    The pictures of the README and of the user guide (``docs/guide.md``) are taken by the
    browser tests where their page is already open.
    """
    shots = os.environ.get("PASSERELLE_SCREENSHOTS")
    if not shots:
        return
    Path(shots).mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    for _ in range(2):  # the page grows as plotly and the grid fit the new window
        height, chrome_bar = driver.execute_script(
            "return [document.documentElement.scrollHeight,"
            " window.outerHeight - window.innerHeight]"
        )
        driver.set_window_size(width, min(height, max_height) + chrome_bar)
        time.sleep(0.8)
    path = str(Path(shots) / f"{name}.png")
    if css:
        driver.find_element("css selector", css).screenshot(path)
    else:
        driver.save_screenshot(path)
    driver.set_window_size(width, 1000)


#: the elements reaching past the viewport's right edge (to say what overflows)
WIDEST_JS = """
const out = [];
for (const e of document.querySelectorAll('body *')) {
  const r = e.getBoundingClientRect();
  if (r.right > window.innerWidth + 1 && r.width > 0) {
    out.push((e.id ? '#' + e.id : e.tagName.toLowerCase()) + '.' + [...e.classList].join('.')
      + ' ' + Math.round(r.right));
  }
  if (out.length > 12) break;
}
return out;
"""
#: true when the element (arguments[0]) lies wholly inside the viewport's width
ON_SCREEN_JS = """
const r = arguments[0].getBoundingClientRect();
return r.width > 0 && r.left >= 0 && r.right <= window.innerWidth;
"""
#: per grid header (arguments[0]: the grid's CSS selector), the words split across lines
#: or cut off: [] when every header reads whole
HEADER_WORDS_JS = """
const bad = [];
for (const el of document.querySelectorAll(arguments[0] + ' .ag-header-cell-text')) {
  if (el.scrollWidth > el.clientWidth + 1) bad.push('cut: ' + el.textContent);
  const text = el.firstChild;
  if (!text || text.nodeType !== 3) continue;
  const re = /\\S+/g;
  let m;
  while ((m = re.exec(text.data))) {
    const range = document.createRange();
    range.setStart(text, m.index);
    range.setEnd(text, m.index + m[0].length);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
    if (lines.size > 1) bad.push('split: ' + m[0]);
  }
}
return bad;
"""
#: the width of a grid (arguments[0]) hidden beyond its right edge (0: every column shows)
GRID_HIDDEN_JS = """
const v = document.querySelector(arguments[0] + ' .ag-center-cols-viewport');
return v.scrollWidth - v.clientWidth;
"""
#: pairs of names on the paths' figure whose boxes overlap: [] when every name reads
LABELS_OVERLAP_JS = """
const boxes = [...document.querySelectorAll(arguments[0] + ' .textpoint text')]
  .map(t => [t.textContent, t.getBoundingClientRect()]).filter(b => b[1].width > 0);
const out = [];
for (let i = 0; i < boxes.length; i++) {
  for (let j = i + 1; j < boxes.length; j++) {
    const [a, r] = boxes[i], [b, s] = boxes[j];
    const across = r.left < s.right - 1 && s.left < r.right - 1;
    if (across && r.top < s.bottom - 1 && s.top < r.bottom - 1) out.push(a + ' / ' + b);
  }
}
return out;
"""
