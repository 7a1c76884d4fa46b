"""The zero-downtime Python starter: version 1 of the accounts service, working, and a naive
version 2 with a migration that does everything in one go. Making the change safe under traffic
(README R4-R10) is yours."""

import asyncio
import os
import re
import sys
from contextlib import asynccontextmanager

import psycopg
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from starlette.exceptions import HTTPException as StarletteHTTPException


def load_config() -> dict:
    """The validated environment, read once at start-up; a bad value stops the process."""
    env = os.environ
    problems = []
    port = env.get("PORT", "3000")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        problems.append("PORT: an integer from 1 to 65535 expected")
    if not env.get("DATABASE_URL"):
        problems.append("DATABASE_URL: required")
    version = env.get("APP_VERSION", "1")
    if version not in ("1", "2"):
        problems.append("APP_VERSION: 1 or 2")
    step = env.get("MIGRATION_STEP") or None
    if step not in (None, "expand", "backfill", "contract"):
        problems.append("MIGRATION_STEP: expand, backfill or contract")
    if problems:
        sys.exit(f"invalid environment: {'; '.join(problems)}")
    return {"port": int(port), "database_url": env["DATABASE_URL"], "version": int(version), "step": step}


config = load_config()

WORD = r"[A-Za-z'-]+"
FIRST_NAME = re.compile(rf"(?=.{{1,50}}$){WORD}( {WORD})*")
LAST_NAME = re.compile(r"[A-Za-z'-]{0,50}")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
ID = re.compile(r"[1-9][0-9]{0,15}")

# R2's split of a name, in SQL: the last name follows the last space.
SQL_FIRST = "regexp_replace({c}, ' [^ ]*$', '')"
SQL_LAST = "CASE WHEN strpos({c}, ' ') = 0 THEN '' ELSE regexp_replace({c}, '^.* ', '') END"


class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def join_names(first: str, last: str) -> str:
    return first if last == "" else f"{first} {last}"


def split_name(name: str) -> tuple[str, str]:
    first, space, last = name.rpartition(" ")
    return (first, last) if space else (name, "")


def account(row: dict) -> dict:
    if "name" in row and row.get("first_name") is None:
        first, last = split_name(row["name"])
    else:
        first, last = row["first_name"], row["last_name"]
    return {"id": row["id"], "email": row["email"], "first_name": first, "last_name": last, "name": join_names(first, last)}


def checked(body: object, partial: bool) -> dict:
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "a JSON object expected")
    allowed = {"email", "first_name", "last_name"}
    if set(body) - allowed:
        raise ApiError(400, "invalid_body", f"unknown fields: {', '.join(sorted(set(body) - allowed))}")
    rules = {"email": (EMAIL, 3, 254), "first_name": (FIRST_NAME, 1, 50), "last_name": (LAST_NAME, 0, 50)}
    for field, (pattern, low, high) in rules.items():
        if field not in body:
            if partial:
                continue
            raise ApiError(400, "invalid_body", f"{field} is required")
        v = body[field]
        if not isinstance(v, str) or not low <= len(v) <= high or not pattern.fullmatch(v):
            raise ApiError(400, "invalid_body", f"{field} is not valid (README R2)")
    if not partial and body["last_name"] == "" and " " in body["first_name"]:
        raise ApiError(400, "invalid_body", SPLITS_BACK)
    return body


SPLITS_BACK = "last_name may be empty only when first_name is one word (README R2)"


def id_of(raw: str) -> int:
    if not ID.fullmatch(raw):
        raise ApiError(400, "invalid_parameter", "id must be a positive integer")
    return int(raw)


async def create(conn, body: dict) -> dict:
    if config["version"] == 1:
        cur = await conn.execute(
            "INSERT INTO accounts (email, name) VALUES (%s, %s) RETURNING id, email, name",
            (body["email"], join_names(body["first_name"], body["last_name"])),
        )
    else:
        cur = await conn.execute(
            "INSERT INTO accounts (email, first_name, last_name) VALUES (%s, %s, %s) RETURNING id, email, first_name, last_name",
            (body["email"], body["first_name"], body["last_name"]),
        )
    return account(await cur.fetchone())


async def read(conn, account_id: int) -> dict | None:
    columns = "name" if config["version"] == 1 else "first_name, last_name"
    cur = await conn.execute(f"SELECT id, email, {columns} FROM accounts WHERE id = %s", (account_id,))
    row = await cur.fetchone()
    return account(row) if row else None


