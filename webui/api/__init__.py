"""The JSON API of DESIGN.md under ``/api/v1``, for integrations, scripts and tests.

``blueprint`` holds the blueprint with its authentication, CSRF rule and error shapes;
``payload`` reads requests and writes views as JSON; one module of routes per resource.
Imports the engine's facade and views only, like every other web area.
"""

from webui.api import instances, openapi, processes, reports, tasks
from webui.api.blueprint import bp

__all__ = ["bp", "instances", "openapi", "processes", "reports", "tasks"]
