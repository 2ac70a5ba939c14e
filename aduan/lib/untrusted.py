"""Reading what other systems send, so that nothing in it can break a request later.

`json.loads` alone lets through what fails further on, as a 500 instead of a 400:
nesting deep enough to exhaust the stack (RecursionError), and escapes that are half of
a character ("\\ud800", which no database and no UTF-8 file can hold). And text from
any channel may carry C0 control characters: PostgreSQL refuses NUL, the XLSX export
cannot write the others, and no person typed them on purpose.
"""

from __future__ import annotations

import json
import re

# C0 controls but tab, line feed and carriage return; and lone halves of a character.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


class MalformedJSON(ValueError):
    pass


def json_from(body: bytes | str):
    """The JSON value in `body`, its text cleaned by `plain_text`; MalformedJSON (with a
    reason fit for the sender) when it is not JSON at all."""
    try:
        return _cleaned(json.loads(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedJSON("malformed JSON") from exc
    except RecursionError as exc:
        raise MalformedJSON("malformed JSON: nested too deeply") from exc


def plain_text(text: str) -> str:
    """`text` without control characters (but tab and line breaks) and without halves
    of characters: what a database, an export and a reader can all take."""
    return _UNWRITABLE.sub("", text) if _UNWRITABLE.search(text) else text


def _cleaned(value):
    if isinstance(value, str):
        return plain_text(value)
    if isinstance(value, list):
        return [_cleaned(item) for item in value]
    if isinstance(value, dict):
        return {plain_text(key): _cleaned(item) for key, item in value.items()}
    return value
