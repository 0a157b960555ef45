"""How a duration reads on a page: two units at most (an hour and more to the minute), and
in a report cell it wraps between units, never inside one."""

from __future__ import annotations

from flask import Flask

from webui.templating import duration, duration_cell


def test_a_duration_reads_in_two_units_at_most(app: Flask) -> None:
    with app.test_request_context():
        assert duration(125) == "2 mnt 5 dtk"
        assert duration(0.4) == "0 dtk"
        assert duration(3599.6) == "1 jam"  # rounded to the second, then to the minute
        assert duration(77_803) == "21 jam 37 mnt"  # 21 h 36 min 43 s
        assert duration(3630) == "1 jam 1 mnt"  # half a minute goes up, as 3690 does
        assert duration(3690) == "1 jam 2 mnt"
        assert duration(3629) == "1 jam"
        assert duration(None) == "–"


def test_a_report_cell_may_wrap_between_units_only(app: Flask) -> None:
    with app.test_request_context():
        assert str(duration_cell(77_803)) == (
            '<span><span class="nowrap">21 jam</span> <span class="nowrap">37 mnt</span></span>'
        )
        assert str(duration_cell(None)) == '<span><span class="nowrap">–</span></span>'
