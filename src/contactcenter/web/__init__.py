"""The web service: a REST API over the application layer (``contactcenter serve``).

==================  ===========================================================
module              what it holds
==================  ===========================================================
``web.api``         :func:`create_app`: the FastAPI application and its routes
``web.models``      the JSON bodies and answers, as documented in the OpenAPI schema
``web.server``      :func:`run`: uvicorn serving the application (``serve``), with
                    the live ingestion of :mod:`contactcenter.live`
==================  ===========================================================

The routes call the same functions as the CLI (:mod:`contactcenter.app`) and render with
the same code (:mod:`contactcenter.reports.render`), so ``GET /api/v1/report?format=csv``
answers the very bytes ``contactcenter report --format csv`` prints. FastAPI, Starlette,
pydantic and uvicorn are imported only here (the optional extra ``web``;
docs/decisions/0006-web-service.md). See docs/api.md.
"""

from __future__ import annotations

API_PREFIX = "/api/v1"
"""Where the versioned routes live."""

__all__ = ["API_PREFIX"]
