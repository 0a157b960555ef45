"""The security tests use the page fixtures (``site``) and the API fixtures (``api``,
``started``) of their neighbours."""

from tests.integration.api.conftest import api, started
from tests.integration.web.conftest import site

__all__ = ["api", "site", "started"]
