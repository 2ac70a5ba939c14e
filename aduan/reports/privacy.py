"""What a report may show on public surfaces: the report page, feed, home, map, open
data and Open311. One place, so no surface can drift from the others.

- Free text passes through `mask_personal_data` (NIK and KK numbers, phone numbers,
  emails, bank accounts and other personal numbers, vehicle plates, house numbers), and
  the reporter's own name is masked wherever it is written ("Saya Rahmawati, warga RT
  3…", "Rumah Bu Rahmawati"): reporters sign their reports, and an anonymous report
  signed with a name is not anonymous.
- Coordinates are rounded to three decimals, about 110 m at Indonesia's latitudes:
  enough to place a pothole on a street, too coarse to point at one house when the
  problem is next to the reporter's home.
- Nothing about the reporter is ever included (name, contact, account, anonymity).

Lists must load the reporter's name with the report (`PUBLIC_RELATED`), or each row
costs a query.
"""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_EVEN, Decimal

from django.db.models import Q

from aduan.lib.masking import MASK, mask_personal_data, mask_writers_own_data
from aduan.reports.models import Report

COORDINATE_STEP = Decimal("0.001")
PUBLIC_RELATED = ("reporter",)
# Shorter parts ("Bu", "Al") are words of their own more often than names.
NAME_PART_MIN = 3


def reporter_name_pattern(report: Report) -> re.Pattern | None:
    """Words of the reporter's name written with a capital, or the whole name in any case;
    also where an underscore or a capital joins them ("@siti_rahmawati", "SitiRahmawati").
    An account's former names count too (`User.former_names`)."""
    if report.reporter_id is None:
        names = [report.guest_name]
    else:
        names = [report.reporter.full_name, *getattr(report.reporter, "former_names", [])]
    wholes, written = [], set()
    for name in names:
        parts = [part for part in re.findall(r"[^\W_]+", name or "") if len(part) >= NAME_PART_MIN]
        if parts:
            wholes.append(r"[\s_.]*".join(re.escape(part) for part in parts))
            written |= {
                variant for part in parts for variant in (part[0].upper() + part[1:], part.upper())
            }
    if not wholes:
        return None
    # The longest first: a whole name is masked as one before its parts are.
    whole = "|".join(sorted(wholes, key=len, reverse=True))
    capitalised = "|".join(re.escape(variant) for variant in sorted(written))
    return re.compile(
        rf"(?i:(?<![^\W_])(?:{whole})(?![^\W_]))|(?<![A-Z\d])(?:{capitalised})(?![a-z\d])"
    )


def _mask_name(match: re.Match) -> str:
    return " ".join(word[0] + MASK * 3 for word in re.split(r"[\s_.]+", match.group(0)) if word)


def public_text(text: str, report: Report | None = None, *, official: bool = False) -> str:
    """`text` as the public may read it; give `report` to mask its reporter's name too.
    `official`: written by an organization (a response), whose office landline and the
    contacts it names as its own stay."""
    text = mask_personal_data(text or "", official=official)
    pattern = reporter_name_pattern(report) if report is not None else None
    return pattern.sub(_mask_name, text) if pattern else text


def public_message(event, report: Report | None = None) -> str:
    """A timeline entry's message as the public may read it. An organization's response
    names its office's landline for citizens to call ("hubungi UPT Jalan di (0281)
    632324"), and may give its WhatsApp centre, mailbox or office address as its own
    ("WA Center kami 0811…", "kantor kami di Jl. Pemuda No. 1"): kept there. Any other
    mobile number, house number or email, and every NIK, is masked whoever wrote it."""
    from aduan.reports.lifecycle import recorded_for_reporter, words_hidden

    if words_hidden(event):  # an officer took them off the public pages
        return ""
    # A reporter's answer an officer typed in for them is the reporter's words.
    official = (
        not event.by_reporter
        and event.actor_organization_id is not None
        and not recorded_for_reporter(event)
    )
    return public_text(event.message, report or event.report, official=official)


def set_public_text(report: Report) -> None:
    """Fill `report`'s public title and body (what the public search matches) from its
    text; the reporter (or guest name) must be set."""
    report.public_title = public_text(report.title, report)
    report.public_body = public_text(report.body, report)


def withheld_text(text: str, report: Report) -> str:
    """`text` of an anonymous report as the organizations handling it may read it.

    Anonymity hides the reporter from every organization (the reporter's name is never
    shown), but reporters write who they are into the text: "Saya Siti, hubungi
    0813…", an email's signature, a NIK for a records complaint. So what points at the
    reporter is masked: their name (not where it names a street: "Jl. Sudirman" stays),
    their own email address and phone number however written, NIK numbers, and the
    numbers and house they call their own (`mask_writers_own_data`). Everything else
    stays — other people's numbers and accounts, the factory's address, plates,
    positions: the handlers must find the problem and pursue it."""
    return mask_reporter(mask_writers_own_data(text or ""), report)


