"""Calibration for the performance items when the submission is in Python: the limited routes as
a FastAPI service on uvicorn (the Python starter's stack) serves them, headers included, with no
limiter but the one Redis round trip a limiter shared by instances cannot avoid (an INCR, redis-py's
asyncio client), measured in the same run on the same machine as the candidate."""

import os

import redis.asyncio as redis
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

store = redis.from_url(os.environ["REDIS_URL"])
app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)


@app.get("/healthz")
async def healthz():
    return {"ok": True}


def unlimited(policy: str):
    headers = {
        "X-RateLimit-Limit": "1000000",
        "X-RateLimit-Remaining": "999999",
        "X-RateLimit-Reset": "1",
        "RateLimit-Policy": f'"{policy}";q=1000000;w=1',
        "RateLimit": f'"{policy}";r=999999;t=1',
    }

    async def resource(request: Request):
        await store.incr(f"baseline:{policy}")
        client = f"key:{request.headers.get('x-api-key', '')}"
        return JSONResponse({"ok": True, "client": client}, headers=headers)

    return resource


for policy in ("window", "bucket"):
    app.add_api_route(f"/api/{policy}/resource", unlimited(policy), methods=["GET"])


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(os.environ["PORT"]), log_level="warning", access_log=False)
