"""``ALUR_DRAFT_DAYS`` reaches the worker's settings; a value that is not a whole number of
days stops the start-up with its message."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_app
from webui.extensions import engine


def test_the_draft_days_setting_reaches_the_worker(sqlite_url: str, tmp_path: Path) -> None:
    app = make_app(sqlite_url, tmp_path, DRAFT_DAYS="30")
    with app.app_context():
        assert engine().settings.worker.draft_days == 30


@pytest.mark.parametrize("bad", ["0", "dua minggu", "-3"])
def test_a_wrong_draft_days_stops_the_start_up(sqlite_url: str, tmp_path: Path,
                                               bad: str) -> None:
    with pytest.raises(ValueError, match="ALUR_DRAFT_DAYS"):
        make_app(sqlite_url, tmp_path, DRAFT_DAYS=bad)
