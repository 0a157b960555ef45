"""axe-core, the accessibility checker, injected into a page by Playwright.

The script comes from npm (``tests/browser/vendor/package.json``, installed by ``make
test`` with ``npm ci``); without it the check is skipped, except in CI (``CI=true``),
where a missing checker is a failure, like a missing browser.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

AXE = Path(__file__).parent / "vendor" / "node_modules" / "axe-core" / "axe.min.js"
#: WCAG 2.1 A and AA, and axe's own best practices (landmarks, headings, tap targets).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def script() -> str:
    if not AXE.exists():
        message = f"{AXE} not found (make test runs npm ci in tests/browser/vendor)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


def violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now, each ``{"id", "help", "nodes"}``."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        # Evaluated through the DevTools protocol, not as a <script>: the page's CSP stays.
        page.evaluate(script())
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                    resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, help: v.help,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }""",
        TAGS,
    )
    return found


def describe(found: list[dict[str, Any]]) -> str:
    return "\n".join(f"{v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"][:5]) for v in found)
