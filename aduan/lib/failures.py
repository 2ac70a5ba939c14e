"""What a failed delivery's error means, in the reader's language.

Deliveries (notifications, webhooks, forwardings to an uplink) keep the provider's or the
network's own words in `last_error`, in English and technical: "WhatsApp HTTP 401: …",
"gateway.example: ConnectTimeout: …". The admins who read the failed-deliveries pages
are complaint officers, not the IT staff who can fix a token, so each page shows one
plain sentence on what went wrong and who can act, with the technical text beside it.
The sentence is chosen from the shape of the error text that `aduan.lib.http` and the
adapters write; an error of another shape gets none.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

_STATUS = re.compile(r"\bHTTP (\d{3})\b")
# aduan.lib.http.HttpError, "<host>: <requests exception name>: <reason>", after the
# adapter's own name ("SMS gateway: ").
_NO_ANSWER = re.compile(r"^(?:[\w ]+: )?[^\s:]+(?::\d+)?: ([A-Z]\w+): ")
# The email adapter's "email: <exception name>: …" from the SMTP connection.
_EMAIL = re.compile(r"^email: (\w+): ")
_TIMEOUTS = frozenset({"ConnectTimeout", "ReadTimeout", "Timeout", "TimeoutError"})
_SMTP_UNREACHABLE = frozenset(
    {"ConnectionRefusedError", "SMTPConnectError", "SMTPServerDisconnected", "gaierror", "OSError"}
)


def explain(error: str) -> str:
    """One sentence on the cause of `error`, or "" when its shape is not known."""
    if not error:
        return ""
    if error.startswith("WhatsApp failed after sending"):
        if "131047" in error:
            return _(
                "WhatsApp refused it: the citizen last wrote more than 24 hours ago. The IT "
                "staff must set up an approved message template."
            )
        return _(
            "WhatsApp accepted the message, then could not deliver it (the number may not "
            "use WhatsApp)."
        )
    if "not configured" in error:
        return _("This channel is not set up on the server. The IT staff must configure it.")
    if error.startswith("email refused"):
        return _(
            "The email address was refused (it does not exist, its mailbox is full, or it "
            "unsubscribed). Ask the person for another address."
        )
    email = _EMAIL.match(error)
    if email:
        return _explain_email(email.group(1))
    no_answer = _NO_ANSWER.match(error)
    if no_answer:
        if no_answer.group(1) in _TIMEOUTS:
            return _("The other side did not answer in time.")
        if no_answer.group(1) == "SSLError":
            return _(
                "The other side's security certificate was not accepted. The IT staff "
                "should check its address."
            )
        return _("The other side could not be reached (network, name or address).")
    status = _STATUS.search(error)
    if status:
        return _explain_status(int(status.group(1)))
    if error.startswith("larger than"):
        return _("The file is larger than the other side accepts.")
    return ""


def _explain_email(name: str) -> str:
    if name == "SMTPAuthenticationError":
        return _explain_status(401)
    if name in _TIMEOUTS:
        return _("The other side did not answer in time.")
    if name in _SMTP_UNREACHABLE:
        return _("The other side could not be reached (network, name or address).")
    return ""


def _explain_status(status: int) -> str:
    if status in (401, 403):
        return _(
            "The other side refused the access key or token. The IT staff must check it "
            "in the settings."
        )
    if status in (404, 410):
        return _("The other side's address no longer exists. The IT staff must check it.")
    if status in (408, 425, 429):
        return _("The other side asked to slow down or took too long.")
    if status >= 500:
        return _("The other side had a fault of its own.")
    if 400 <= status < 500:
        return _(
            "The other side refused the message itself (for example an invalid number or "
            "address). Sending it again will not help unless that is corrected."
        )
    return ""
