"""Which parser reads a recorded document, told from the document itself (for `policy simulate` over a folder)."""

from __future__ import annotations

from collections.abc import Mapping

from contextfeed.sources.documents import DocumentError, load_json, local_name, namespace, parse_xml, without_boms

_CAP_NAMESPACE = "urn:oasis:names:tc:emergency:cap"
_GDACS_NAMESPACE = "gdacs"


def document_kind(body: bytes) -> str:
    """The source kind of a document (cap, nws, usgs, gdacs, fema, rss); DocumentError when none reads it."""
    text = without_boms(body).lstrip()
    if text[:1] == b"<" or text[:2] in (b"\xff\xfe", b"\xfe\xff") or text[:4] == b"\x00\x00\x00<":
        return _xml_kind(body)
    return _json_kind(load_json(body))


def _xml_kind(body: bytes) -> str:
    """cap for CAP alerts and indexes of them, gdacs for GDACS RSS, rss for any other feed."""
    root = parse_xml(body).root
    name = local_name(root)
    if name in ("alert", "alerts"):
        return "cap"
    if name not in ("feed", "rss", "RDF"):
        raise DocumentError(f"not an alert or a feed: root element <{name}>")
    namespaces = {namespace(element) for element in root.iter()}
    if any(uri.startswith(_CAP_NAMESPACE) for uri in namespaces):
        return "cap"
    if any(_GDACS_NAMESPACE in uri for uri in namespaces):
        return "gdacs"
    return "rss"


def _json_kind(data: object) -> str:
    """usgs for earthquake GeoJSON, nws for api.weather.gov alerts, fema for OpenFEMA declarations."""
    if isinstance(data, Mapping) and "DisasterDeclarationsSummaries" in data:
        return "fema"
    features = data.get("features") if isinstance(data, Mapping) else None
    if isinstance(features, list):
        properties = [f.get("properties") for f in features if isinstance(f, Mapping)]
        if any(isinstance(p, Mapping) and "mag" in p for p in properties):
            return "usgs"
        if any(isinstance(p, Mapping) and ("event" in p or "areaDesc" in p) for p in properties):
            return "nws"
        if isinstance(data, Mapping) and isinstance(data.get("metadata"), Mapping):
            return "usgs"  # an earthquake feed with no earthquakes in it
        return "nws"
    raise DocumentError("JSON that is neither GeoJSON alerts or earthquakes nor OpenFEMA declarations")
