"""`debates forms build --out DIR` on a machine whose database has no communes yet: the four
XLSForms, with the registry file's communes, each checked with pyxform."""

from __future__ import annotations

from pathlib import Path

import pytest

from cli.app import run
from models.fieldforms.forms import FORMS
from models.fieldforms.xlsform import read_sheet
from models.settings import get_settings


def test_forms_build_writes_every_form_with_the_registrys_communes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DEBATES_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DEBATES_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    try:
        code = run(["forms", "build", "--out", str(tmp_path / "terrain")])
    finally:
        get_settings.cache_clear()
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "4 form(s), 701 communes." in out.out and "not checked" not in out.err
    written = sorted(p.name for p in (tmp_path / "terrain").iterdir())
    assert written == sorted(f"{form.id}.xlsx" for form in FORMS)
    choices = read_sheet(tmp_path / "terrain" / "debates_visit.xlsx", "choices")
    assert {
        "list_name": "commune",
        "name": "ML060205",
        "label::fr": "Diré (Dire, Tombouctou)",
        "label::en": "Diré (Dire, Tombouctou)",
    } in choices
