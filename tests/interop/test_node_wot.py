"""Eclipse Thingweb node-wot, a real W3C WoT Consumer, drives thingreg through its own TD.

``node_wot_client.mjs`` fetches ``/.well-known/wot``, consumes it and from then on drives the
directory through the TD's affordances (plus a few plain-HTTP set-up writes); it prints which
interactions worked, and the tests here judge that summary. node-wot comes from the npm
registry, pinned in ``PACKAGES`` and installed once into ``.cache/node-wot`` at the repository
root. Without ``node`` and ``npm`` on PATH the tests skip.

Some interactions fail because of node-wot itself, not thingreg; they are listed in
``NODE_WOT_LIMITATIONS`` with the exact error expected, and reported as xfail. Such a test
fails when the interaction fails differently, and also when it starts to work, so that the
list never outlives the problem.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ADMIN_TOKEN
from tests.support import start_server, stop_server

REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "node-wot"
SCRIPT = Path(__file__).with_name("node_wot_client.mjs")

# wot-thing-description-types is node-wot's TD JSON Schema. @node-wot/core 0.9.2 asks for
# "^1.1.0-12-March-2025", but that package's date-named pre-release versions compare as
# strings, so npm resolves the range to 1.1.0-27-September-2021, whose schema rejects the TD
# 1.1 @context outright (every TD 1.1 fails WoT.requestThingDescription). Installing the 2025
# version at the top level makes npm use it for node-wot too.
PACKAGES = {
    "@node-wot/core": "0.9.2",
    "@node-wot/binding-http": "0.9.2",
    "wot-thing-description-types": "1.1.0-12-March-2025",
}

NPM_TIMEOUT = 600.0
SCRIPT_TIMEOUT = 180.0

EXPECTED_TO_WORK = (
    "requestThingDescription",
    "consume",
    "subscribeEvent",
    "subscribeEventNamedSse",
    "createThingInvalidRejected",
    "retrieveThing",
    "readProperty",
    "readPropertyPaged",
    "readPropertyCollection",
    "searchJSONPath",
    "consumeRetrievedThing",
    "exploreDirectory",
    "eventReceivedNamedSse",
    # The actions that change the directory: they answer with no body, typed application/x-empty.
    "createThing",
    "createAnonymousThing",
    "updateThing",
    "partiallyUpdateThing",
    "deleteThing",
)

# name -> (regex the error must match, why).
NODE_WOT_LIMITATIONS = {
    "eventReceived": (
        r"^no thingCreated event for ",
        "node-wot 0.9.2's SSE client only listens for unnamed events (EventSource.onmessage), "
        "while WoT Discovery sends typed ones (event: thing_created); it would also reject the "
        "data for not matching the form's response.contentType text/event-stream",
    ),
}


def _installed_version(name: str) -> str | None:
    manifest = CACHE / "node_modules" / name / "package.json"
    try:
        version: str = json.loads(manifest.read_text())["version"]
    except (OSError, ValueError, KeyError):
        return None
    return version


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The pinned node-wot packages, installed into the cache when not there yet."""
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("node and npm are needed to run node-wot, and are not on PATH")
    if any(_installed_version(name) != version for name, version in PACKAGES.items()):
        CACHE.mkdir(parents=True, exist_ok=True)
        specs = [f"{name}@{version}" for name, version in PACKAGES.items()]
        command = [npm, "install", "--no-audit", "--no-fund", "--save-exact", "--prefix"]
        result = subprocess.run(
            [*command, str(CACHE), *specs],
            capture_output=True,
            text=True,
            timeout=NPM_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            pytest.fail(f"npm install {' '.join(specs)} failed:\n{result.stderr[-4000:]}")
    return CACHE / "node_modules"


@pytest.fixture(scope="module")
def summary(node_modules: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the node-wot client once against a fresh server and return its summary."""
    node = shutil.which("node")
    assert node is not None
    # Things are made public so that node-wot's anonymous reads (nosec forms) see them.
    server = start_server(
        tmp_path_factory.mktemp("node-wot") / "data", THINGREG_DEFAULT_VISIBILITY="public"
    )
    try:
        result = subprocess.run(
            [node, str(SCRIPT), server.url, ADMIN_TOKEN],
            capture_output=True,
            text=True,
            timeout=SCRIPT_TIMEOUT,
            env={**os.environ, "NODE_PATH": str(node_modules)},
            check=False,
        )
    finally:
        stop_server(server)
    try:
        parsed: dict[str, Any] = json.loads(result.stdout)
    except ValueError:
        pytest.fail(
            f"the node-wot client exited with {result.returncode} and no summary:\n"
            f"{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
        )
    return parsed


def test_node_wot_uses_the_pinned_packages(summary: dict[str, Any]) -> None:
    assert summary["packages"] == PACKAGES


def test_every_interaction_is_accounted_for(summary: dict[str, Any]) -> None:
    assert sorted(summary["interactions"]) == sorted([*EXPECTED_TO_WORK, *NODE_WOT_LIMITATIONS])


@pytest.mark.parametrize("name", EXPECTED_TO_WORK)
def test_interaction_works(summary: dict[str, Any], name: str) -> None:
    result = summary["interactions"].get(name)
    assert result is not None, f"the client did not report {name}"
    assert result["ok"], f"{name}: {result.get('error')}"
    if "effective" in result:  # a write: the directory really changed
        assert result["effective"], f"{name} did not change the directory"


@pytest.mark.parametrize("name", NODE_WOT_LIMITATIONS)
def test_known_node_wot_limitation(summary: dict[str, Any], name: str) -> None:
    pattern, why = NODE_WOT_LIMITATIONS[name]
    result = summary["interactions"].get(name)
    assert result is not None, f"the client did not report {name}"
    if result["ok"]:
        pytest.fail(f"{name} works now: move it from NODE_WOT_LIMITATIONS to EXPECTED_TO_WORK")
    assert re.search(pattern, result["error"]), f"{name} failed differently: {result['error']}"
    pytest.xfail(why)


def test_the_directory_td_offers_every_affordance(summary: dict[str, Any]) -> None:
    seen = summary["interactions"]["requestThingDescription"].get("detail") or {}
    assert seen.get("properties") == ["things"]
    assert set(seen.get("actions", ())) == {
        "createThing",
        "createAnonymousThing",
        "retrieveThing",
        "updateThing",
        "partiallyUpdateThing",
        "deleteThing",
        "searchJSONPath",
    }
    assert set(seen.get("events", ())) == {"thingCreated", "thingUpdated", "thingDeleted"}