async def change(conn, account_id: int, body: dict) -> dict | None:
    params = (body.get("email"), body.get("first_name"), body.get("last_name"), account_id)
    if config["version"] == 1:
        first = f"coalesce(%(f)s::text, {SQL_FIRST.format(c='name')})"
        last = f"coalesce(%(l)s::text, {SQL_LAST.format(c='name')})"
        cur = await conn.execute(
            f"""UPDATE accounts SET email = coalesce(%(e)s, email),
                   name = CASE WHEN {last} = '' THEN {first} ELSE {first} || ' ' || {last} END,
                   updated_at = now()
                 WHERE id = %(id)s AND NOT ({last} = '' AND strpos({first}, ' ') > 0)
                 RETURNING id, email, name""",
            dict(zip(("e", "f", "l", "id"), params)),
        )
    else:
        cur = await conn.execute(
            """UPDATE accounts SET email = coalesce(%s, email), first_name = coalesce(%s, first_name),
                   last_name = coalesce(%s, last_name), updated_at = now()
                 WHERE id = %s AND NOT (coalesce(%s, last_name) = '' AND strpos(coalesce(%s, first_name), ' ') > 0)
                 RETURNING id, email, first_name, last_name""",
            (*params, body.get("last_name"), body.get("first_name")),
        )
    row = await cur.fetchone()
    if row:
        return account(row)
    # No row changed: no such account, or one the change would leave with names R2 refuses.
    cur = await conn.execute("SELECT 1 FROM accounts WHERE id = %s", (account_id,))
    if await cur.fetchone():
        raise ApiError(400, "invalid_body", SPLITS_BACK)
    return None


async def expand(conn) -> tuple[bool, str]:
    """The whole change in one go: it works on an empty table. On 2,000,000 rows under traffic, see the README."""
    async with conn.transaction():
        await conn.execute("ALTER TABLE accounts ADD COLUMN first_name text, ADD COLUMN last_name text NOT NULL DEFAULT ''")
        await conn.execute(
            f"UPDATE accounts SET first_name = {SQL_FIRST.format(c='name')}, last_name = {SQL_LAST.format(c='name')}"
        )
        await conn.execute("ALTER TABLE accounts ALTER COLUMN first_name SET NOT NULL, DROP COLUMN name")
    return True, "expand: first_name and last_name added and filled; name dropped"


async def backfill(conn) -> tuple[bool, str]:
    return True, "backfill: nothing to do"


async def contract(conn) -> tuple[bool, str]:
    return True, "contract: nothing to do"


async def run_step(step: str) -> int:
    """README R4: run one step, say what it did, and exit 0 when it is done."""
    async with await psycopg.AsyncConnection.connect(config["database_url"], autocommit=True) as conn:
        try:
            ok, said = await {"expand": expand, "backfill": backfill, "contract": contract}[step](conn)
        except psycopg.Error as e:
            ok, said = False, f"{step}: failed: {e}"
    print(said, flush=True)
    return 0 if ok else 1


@asynccontextmanager
async def lifespan(app: FastAPI):
    pool = AsyncConnectionPool(
        config["database_url"], min_size=1, max_size=10, open=False, kwargs={"autocommit": True, "row_factory": dict_row}
    )
    await pool.open(wait=True)
    app.state.pool = pool
    yield
    # SIGTERM: uvicorn stops taking requests and finishes those in flight; then the pool closes.
    await pool.close()


app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)


@app.exception_handler(ApiError)
async def api_error(_: Request, e: ApiError):
    return error(e.status, e.code, e.message)


@app.exception_handler(StarletteHTTPException)
async def http_error(request: Request, e: StarletteHTTPException):
    if e.status_code in (404, 405):
        return error(404, "not_found", f"no route {request.method} {request.url.path}")
    return error(e.status_code, "bad_request", str(e.detail))


@app.exception_handler(RequestValidationError)
async def invalid(_: Request, e: RequestValidationError):
    return error(400, "bad_request", "malformed request")


@app.exception_handler(Exception)
async def internal(_: Request, e: Exception):
    print(f"internal error: {e!r}", file=sys.stderr)
    return error(500, "internal", "internal error")


async def body_of(request: Request) -> object:
    try:
        return await request.json()
    except ValueError:
        raise ApiError(400, "bad_request", "the body is not JSON") from None


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


@app.post("/accounts")
async def post_account(request: Request):
    body = checked(await body_of(request), partial=False)
    async with request.app.state.pool.connection() as conn:
        try:
            made = await create(conn, body)
        except psycopg.errors.UniqueViolation:
            raise ApiError(409, "email_taken", "that email belongs to another account") from None
    return JSONResponse(made, status_code=201)


@app.get("/accounts/{raw_id}")
async def get_account(raw_id: str, request: Request):
    account_id = id_of(raw_id)
    async with request.app.state.pool.connection() as conn:
        found = await read(conn, account_id)
    if not found:
        raise ApiError(404, "not_found", f"no account {raw_id}")
    return found


@app.patch("/accounts/{raw_id}")
async def patch_account(raw_id: str, request: Request):
    account_id = id_of(raw_id)
    body = checked(await body_of(request), partial=True)
    async with request.app.state.pool.connection() as conn:
        try:
            found = await change(conn, account_id, body)
        except psycopg.errors.UniqueViolation:
            raise ApiError(409, "email_taken", "that email belongs to another account") from None
    if not found:
        raise ApiError(404, "not_found", f"no account {raw_id}")
    return found


if __name__ == "__main__":
    if config["step"]:
        sys.exit(asyncio.run(run_step(config["step"])))
    uvicorn.run(app, host="0.0.0.0", port=config["port"], log_level="warning", timeout_graceful_shutdown=4)
