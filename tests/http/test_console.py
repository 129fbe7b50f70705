"""The console's page at ``/`` and its assets, in-process (the browser tests are in
tests/console/)."""

from __future__ import annotations

import re

import httpx


async def test_root_is_the_console_page(client: httpx.AsyncClient) -> None:
    response = await client.get("/", headers={"Accept": "text/html,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "script-src" not in response.headers["content-security-policy"]
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert '<html lang="en">' in response.text
    # Every asset the page names is served from the package, none from elsewhere.
    assets = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', response.text)
    assert assets
    for asset in assets:
        assert asset.startswith("/console/"), asset
        assert (await client.get(asset)).status_code == 200, asset


async def test_scripts_import_only_local_modules(client: httpx.AsyncClient) -> None:
    main = await client.get("/console/app.js")
    assert main.status_code == 200
    assert "javascript" in main.headers["content-type"]
    seen, todo = set(), ["app.js"]
    while todo:
        name = todo.pop()
        seen.add(name)
        text = (await client.get(f"/console/{name}")).text
        for specifier in re.findall(r'\bfrom\s+"([^"]+)"', text):
            assert specifier.startswith("./"), (name, specifier)
            if specifier[2:] not in seen:
                todo.append(specifier[2:])
        assert "import(" not in text
        assert not re.search(r"fetch\(\s*[\"'`]https?:", text), name
    assert len(seen) > 3


async def test_root_asked_for_json_goes_to_the_directory_td(client: httpx.AsyncClient) -> None:
    for accept in ("application/td+json", "application/json"):
        response = await client.get("/", headers={"Accept": accept})
        assert response.status_code == 303
        assert response.headers["location"] == "/.well-known/wot"
    assert (await client.get("/", headers={"Accept": "image/png"})).status_code == 406
    assert (await client.get("/.well-known/wot")).headers["content-type"] == "application/td+json"


async def test_unknown_asset_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get("/console/nope.js")).status_code == 404
