"""The ASGI application: routes, and the gateway's lifetime."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from . import api, pages
from .gateway.service import Gateway
from .metrics_export import make_registry, metrics_endpoint
from .settings import Settings
from .store import SessionStore
from .survey import SurveyCatalog


def create_app(settings: Settings, catalog: SurveyCatalog, store: SessionStore) -> Starlette:
    """The store must be open; whoever opened it closes it after the app has stopped."""
    gateway = Gateway(settings, catalog, store)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with gateway.running():
            yield

    app = Starlette(
        routes=[
            Route("/", pages.index),
            Route("/s/{survey_id}", pages.survey_page),
            Route("/api/session/{user_id}", api.get_session),
            Route("/api/metrics", api.get_metrics),
            Route("/metrics", metrics_endpoint),
            Route("/healthz", api.healthz),
            Route("/readyz", api.readyz),
            WebSocketRoute("/ws", gateway.endpoint),
            Mount("/static", StaticFiles(directory=str(pages.STATIC_DIR)), name="static"),
        ],
        exception_handlers={api.ApiError: api.api_error_handler},
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.catalog = catalog
    app.state.store = store
    app.state.gateway = gateway
    app.state.metrics_registry = make_registry(gateway, store, settings.db)
    return app
