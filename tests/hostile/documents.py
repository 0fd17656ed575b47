"""Hostile but well-formed CAP alerts, written the way the tester of issue 20 wrote them (CAP 1.2 fields only)."""

from __future__ import annotations

import json
from pathlib import Path

ACCOUNTS_HEADER = "account_id,name,phone,address,city,region,postal_code,country,lat,lon\n"


def cap_alert(
    *,
    identifier: str = "TEST-1",
    sender: str = "alerts@example.gov",
    msg_type: str = "Alert",
    status: str = "Actual",
    references: str = "",
    polygon: str = "",
    circle: str = "",
    sent: str = "2024-05-01T12:00:00Z",
    expires: str = "2024-05-02T12:00:00Z",
) -> str:
    """A CAP 1.2 Extreme/Immediate/Observed shelter warning over the given polygon and/or circle."""
    shapes = (f"<polygon>{polygon}</polygon>" if polygon else "") + (f"<circle>{circle}</circle>" if circle else "")
    refs = f"<references>{references}</references>" if references else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>{sender}</sender><sent>{sent}</sent>
  <status>{status}</status><msgType>{msg_type}</msgType><scope>Public</scope>{refs}
  <info>
    <category>Met</category><event>Tropical Cyclone Warning</event><responseType>Shelter</responseType>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <effective>{sent}</effective><expires>{expires}</expires>
    <senderName>Test Meteorological Service</senderName><headline>Shelter now</headline>
    <area><areaDesc>Warned area</areaDesc>{shapes}</area>
  </info>
</alert>
"""


def write(path: Path, text: str) -> Path:
    """Write `text` to `path` and return the path."""
    path.write_text(text, encoding="utf-8")
    return path


def flagged(cli, *, at: str = "2024-05-01T13:00:00Z") -> dict[str, str]:
    """Account id -> strongest active flag level at `at`, as `contextfeed flags --json` prints them."""
    status, out, err = cli("flags", "--as-of", at, "--json")
    assert status == 0, err
    levels: dict[str, str] = {}
    for flag in json.loads(out):
        levels.setdefault(flag["account_id"], flag["level"])
    return levels
