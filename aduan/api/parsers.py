"""The REST API's JSON parser: DRF's, plus the two bodies it would let through to fail
later as a 500 — nesting deep enough to exhaust the stack, and text holding half of a
character ("\\ud800"), which no database can store."""

from __future__ import annotations

import json

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
            json.dumps(data, ensure_ascii=False).encode()
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply") from None
        except UnicodeEncodeError:
            raise ParseError("JSON parse error - a text holds half of a character") from None
        return data
