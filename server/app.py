"""The ASGI application: routes, and the gateway's lifetime."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from . import api, pages
from .api_errors import ApiError, api_error_handler
from .gateway.service import Gateway
from .housekeeping import Housekeeping
from .metrics_export import make_registry, metrics_endpoint
from .operators import api as operators_api
from .operators import lifecycle_api
from .operators.console import console_routes
from .operators.live import LiveFeed
from .operators.sign_in import SignInLimits
from .settings import Settings
from .store import SessionStore
from .survey import SurveyCatalog


def create_app(settings: Settings, catalog: SurveyCatalog, store: SessionStore) -> Starlette:
    """The store must be open; whoever opened it closes it after the app has stopped."""
    gateway = Gateway(settings, catalog, store)
    housekeeping = Housekeeping(settings, store, gateway.erased)

    async def figures(survey_id: str) -> dict[str, Any]:
        return await operators_api.survey_figures(settings, store, catalog.surveys[survey_id])

    live = LiveFeed(figures)
    store.commit_listeners.append(live.committed)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with gateway.running(), housekeeping.running():
            yield

    app = Starlette(
        routes=[
            # First: every respondent's connection is matched against the routes in order.
            WebSocketRoute("/ws", gateway),
            Route("/", pages.index),
            Route("/s/{survey_id}", pages.survey_page),
            Route("/api/session/{user_id}", api.get_session),
            Route("/api/session/{user_id}", lifecycle_api.erase_session, methods=["DELETE"]),
            Route("/api/surveys/{survey_id}/invitations", lifecycle_api.create_invitations,
                  methods=["POST"]),
            Route("/api/session/{user_id}/history", operators_api.session_history),
            Route("/api/surveys", operators_api.list_surveys),
            Route("/api/surveys/{survey_id}/sessions", operators_api.list_sessions),
            Route("/api/surveys/{survey_id}/export", operators_api.export),
            Route("/api/surveys/{survey_id}/codebook", operators_api.get_codebook),
            Route("/api/surveys/{survey_id}/stats", operators_api.get_stats),
            Route("/api/surveys/{survey_id}/live", operators_api.live_figures),
            Route("/api/metrics", api.get_metrics),
            *console_routes(),
            Route("/metrics", metrics_endpoint),
            Route("/healthz", api.healthz),
            Route("/readyz", api.readyz),
            Mount("/static", StaticFiles(directory=str(pages.STATIC_DIR)), name="static"),
        ],
        exception_handlers={ApiError: api_error_handler},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.store = store
    app.state.gateway = gateway
    app.state.housekeeping = housekeeping
    app.state.live = live
    app.state.sign_in_limits = SignInLimits()
    # File sizes only for a SQLite file: PostgreSQL reports its own.
    db_file = settings.db if isinstance(settings.db, Path) else None
    app.state.metrics_registry = make_registry(gateway, store, db_file)
    return app