def mask_reporter(text: str, report: Report) -> str:
    """`text` with the reporter's name (not where it names a street) and own email
    address and phone number masked, however written: what anyone else wrote about the
    reporter (an officer's answer "Terima kasih Ibu Siti…", a message to staff quoting
    the report) once the reporter is erased (`aduan.accounts.erasure`)."""
    text = text or ""
    for contact in _own_contacts(report):
        text = contact.sub(lambda match: MASK * 3, text)
    pattern = reporter_name_pattern(report)
    if pattern is None:
        return text
    streets = [match.span() for match in _STREET_NAME.finditer(text)]
    return pattern.sub(
        lambda match: (
            match.group(0)
            if any(start <= match.start() < end for start, end in streets)
            else _mask_name(match)
        ),
        text,
    )


# A street's name: "Jl. Jend. Sudirman", "Jalan Ahmad Yani", "Gg. Mawar".
_STREET_NAME = re.compile(
    r"(?<!\w)(?i:jalan|jln|jl|gang|gg)(?:\s?\.|\s)\s*(?:[A-Z][\w'’-]*\.?\s?){1,4}"
)


# Digits of a phone number, written with any separators between them ("0813 2233-44").
_PHONE_DIGITS = re.compile(r"\d")


def _own_contacts(report: Report) -> list[re.Pattern]:
    if report.reporter_id is None:
        email, phone = report.guest_email, report.guest_phone
    else:
        email, phone = report.reporter.email, getattr(report.reporter, "phone", "")
    found = [re.compile(re.escape(email), re.IGNORECASE)] if email else []
    digits = "".join(_PHONE_DIGITS.findall(phone or ""))
    if len(digits) >= 8:
        # Without the country code or trunk zero, as people write it either way.
        national = digits.removeprefix("62").lstrip("0")
        found.append(
            re.compile(r"(?<!\d)(?:(?:\+?62|0)\D{0,2})?" + r"\D{0,2}".join(national) + r"(?!\d)")
        )
    return found


def withheld_title_and_body(title: str, body: str, report: Report) -> tuple[str, str]:
    """An anonymous report's title and body as stored for its handlers; `report` gives
    the reporter (it may be unsaved)."""
    limit = Report._meta.get_field("title").max_length
    return withheld_text(title, report)[:limit], withheld_text(body, report)


def withhold_reporter(report: Report, *, received_body: str = "") -> dict:
    """Mask what points at the reporter in `report`'s title and body (see
    `withheld_text`), keeping the words as written (or `received_body`, when the
    channel already left a part out of the body) in its sealed `withheld_text` for the
    system alone; returns the changed fields. For an anonymous report at intake, or
    when an admin makes a report anonymous."""
    written = {"title": report.title, "body": report.body}
    title, body = withheld_title_and_body(report.title, report.body, report)
    masked = {"title": title, "body": body}
    changed = {name: value for name, value in masked.items() if value != written[name]}
    if received_body and received_body != report.body:
        written["body"] = received_body
    elif not changed:
        return {}
    earlier = json.loads(report.withheld_text) if report.withheld_text else {}
    changed["withheld_text"] = json.dumps({**written, **earlier}, ensure_ascii=False)
    for name, value in changed.items():
        setattr(report, name, value)
    return changed


def withhold_reporter_messages(events, report: Report) -> None:
    """Mask what points at the reporter in the messages the reporter wrote among
    `events` (a report's timeline, of the model or of a migration's historical model),
    and in those an officer recorded for them (`data.recorded_for_reporter`: their
    answer given by phone, in person or by letter), keeping each as written in its
    sealed `withheld_message`: for a report just made anonymous, and for anonymous
    reports stored before withholding existed."""
    theirs = Q(by_reporter=True) | Q(data__recorded_for_reporter=True)
    for event in events.filter(theirs).exclude(message=""):
        masked = withheld_text(event.message, report)
        if masked != event.message:
            # Withheld again (a better masking): the words as written are the first ones.
            events.model.objects.filter(pk=event.pk).update(
                message=masked, withheld_message=event.withheld_message or event.message
            )


REFRESH_BATCH = 500


def refresh_public_text(reports) -> int:
    """Write the public title and body of `reports` (a queryset, of the model or of a
    migration's historical model) again, in batches; returns how many."""
    fields, written, batch = ["public_title", "public_body"], 0, []
    for report in reports.select_related("reporter").iterator(chunk_size=REFRESH_BATCH):
        set_public_text(report)
        batch.append(report)
        if len(batch) >= REFRESH_BATCH:
            written += reports.model.objects.bulk_update(batch, fields)
            batch = []
    return written + (reports.model.objects.bulk_update(batch, fields) if batch else 0)


def public_coordinate(value: Decimal | float | None) -> float | None:
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(COORDINATE_STEP, rounding=ROUND_HALF_EVEN))
