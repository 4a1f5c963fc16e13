"""The HTML results report in headless Chromium: its four charts drawn, a screenshot kept in
test-output/ui/report.png, and printed to A4 (test-output/ui/report.pdf) as a manager would."""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

import pytest

from notifications.report.document import report_html
from tests.e2e.browser import SHOTS, needs_chromium, open_page
from tests.models.report_data import fixed_report

pytestmark = needs_chromium


@pytest.fixture(scope="module")
def report_file(fresh_database, tmp_path_factory: pytest.TempPathFactory) -> Path:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("report") / "report.html"
    with fixed_report(fresh_database("sqlite")) as report:
        path.write_text(report_html(report, "fr"), encoding="utf-8")
    return path


def test_the_report_shows_its_charts_and_prints_on_a4(browser: Any, report_file: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.print_page_options import PrintOptions

    browser.set_window_size(900, 3200)
    text = open_page(
        browser, report_file.as_uri(), "Résultats du programme", "Par région", shot="report"
    )
    assert "Débats sous la cible de 30 % de femmes" in text
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert len(charts) == 4
    assert all(c.size["width"] > 400 and c.size["height"] > 100 for c in charts)
    assert (SHOTS / "report.png").stat().st_size > 20_000
    options = PrintOptions()
    options.page_width, options.page_height = 21.0, 29.7
    pdf = base64.b64decode(browser.print_page(options))
    (SHOTS / "report.pdf").write_bytes(pdf)
    pages = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert 2 <= len(pages) <= 6, f"{len(pages)} A4 pages"
    assert all(abs(float(w) - 595) < 2 and abs(float(h) - 842) < 2 for w, h in pages)
