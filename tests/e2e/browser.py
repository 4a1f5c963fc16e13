"""Headless Chromium on the local Prefect UI: what the e2e modules that look at pages share.

Debian's chromium and chromium-driver (`apt-get install -y chromium chromium-driver`); a module that
uses them carries `needs_chromium`, which skips it, saying so, where they are missing. Never
downloads a browser. Screenshots go to test-output/ui/ (gitignored): look at them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import wait_for

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-output" / "ui"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PAGE_TIMEOUT = 60.0

needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason=f"Chromium is not installed ({CHROMIUM} and {CHROMEDRIVER} are needed): "
    "apt-get install -y chromium chromium-driver",
)


def chromium(profile: Path) -> Any:
    """A headless Chromium driven by Debian's chromedriver, with its own profile directory."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-quic",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1440,1000",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    # An explicit driver path: Selenium Manager is never asked to download anything.
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(PAGE_TIMEOUT)
    SHOTS.mkdir(parents=True, exist_ok=True)
    return driver


def page_text(driver: Any) -> str:
    from selenium.webdriver.common.by import By

    return str(driver.find_element(By.TAG_NAME, "body").text)


def shoot(driver: Any, shot: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{shot}.png"))


def open_page(driver: Any, url: str, *texts: str, shot: str) -> str:
    """Open `url`, wait until every text is on the page, save a screenshot; the page's text."""
    driver.get(url)
    try:
        wait_for(
            lambda: all(text in page_text(driver) for text in texts),
            timeout=PAGE_TIMEOUT,
            what=f"{texts} on {url}",
        )
    finally:
        shoot(driver, shot)
    return page_text(driver)


def button(driver: Any, label: str, css: str = "button") -> Any:
    """The enabled button labelled `label`, once the page shows it."""
    from selenium.webdriver.common.by import By

    return wait_for(
        lambda: next(
            (
                b
                for b in driver.find_elements(By.CSS_SELECTOR, css)
                if b.text.strip() == label and b.is_enabled()
            ),
            None,
        ),
        timeout=PAGE_TIMEOUT,
        what=f"the {label} button",
    )


def form_property(driver: Any, title: str) -> Any:
    """The Run or Resume form's field whose label starts with `title` (its innermost block)."""
    from selenium.webdriver.common.by import By

    xpath = (
        "//span[contains(@class, 'schema-form-property__label') and "
        f"starts-with(normalize-space(.), '{title}')]"
        "/ancestor::div[contains(concat(' ', normalize-space(@class), ' '), "
        "' schema-form-property ')][1]"
    )
    return wait_for(
        lambda: next(iter(driver.find_elements(By.XPATH, xpath)), None),
        timeout=PAGE_TIMEOUT,
        what=f"the field '{title}' of the form",
    )


def form_properties(driver: Any, label: str) -> list[Any]:
    """Every field of the form labelled exactly `label` (a list's entries each have theirs), in
    the order the form shows them."""
    from selenium.webdriver.common.by import By

    xpath = (
        "//span[contains(@class, 'schema-form-property__label') and "
        f"normalize-space(.) = '{label}']"
        "/ancestor::div[contains(concat(' ', normalize-space(@class), ' '), "
        "' schema-form-property ')][1]"
    )
    return list(driver.find_elements(By.XPATH, xpath))


_VALUES = """
const [labels] = arguments;
const fields = (label) => [...document.querySelectorAll('.schema-form-property')].filter(
  (p) => p.querySelector('.schema-form-property__label')?.textContent.trim() === label);
return labels.map((label) => fields(label).map((p) => p.querySelector('select, input').value));
"""


def form_values(driver: Any, *labels: str) -> list[list[str]]:
    """For each label, the value every field so labelled holds now (a select's chosen option, an
    input's text), in the order the form shows them: one round trip to the browser."""
    return [[str(v) for v in values] for values in driver.execute_script(_VALUES, list(labels))]


def open_resume_form(driver: Any, ui: str, flow_run_id: str, *texts: str, shot: str) -> str:
    """The suspended run's page, its Resume button pressed: wait until the form shows every text;
    the page's text."""
    open_page(
        driver, f"{ui}/runs/flow-run/{flow_run_id}", "Suspended", "Resume", shot=f"{shot}-run"
    )
    button(driver, "Resume").click()
    try:
        wait_for(
            lambda: all(text in page_text(driver) for text in texts),
            timeout=PAGE_TIMEOUT,
            what=f"{texts} in the Resume form",
        )
    finally:
        shoot(driver, shot)
    return page_text(driver)


def submit_resume_form(driver: Any, flow_run_id: str, *, tries: int = 3) -> None:
    """Press the open Resume form's Submit until the run has left the suspension it showed.

    Prefect's server on SQLite can refuse a resume on a busy machine ('database is locked': the
    form stays open under an error toast); a person presses Submit again, and so does this."""
    from tests.e2e.conftest import read_run

    def pause_key() -> str | None:
        state = read_run(flow_run_id).state
        paused = state is not None and state.is_paused()
        return str(state.state_details.pause_key) if paused else None  # type: ignore[union-attr]

    before = pause_key()
    for attempt in range(1, tries + 1):
        button(driver, "Submit").click()
        try:
            wait_for(
                lambda: pause_key() != before,
                timeout=30,
                what=f"flow run {flow_run_id} to leave its suspension {before}",
            )
            return
        except AssertionError:
            shoot(driver, f"resume-refused-{flow_run_id[:8]}-{attempt}")
            if attempt == tries:
                raise
