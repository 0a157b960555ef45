"""Argument types the ``alur`` commands share: a whole number that fits the database's
``INTEGER`` (a version, a token id), refused in Indonesian otherwise. An argument that is
no text at all is refused earlier, for every command, by ``webui.cli.AlurGroup``."""

from __future__ import annotations

from typing import Any

import click

from engine.input_text import MAX_INTEGER, shown, whole_number


class WholeNumber(click.ParamType[int, Any]):
    name = "integer"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INTEGER:
            return value
        number = whole_number(str(value))
        if number is None:
            self.fail(f"'{shown(str(value))}' bukan bilangan bulat 0–{MAX_INTEGER}", param, ctx)
        return number


WHOLE_NUMBER = WholeNumber()
