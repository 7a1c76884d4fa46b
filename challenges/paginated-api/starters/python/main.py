"""The paginated API's Python starter: configuration from the environment, a pool on the database
the grader has already filled (README: "The table"), GET /healthz, the routes of the README
answering 501, errors in the one JSON shape, and a graceful stop on SIGTERM (uvicorn's). The rest
is yours."""

import os
import sys
from contextlib import asynccontextmanager

import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool
from starlette.exceptions import HTTPException as StarletteHTTPException


def load_config() -> dict:
    """The validated environment, read once at start-up; a bad value stops the process."""
    problems = [] if os.environ.get("DATABASE_URL") else ["DATABASE_URL: required"]
    port = os.environ.get("PORT", "3000")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        problems.append("PORT: not a port number")
    if problems:
        sys.exit(f"invalid environment: {'; '.join(problems)}")
    return {"port": int(port), "database_url": os.environ["DATABASE_URL"]}


config = load_config()


class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def migrate(pool: AsyncConnectionPool) -> None:
    """Your indexes (the table is the grader's). Two instances start at once against the same
    database, so this must be safe to run concurrently (hint: CREATE INDEX IF NOT EXISTS)."""
    async with pool.connection() as conn:
        # TODO: create your indexes here.
        await conn.execute("SELECT 1")


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.db = AsyncConnectionPool(config["database_url"], open=False)
    await app.state.db.open()
    await migrate(app.state.db)
    yield
    # SIGTERM: uvicorn stops taking requests and finishes those in flight; then the pool closes.
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


# GET /api/v1/products?limit=&cursor=&sort=&order=&category=&fields=
#   → 200 {data: [item…], page: {nextCursor, hasMore}} + Link rel="next" | 400
@app.get("/api/v1/products")
async def products():
    not_implemented()


# GET /api/v1/products/{id} → 200 item | 404 | 400
@app.get("/api/v1/products/{product_id}")
async def product(product_id: str):
    not_implemented()


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=config["port"], log_level="warning", timeout_graceful_shutdown=4)
