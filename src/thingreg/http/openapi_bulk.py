"""The OpenAPI description of bulk loading: ``POST /things:import`` and its answer."""

from __future__ import annotations

from thingreg.http.openapi_builders import UNAUTHORIZED, UNSUPPORTED, operation, problem
from thingreg.http.openapi_components import EXAMPLE_TD, JSON, JSONObject, schema_ref

NDJSON = "application/x-ndjson"


def paths() -> JSONObject:
    ndjson_example = "\n".join(
        [
            '{"@context": "https://www.w3.org/2022/wot/td/v1.1", "id": "urn:example:lamp-1", '
            '"title": "Lamp", "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}}, '
            '"security": "nosec_sc"}',
            '{"@context": "https://www.w3.org/2022/wot/td/v1.1", "id": "urn:example:lamp-2", '
            '"title": "Lamp 2", "securityDefinitions": {"nosec_sc": {"scheme": "nosec"}}, '
            '"security": "nosec_sc"}',
        ]
    )
    array = {"type": "array", "items": schema_ref("IdentifiedThingDescription")}
    importing = operation(
        "importThings",
        "things",
        "Create or replace many TDs (each with its id) from NDJSON or a JSON array; new things "
        "belong to the caller's owner",
        {
            "200": {
                "description": "Every TD of the body was handled; the answer counts them and "
                "describes each rejected one (a TD stored before is left unchanged)",
                "content": {JSON: {"schema": schema_ref("ImportResult")}},
            },
            "401": UNAUTHORIZED,
            "403": problem("Authenticated, but this key does not have the write scope"),
            "415": UNSUPPORTED,
            "503": problem(
                "The database failed mid-way: the batches answered before are committed; "
                "send the body again to finish (stored TDs stay unchanged)"
            ),
        },
        request_body={
            "description": "One TD per line (NDJSON), or one JSON array of TDs; streamed, "
            "committed in batches. A TD larger than a single registration may be is rejected.",
            "content": {
                NDJSON: {"schema": {"type": "string"}, "example": ndjson_example},
                JSON: {"schema": array, "example": [{**EXAMPLE_TD, "id": "urn:example:lamp-1"}]},
            },
        },
        write=True,
    )
    return {"/things:import": {"post": importing}}


def schemas() -> JSONObject:
    count = {"type": "integer", "minimum": 0}
    return {
        "ImportResult": {
            "type": "object",
            "required": [
                "created",
                "updated",
                "unchanged",
                "rejected",
                "lastLine",
                "rejections",
                "rejectionsNotShown",
            ],
            "properties": {
                "created": count,
                "updated": count,
                "unchanged": count,
                "rejected": count,
                "lastLine": count | {"description": "The last line of the body handled"},
                "rejections": {
                    "type": "array",
                    "description": "The first 1000 rejected TDs, in line order",
                    "items": {
                        "allOf": [
                            schema_ref("Problem"),
                            {
                                "type": "object",
                                "required": ["line"],
                                "properties": {
                                    "line": count | {"minimum": 1},
                                    "id": {"type": "string"},
                                },
                            },
                        ]
                    },
                },
                "rejectionsNotShown": count,
            },
        }
    }
