"""Calibration for the performance items when the submission is in Python: the least a FastAPI
service on uvicorn (the Python starter's stack) does per redirect, one Redis GET with redis-py's
asyncio client, measured in the same run on the same machine as the candidate."""

import os

import redis.asyncio as redis
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

store = redis.from_url(os.environ["REDIS_URL"])
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/healthz")
async def healthz():
    return {"ok": True}


@app.post("/__seed")
async def seed(request: Request):
    entries = await request.json()
    for code, url in entries.items():
        await store.set(f"baseline:{code}", url)
    return JSONResponse({"seeded": len(entries)})


@app.get("/{code}")
async def redirect(code: str):
    url = await store.get(f"baseline:{code}")
    if url is None:
        return Response(status_code=404)
    return Response(status_code=302, headers={"Location": url.decode()})


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)
