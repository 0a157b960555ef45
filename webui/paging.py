"""Lists in pages: which slice of a list the ``halaman`` query argument asks for, and the
links to the other pages that keep every other argument (the filters) as it was."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request, url_for

from engine.input_text import whole_number

PER_PAGE = 25


@dataclass(frozen=True)
class Pages:
    number: int  # 1-based
    total: int  # items in all
    per_page: int = PER_PAGE

    @property
    def count(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.per_page

    @property
    def first_shown(self) -> int:
        return self.offset + 1 if self.total else 0

    @property
    def last_shown(self) -> int:
        return min(self.total, self.offset + self.per_page)

    def url(self, number: int) -> str:
        """This page's address for page ``number``, the filters kept."""
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "halaman"}
        if number > 1:
            args["halaman"] = str(number)
        return url_for(str(request.endpoint), **(request.view_args or {}), **args)


def requested(total: int, per_page: int = PER_PAGE) -> Pages:
    """The page the request asks for, kept within 1..last (a bad number shows page 1)."""
    number = whole_number(request.args.get("halaman", "1"), limit=999_999) or 1
    last = max(1, -(-total // per_page))
    return Pages(min(max(number, 1), last), total, per_page)
