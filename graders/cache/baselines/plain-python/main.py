"""Calibration for the performance items when the submission is in Python: the product route as a
FastAPI service on uvicorn (the Python starter's stack) serves it from Redis with nothing around it,
one GET per request (redis-py's asyncio client) and the stored JSON sent as it is, measured in the
same run on the same machine as the candidate."""

import json
import os

import redis.asyncio as redis
import uvicorn
from fastapi import FastAPI
from fastapi.responses import Response

store = redis.from_url(os.environ["REDIS_URL"])
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
HEADERS = {"Cache-Control": "public, max-age=1", "ETag": '"1"'}


@app.get("/healthz")
async def healthz():
    return {"ok": True}


@app.get("/products/{id}")
async def product(id: str):
    key = f"baseline:{id}"
    body = await store.get(key)
    if body is None:
        body = json.dumps({"id": id, "name": f"Product {id}", "priceCents": 1999, "version": 1}).encode()
        await store.set(key, body, px=600_000)
    return Response(body, media_type="application/json", headers=HEADERS)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)
