"""The table of supported identifier schemes, made from each module's own ``EXAMPLES``.

The README's identifier table is this table (a test compares them), so the documentation shows
exactly what the code does.
"""

from __future__ import annotations

from thingreg.core.ids import device_urn, did, gs1, mobile, tel, uri, uuid_oid
from thingreg.core.ids.analysis import analyse

FAMILIES = (
    ("UUID, OID", uuid_oid),
    ("RFC 9039 device URNs, MAC / EUI", device_urn),
    ("GS1 (GTIN, SSCC, GLN, EPC, Digital Link)", gs1),
    ("Mobile (IMEI, IMEISV, MEID, ESN, IMSI, ICCID)", mobile),
    ("E.164 telephone numbers", tel),
    ("W3C DIDs", did),
    ("Any other URI", uri),
)
PER_SCHEME = 2
"""Examples shown per scheme, to keep the table readable."""


def markdown_table() -> str:
    rows = ["| family | scheme | input | canonical |", "|---|---|---|---|"]
    for family, module in FAMILIES:
        shown: dict[str, int] = {}
        for text, canonical in module.EXAMPLES:
            scheme = analyse(text).readings[0].scheme
            if shown.get(scheme, 0) >= PER_SCHEME:
                continue
            shown[scheme] = shown.get(scheme, 0) + 1
            cell = text.replace("|", "\\|").replace("\x1d", "<GS>")
            rows.append(f"| {family} | `{scheme}` | `{cell}` | `{canonical}` |")
    return "\n".join(rows)
