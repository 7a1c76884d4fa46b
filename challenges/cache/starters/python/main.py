"""The cache's Python starter: configuration from the environment, GET /healthz, the routes of the
README answering 501, errors in the one JSON shape, a client for the origin, and a graceful stop on
SIGTERM (uvicorn's). The caching is yours."""

import os
import sys
from contextlib import asynccontextmanager
from urllib.parse import urlparse

import httpx
import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException


def load_config() -> dict:
    """The validated environment, read once at start-up; a bad value stops the process."""
    env = os.environ
    problems = []

    def integer(name: str, default: int, low: int, high: int = 2**31) -> int:
        raw = env.get(name, str(default))
        if not raw.isdigit() or not low <= int(raw) <= high:
            problems.append(f"{name}: an integer from {low} expected")
            return default
        return int(raw)

    origin = env.get("ORIGIN_URL", "").rstrip("/")
    parsed = urlparse(origin)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        problems.append("ORIGIN_URL: a URL expected")
    if not env.get("REDIS_URL"):
        problems.append("REDIS_URL: required")
    config = {
        "port": integer("PORT", 3000, 1, 65535),
        "redis_url": env.get("REDIS_URL", ""),
        "origin_url": origin,
        "cache_ttl_ms": integer("CACHE_TTL_MS", 30_000, 1),
        "stale_ttl_ms": integer("STALE_TTL_MS", 60_000, 0),
        "negative_ttl_ms": integer("NEGATIVE_TTL_MS", 5_000, 1),
        "origin_max_concurrency": integer("ORIGIN_MAX_CONCURRENCY", 8, 1),
    }
    if problems:
        sys.exit(f"invalid environment: {'; '.join(problems)}")
    return config


config = load_config()


class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.redis = aioredis.from_url(config["redis_url"])
    # The origin is slow (100-300 ms) and may hang: every call needs a deadline of its own (R8).
    app.state.origin = httpx.AsyncClient(base_url=config["origin_url"], timeout=1.0)
    yield
    # SIGTERM: uvicorn stops taking requests and finishes those in flight; then the clients close.
    await app.state.origin.aclose()
    await app.state.redis.aclose()


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


# GET /products?ids=a,b,c → 200 {products, missing} | 400 | 503
@app.get("/products")
async def batch():
    not_implemented()


# GET /products/{id} → 200 product (ETag, Cache-Control) | 304 | 400 | 404 | 503
@app.get("/products/{id}")
async def product(id: str):
    not_implemented()


# PUT /products/{id} {name, priceCents} → 200 the new version | 400 | 404 | 503
@app.put("/products/{id}")
async def update(id: str):
    not_implemented()


# GET /me/recommendations (Authorization passed to the origin) → 200 | 401 | 503
@app.get("/me/recommendations")
async def recommendations():
    not_implemented()


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=config["port"], log_level="warning", timeout_graceful_shutdown=4)
