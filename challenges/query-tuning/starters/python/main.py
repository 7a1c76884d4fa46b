"""The query-tuning Python starter: configuration from the environment, GET /healthz once migrated,
every route of the README answering correctly (and slowly), errors in the one JSON shape, and a
graceful stop on SIGTERM (uvicorn's). Making it fast without changing one answer is yours."""

import base64
import binascii
import json
import os
import re
import sys
from contextlib import asynccontextmanager
from datetime import date, datetime, timedelta, timezone

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
    if problems:
        sys.exit(f"invalid environment: {'; '.join(problems)}")
    return {"port": int(port), "database_url": env["DATABASE_URL"]}


config = load_config()
MAX_SAFE_INTEGER = 2**53 - 1
MAX_RANGE_DAYS = 31


class ApiError(Exception):
    """An error with an HTTP status and a stable machine-readable code."""

    def __init__(self, status: int, code: str, message: str):
        self.status, self.code, self.message = status, code, message


def bad(message: str) -> ApiError:
    return ApiError(400, "invalid_parameter", message)


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def iso(t: datetime) -> str:
    """ISO 8601 in UTC with milliseconds, as README says (microseconds are cut, not rounded)."""
    t = t.astimezone(timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def like_prefix(s: str) -> str:
    """`%`, `_` and the escape character itself match literally in a LIKE pattern."""
    return re.sub(r"([\\%_])", r"\\\1", s) + "%"


def ascii_lower(s: str) -> str:
    """Lower-cases A-Z only (R4): names are ASCII, and a query's other letters match nothing."""
    return re.sub(r"[A-Z]", lambda m: m.group(0).lower(), s)


def single(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise bad(f"{name} given more than once")
    return values[0] if values else None


def limit_of(request: Request, default: int, high: int) -> int:
    raw = single(request, "limit")
    if raw is None:
        return default
    if not re.fullmatch(r"[0-9]{1,3}", raw) or not 1 <= int(raw) <= high:
        raise bad(f"limit must be an integer from 1 to {high}")
    return int(raw)


def parse_day(raw: str | None, name: str) -> date:
    if raw is None or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", raw):
        raise bad(f"{name} must be a date YYYY-MM-DD")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise bad(f"{name} is not a date") from None


def cursor_of(at: str, order_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps([at, order_id]).encode()).decode().rstrip("=")


def key_of(cursor: str) -> tuple[str, int]:
    try:
        if len(cursor) > 200:
            raise ValueError
        at, order_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(at, str) or not re.fullmatch(
            r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?\+00", at
        ):
            raise ValueError
        if type(order_id) is not int or not 1 <= order_id <= MAX_SAFE_INTEGER:
            raise ValueError
        return at, order_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise bad("malformed cursor") from None


def positive_id(v) -> bool:
    return type(v) is int and 1 <= v <= MAX_SAFE_INTEGER or (
        type(v) is float and v.is_integer() and 1 <= v <= MAX_SAFE_INTEGER
    )


def migrations() -> list[str]:
    """Run before the service listens, on every instance (two start at once). The shop's tables
    exist already, with primary keys only; schema changes of yours go here."""
    return []


@asynccontextmanager
async def lifespan(app: FastAPI):
    # Autocommit: a lone query is one statement, not BEGIN, the query and COMMIT (R6 counts all three).
    pool = AsyncConnectionPool(
        config["database_url"],
        min_size=1,
        max_size=20,
        open=False,
        kwargs={"autocommit": True, "row_factory": dict_row},
    )
    await pool.open(wait=True)
    async with pool.connection() as conn:
        for statement in migrations():
            await conn.execute(statement)
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


@app.get("/healthz")
async def healthz():
    return {"status": "ok"}


async def product_by_id(conn, product_id: int) -> dict | None:
    cur = await conn.execute("SELECT * FROM products WHERE id = %s", (product_id,))
    return await cur.fetchone()


async def with_items(conn, o: dict) -> dict:
    cur = await conn.execute("SELECT * FROM order_items WHERE order_id = %s ORDER BY line_no", (o["id"],))
    lines = []
    for it in await cur.fetchall():
        p = await product_by_id(conn, it["product_id"])
        lines.append(
            {
                "line_no": it["line_no"],
                "product_id": it["product_id"],
                "product_name": p["name"],
                "quantity": it["quantity"],
                "unit_price_cents": it["unit_price_cents"],
                "line_total_cents": it["quantity"] * it["unit_price_cents"],
            }
        )
    return {
        "id": o["id"],
        "customer_id": o["customer_id"],
        "status": o["status"],
        "created_at": iso(o["created_at"]),
        "total_cents": sum(line["line_total_cents"] for line in lines),
        "items": lines,
    }


# GET /customers/{id}/orders?limit&cursor → 200 {data, next_cursor} | 400 | 404 (R1)
@app.get("/customers/{customer_id}/orders")
async def customer_orders(customer_id: str, request: Request):
    if not re.fullmatch(r"[1-9][0-9]{0,15}", customer_id):
        raise ApiError(404, "not_found", f"no customer {customer_id}")
    limit = limit_of(request, 20, 50)
    raw_cursor = single(request, "cursor")
    after = None if raw_cursor is None else key_of(raw_cursor)
    async with request.app.state.pool.connection() as conn:
        cur = await conn.execute("SELECT * FROM customers WHERE id = %s", (int(customer_id),))
        if not await cur.fetchone():
            raise ApiError(404, "not_found", f"no customer {customer_id}")
        cur = await conn.execute(
            """SELECT *, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00' AS k
               FROM orders WHERE customer_id = %s ORDER BY created_at DESC, id DESC""",
            (int(customer_id),),
        )
        rows = await cur.fetchall()
        # The text keys sort as the timestamps do.
        if after:
            rows = [o for o in rows if o["k"] < after[0] or (o["k"] == after[0] and o["id"] < after[1])]
        page = rows[:limit]
        data = [await with_items(conn, o) for o in page]
    more = len(rows) > limit
    return {"data": data, "next_cursor": cursor_of(page[-1]["k"], page[-1]["id"]) if more else None}


# GET /customers?country&after_id&limit → 200 {data, next_after_id} | 400 (R2)
@app.get("/customers")
async def customers(request: Request):
    country = single(request, "country")
    if country is None or not re.fullmatch(r"[A-Z]{2}", country):
        raise bad("country must be two capital letters")
    limit = limit_of(request, 20, 100)
    raw = single(request, "after_id")
    if raw is not None and not re.fullmatch(r"0|[1-9][0-9]{0,15}", raw):
        raise bad("after_id must be an integer ≥ 0")
    after_id = int(raw) if raw is not None else 0
    async with request.app.state.pool.connection() as conn:
        cur = await conn.execute(
            "SELECT * FROM customers WHERE country = %s AND id > %s ORDER BY id LIMIT %s",
            (country, after_id, limit),
        )
        data = []
        for c in await cur.fetchall():
            s = await conn.execute(
                "SELECT count(*)::int AS n, max(created_at) AS last FROM orders WHERE customer_id = %s",
                (c["id"],),
            )
            stats = await s.fetchone()
            data.append(
                {
                    "id": c["id"],
                    "name": c["name"],
                    "email": c["email"],
                    "order_count": stats["n"],
                    "last_order_at": iso(stats["last"]) if stats["last"] else None,
                }
            )
    return {"data": data, "next_after_id": data[-1]["id"] if len(data) == limit else None}


# GET /reports/top-products?from&to&limit → 200 {from, to, data} | 400 (R3)
@app.get("/reports/top-products")
async def top_products(request: Request):
    raw_from, raw_to = single(request, "from"), single(request, "to")
    first, last = parse_day(raw_from, "from"), parse_day(raw_to, "to")
    days = (last - first).days + 1
    if days < 1:
        raise bad("from must not be after to")
    if days > MAX_RANGE_DAYS:
        raise bad(f"the range spans at most {MAX_RANGE_DAYS} days")
    limit = limit_of(request, 10, 100)
    start = datetime(first.year, first.month, first.day, tzinfo=timezone.utc)
    until = datetime(last.year, last.month, last.day, tzinfo=timezone.utc) + timedelta(days=1)
    async with request.app.state.pool.connection() as conn:
        cur = await conn.execute(
            """SELECT oi.*, o.status FROM orders o JOIN order_items oi ON oi.order_id = o.id
               WHERE o.created_at >= %s AND o.created_at < %s""",
            (start, until),
        )
        totals: dict[int, list[int]] = {}
        for r in await cur.fetchall():
            if r["status"] == "cancelled":
                continue
            t = totals.setdefault(r["product_id"], [0, 0])
            t[0] += r["quantity"]
            t[1] += r["quantity"] * r["unit_price_cents"]
        top = sorted(totals.items(), key=lambda kv: (-kv[1][1], kv[0]))[:limit]
        data = []
        for product_id, (units, revenue) in top:
            p = await product_by_id(conn, product_id)
            data.append({"product_id": product_id, "name": p["name"], "units": units, "revenue_cents": revenue})
    return {"from": raw_from, "to": raw_to, "data": data}


# GET /products/search?q&limit → 200 {data} | 400 (R4)
@app.get("/products/search")
async def search(request: Request):
    q = single(request, "q")
    if q is None or not 1 <= len(q) <= 50 or "\x00" in q:
        raise bad("q must be 1 to 50 characters")
    limit = limit_of(request, 20, 100)
    async with request.app.state.pool.connection() as conn:
        cur = await conn.execute(
            """SELECT * FROM products WHERE name ILIKE %s ORDER BY lower(name) COLLATE "C", id LIMIT %s""",
            (like_prefix(ascii_lower(q)), limit),
        )
        rows = await cur.fetchall()
    return {"data": [{"id": r["id"], "name": r["name"], "price_cents": r["price_cents"]} for r in rows]}


# POST /orders {customer_id, items: [{product_id, quantity}]} → 201 order | 400 | 422 (R5)
@app.post("/orders")
async def place_order(request: Request):
    try:
        body = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_request", "malformed request body") from None
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(body, dict) or not positive_id(body.get("customer_id")):
        raise bad("customer_id must be a positive integer")
    if not isinstance(items, list) or not 1 <= len(items) <= 20:
        raise bad("items must hold 1 to 20 items")
    for it in items:
        if not isinstance(it, dict) or not positive_id(it.get("product_id")):
            raise bad("product_id must be a positive integer")
        q = it.get("quantity")
        if not ((type(q) is int or (type(q) is float and q.is_integer())) and 1 <= q <= 100):
            raise bad("quantity must be an integer from 1 to 100")
    customer_id = int(body["customer_id"])
    wanted = [(int(it["product_id"]), int(it["quantity"])) for it in items]
    async with request.app.state.pool.connection() as conn:
        async with conn.transaction():
            cur = await conn.execute("SELECT * FROM customers WHERE id = %s", (customer_id,))
            if not await cur.fetchone():
                raise ApiError(422, "unknown_customer", f"no customer {customer_id}")
            products = []
            for product_id, _ in wanted:
                p = await product_by_id(conn, product_id)
                if not p:
                    raise ApiError(422, "unknown_product", "an item names no product")
                products.append(p)
            cur = await conn.execute(
                """INSERT INTO orders (customer_id, status, created_at)
                   VALUES (%s, 'placed', date_trunc('milliseconds', now())) RETURNING *""",
                (customer_id,),
            )
            order = await cur.fetchone()
            for n, ((product_id, quantity), p) in enumerate(zip(wanted, products)):
                await conn.execute(
                    "INSERT INTO order_items VALUES (%s, %s, %s, %s, %s)",
                    (order["id"], n + 1, product_id, quantity, p["price_cents"]),
                )
        placed = await with_items(conn, order)
    return JSONResponse(placed, status_code=201)


if __name__ == "__main__":
    uvicorn.run(app, host="0.0.0.0", port=config["port"], log_level="warning", timeout_graceful_shutdown=4)
