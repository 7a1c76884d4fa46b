"""The saga's Python starter: configuration from the environment, the schema migrated on start
(safely, as several instances start at once), one HTTP client for the three services, GET
/healthz, the routes of the README answering 501, errors in the one JSON shape, and a graceful
stop on SIGTERM (uvicorn's). The saga is yours."""

import os
import sys
from contextlib import asynccontextmanager
from urllib.parse import urlparse

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool
from starlette.exceptions import HTTPException as StarletteHTTPException

SERVICES = ("INVENTORY_URL", "PAYMENT_URL", "SHIPPING_URL")


def load_config() -> dict:
    """The validated environment, read once at start-up; a bad value stops the process."""
    env = os.environ
    problems = [] if env.get("DATABASE_URL") else ["DATABASE_URL: required"]
    for name in SERVICES:
        if urlparse(env.get(name, "")).scheme not in ("http", "https"):
            problems.append(f"{name}: a URL expected")
    port = env.get("PORT", "3000")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        problems.append("PORT: not a port number")
    if problems:
        sys.exit(f"invalid environment: {'; '.join(problems)}")
    return {
        "port": int(port),
        "database_url": env["DATABASE_URL"],
        # Optional: the saga needs no Redis, but one is there if you want it.
        "redis_url": env.get("REDIS_URL"),
        **{name.lower(): env[name].rstrip("/") for name in SERVICES},
    }


config = load_config()


class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def migrate(pool: AsyncConnectionPool) -> None:
    """Create or update the schema. Several instances start at once against the same database, so
    this must be safe to run concurrently (hint: pg_advisory_lock)."""
    async with pool.connection() as conn:
        # TODO: create your tables here.
        await conn.execute("SELECT 1")


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.db = AsyncConnectionPool(config["database_url"], open=False)
    await app.state.db.open()
    # Calls to the three services: set a timeout on every one (a service may hang).
    app.state.http = httpx.AsyncClient(timeout=httpx.Timeout(2.0))
    await migrate(app.state.db)
    yield
    # SIGTERM: uvicorn stops taking requests and finishes those in flight; then the pools close.
    await app.state.http.aclose()
    await app.state.db.close()


app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


@app.exception_handler(ApiError)
async def api_error(_: Request, e: ApiError):
    return error(e.status, e.code, e.message)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, e: StarletteHTTPException):
    if e.status_code == 404:
        return error(404, "not_found", f"no route for {request.method} {request.url.path}")
    return error(e.status_code, "http_error", str(e.detail))


@app.exception_handler(RequestValidationError)
async def invalid(_: Request, e: RequestValidationError):
    return error(400, "invalid_request", "the request is not valid")


@app.exception_handler(Exception)
async def internal(_: Request, e: Exception):
    print(f"internal error: {e!r}", file=sys.stderr)
    return error(500, "internal", "internal error")


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


def not_implemented():
    raise ApiError(501, "not_implemented", "not implemented yet")


# POST /orders {sku, quantity, amountCents, address} + Idempotency-Key → 202 {orderId, status} | 400 | 422
@app.post("/orders")
async def create_order():
    not_implemented()


# GET /orders/{id} → 200 {orderId, status, steps} | 404
@app.get("/orders/{order_id}")
async def order(order_id: str):
    not_implemented()


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=config["port"], log_level="warning", timeout_graceful_shutdown=4)
