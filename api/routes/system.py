"""Health, readiness and metrics: for load balancers and operators, no token needed."""
from __future__ import annotations

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse, PlainTextResponse

from api.deps import ContainerDep
from api.metrics import CONTENT_TYPE, render

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def healthz() -> dict:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "views not yet rebuilt or Kafka unreachable"}})
async def readyz(container: ContainerDep):
    """Ready once the views have read the state topics to their end and the producer is connected."""
    ready = container.views.ready and container.publisher.started
    body = {"status": "ready" if ready else "starting", "views": container.views.ready, "producer": container.publisher.started}
    return JSONResponse(body, status_code=200 if ready else 503, headers={} if ready else {"Retry-After": "2"})


@router.get("/metrics", response_class=PlainTextResponse)
async def metrics(container: ContainerDep) -> Response:
    """Prometheus text format: view sizes, records in and out per topic, dead letters, free beds
    (total and per shelter), open holds, and referral latency."""
    return Response(render(container), media_type=CONTENT_TYPE)
