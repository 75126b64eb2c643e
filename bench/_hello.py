"""A bare Litestar hello-world at GET /me under uvicorn: bench/users_me.py's baseline.

    python bench/_hello.py PORT

uvicorn runs it with the options the services run with (`switchyard.common.serving`). It does not call
`serve` itself, whose settings and imports (SQLAlchemy, FastStream, Redis, telemetry: ~75 MiB) would
make the baseline's memory a service's.
"""

from __future__ import annotations

import sys

import uvicorn
from litestar import Litestar, get

from switchyard.common.serving import UVICORN_OPTIONS


@get("/me")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


if __name__ == "__main__":
    uvicorn.run(Litestar(route_handlers=[hello]), host="127.0.0.1", port=int(sys.argv[1]), **UVICORN_OPTIONS)
