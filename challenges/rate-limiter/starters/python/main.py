"""The rate limiter's Python starter: configuration from the environment, ready only once Redis
answers (R14), GET /healthz, the two routes of the README answering 501, errors in the one JSON
shape, and a graceful stop on SIGTERM (uvicorn's). The limiting is yours."""

import os
import sys
from contextlib import asynccontextmanager

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

    def positive(name: str, default: float) -> float:
        try:
            value = float(env.get(name, str(default)))
        except ValueError:
            value = -1
        if not value > 0:
            problems.append(f"{name}: a positive number expected")
        return value

    if not env.get("REDIS_URL"):
        problems.append("REDIS_URL: required")
    fail_mode = env.get("RATE_LIMIT_FAIL_MODE", "open")
    if fail_mode not in ("open", "closed"):
        problems.append("RATE_LIMIT_FAIL_MODE: open or closed")
    config = {
        "port": integer("PORT", 3000, 1, 65535),
        "redis_url": env.get("REDIS_URL", ""),
        "rate_limit": integer("RATE_LIMIT", 100, 1),
        "window_ms": integer("RATE_LIMIT_WINDOW_MS", 60_000, 1),
        "bucket_capacity": integer("BUCKET_CAPACITY", 20, 1),
        "refill_per_sec": positive("BUCKET_REFILL_PER_SEC", 5),
        "api_keys": {k.strip() for k in env.get("API_KEYS", "").split(",") if k.strip()},
        "trust_proxy": integer("TRUST_PROXY", 0, 0),
        "fail_mode": fail_mode,
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
    # Ready only once Redis answers: a budget served from a fresh local one while still
    # connecting would be wrong (R14).
    await app.state.redis.ping()
    yield
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


# GET /api/window/resource → 200 {ok: true, client} | 401 | 429 | 503 (sliding window)
@app.get("/api/window/resource")
async def window(request: Request):
    # request.client.host is the connecting address (R3): X-Forwarded-For is yours to read.
    not_implemented()


# GET /api/bucket/resource → 200 {ok: true, client} | 401 | 429 | 503 (token bucket)
@app.get("/api/bucket/resource")
async def bucket(request: Request):
    not_implemented()


if __name__ == "__main__":
    # proxy_headers=False: uvicorn would otherwise take the client's address from
    # X-Forwarded-For on connections from 127.0.0.1, which R3 leaves to TRUST_PROXY.
    uvicorn.run(
        app,
        host="0.0.0.0",
        port=config["port"],
        log_level="warning",
        proxy_headers=False,
        timeout_graceful_shutdown=4,
    )
