"""The JWT auth service's Python starter: configuration from the environment, the schema migrated
on start (safely, as several instances start at once), GET /healthz, the routes of the README
answering 501, errors in the one JSON shape, and a graceful stop on SIGTERM (uvicorn's). The rest
is yours: PyJWT is here for tokens, and hashlib.scrypt (standard library) hashes passwords
without a native build."""

import os
import sys
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg_pool import AsyncConnectionPool
from starlette.exceptions import HTTPException as StarletteHTTPException


def load_config() -> dict:
    """The validated environment, read once at start-up; a bad value stops the process."""
    env = os.environ
    problems = [
        f"{name}: required"
        for name in ("DATABASE_URL", "REDIS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "ADMIN_EMAIL")
        if not env.get(name)
    ]
    if len(env.get("JWT_SECRET", "")) < 32:
        problems.append("JWT_SECRET: at least 32 characters")
    if len(env.get("ADMIN_PASSWORD", "")) < 8:
        problems.append("ADMIN_PASSWORD: at least 8 characters")

    def integer(name: str, default: int, low: int = 1, high: int = 2**31) -> int:
        raw = env.get(name, str(default))
        if not raw.isdigit() or not low <= int(raw) <= high:
            problems.append(f"{name}: an integer from {low} expected")
            return default
        return int(raw)

    config = {
        "port": integer("PORT", 3000, 1, 65535),
        "database_url": env.get("DATABASE_URL", ""),
        "redis_url": env.get("REDIS_URL", ""),
        "jwt_secret": env.get("JWT_SECRET", ""),
        "jwt_issuer": env.get("JWT_ISSUER", ""),
        "jwt_audience": env.get("JWT_AUDIENCE", ""),
        "access_ttl": integer("ACCESS_TOKEN_TTL_SECONDS", 900),
        "refresh_ttl": integer("REFRESH_TOKEN_TTL_SECONDS", 1_209_600),
        "admin_email": env.get("ADMIN_EMAIL", ""),
        "admin_password": env.get("ADMIN_PASSWORD", ""),
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


async def migrate(pool: AsyncConnectionPool) -> None:
    """Create or update the schema, and the admin account of R9. Several instances start at once
    against the same database, so this must be safe to run concurrently (hint: pg_advisory_lock)."""
    async with pool.connection() as conn:
        # TODO: create your tables here.
        await conn.execute("SELECT 1")


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.db = AsyncConnectionPool(config["database_url"], open=False)
    await app.state.db.open()
    app.state.redis = aioredis.from_url(config["redis_url"])
    await migrate(app.state.db)
    yield
    # SIGTERM: uvicorn stops taking requests and finishes those in flight; then the pools close.
    await app.state.db.close()
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


# POST /auth/register {email, password} → 201 {id, email, role} | 400 | 409
@app.post("/auth/register")
async def register():
    not_implemented()


# POST /auth/login {email, password} → 200 {accessToken, refreshToken, expiresIn} | 400 | 401 | 429
@app.post("/auth/login")
async def login():
    not_implemented()


# POST /auth/refresh {refreshToken} → 200 {accessToken, refreshToken, expiresIn} | 400 | 401
@app.post("/auth/refresh")
async def refresh():
    not_implemented()


# POST /auth/logout (Bearer) → 204 | 401 | 503
@app.post("/auth/logout")
async def logout():
    not_implemented()


# GET /me (Bearer) → 200 {id, email, role} | 401 | 503
@app.get("/me")
async def me():
    not_implemented()


# GET /admin/users (Bearer, admin) → 200 [{id, email, role}] | 401 | 403 | 503
@app.get("/admin/users")
async def admin_users():
    not_implemented()


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=config["port"], log_level="warning", timeout_graceful_shutdown=4)
