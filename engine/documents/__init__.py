"""Official documents a process produces (the FPVC of each pass that reaches approval):
captured when their step completes (``snapshot``), rendered and signed by the worker
(``layout``, ``production``, the ``signing`` seam), stored and verified (``records``,
``desk``). The SOP sheet of a process version (``sopsheet``, ``soplayout``) lives here too.

Like the rest of the engine: no flask, werkzeug, jinja2, requests, webui or connectors.
"""
