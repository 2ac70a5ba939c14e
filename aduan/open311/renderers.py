"""Rendering plain dicts and lists as GeoReport v2 JSON or XML.

The XML follows the spec's examples: a list is an element whose children all carry the
singular name the spec gives them (<services><service>, <service_requests><request>, and
FixMyStreet's <service_request_updates><request_update>), booleans are "true"/"false" and
a missing value is an empty element.
"""

from __future__ import annotations

import json
import re
from xml.etree import ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {
    "json": "application/json; charset=utf-8",
    "xml": "text/xml; charset=utf-8",
}

# Characters XML 1.0 cannot carry at all; report text from SMS or email may hold them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# The element name of each item of a list, by the list's own element name.
ITEM_NAMES = {
    "services": "service",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "notes": "note",
}


def render(data, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    """Answer with `data` in `fmt`; `root` names the XML document element."""
    body = to_xml(root, data) if fmt == "xml" else json.dumps(data, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    text = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + text).encode()


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        item_name = ITEM_NAMES[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = NOT_XML.sub("", str(value))


def errors(fmt: str, status: int, *descriptions: str) -> HttpResponse:
    body = [{"code": status, "description": str(text)} for text in descriptions]
    return render(body, fmt=fmt, root="errors", status=status)
