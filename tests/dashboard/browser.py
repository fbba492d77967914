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
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(
        ec.presence_of_element_located((By.CSS_SELECTOR, css))
    )


def wait_js(driver: Any, script: str, timeout: float = 30) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(
        lambda d: d.execute_script(script)
    )


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


def shot(driver: Any, name: str, max_height: int = 2200, css: str | None = None) -> None:
    """Save a full-page screenshot when asked to (``PASSERELLE_SCREENSHOTS``); with
    ``css``, only that element of the page.

    The pictures of the README and of the user guide (``docs/guide.md``) are taken by the
    browser tests where their page is already open.
    """
    if not SHOTS:
        return
    Path(SHOTS).mkdir(parents=True, exist_ok=True)
    width = driver.get_window_size()["width"]
    for _ in range(2):  # the page grows as plotly and the grid fit the new window
        height, chrome_bar = driver.execute_script(
            "return [document.documentElement.scrollHeight,"
            " window.outerHeight - window.innerHeight]"
        )
        driver.set_window_size(width, min(height, max_height) + chrome_bar)
        time.sleep(0.8)
    path = str(Path(SHOTS) / f"{name}.png")
    if css:
        driver.find_element("css selector", css).screenshot(path)
    else:
        driver.save_screenshot(path)
    driver.set_window_size(width, 1000)
