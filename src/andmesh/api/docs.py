"""The API's docs page, served offline: Swagger UI from the `swagger-ui-bundle` package.

FastAPI's own /docs loads Swagger UI from a CDN and starts it with an inline script; neither
works offline nor under a Content-Security-Policy of ``'self'``. Here the assets come from the
installed package and the start-up script is a file of ours, with the online validator off.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, HTMLResponse, Response

from andmesh.errors import NotFound

ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
BASE = "/api/v1/docs"

PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>andmesh API</title>
<link rel="stylesheet" href="{BASE}/assets/swagger-ui.css">
<link rel="icon" type="image/png" href="{BASE}/assets/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{BASE}/assets/swagger-ui-bundle.js"></script>
<script src="{BASE}/assets/start.js"></script>
</body>
</html>
"""

# validatorUrl: null, or Swagger UI sends the spec to an online validator.
START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    persistAuthorization: false
  });
});
"""


def assets_dir() -> Path:
    from swagger_ui_bundle import swagger_ui_path

    return Path(str(swagger_ui_path))


router = APIRouter(include_in_schema=False)


@router.get(BASE)
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE)


@router.get(BASE + "/assets/start.js")
def start_script() -> Response:
    return Response(START, media_type="text/javascript")


@router.get(BASE + "/assets/{name}")
def asset(name: str) -> FileResponse:
    if name not in ASSETS:  # a fixed list: no path from the request reaches the file system
        raise NotFound(f"no docs asset `{name}`")
    return FileResponse(assets_dir() / name)
