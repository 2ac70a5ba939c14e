"""POST requests: turning the spec's form fields into a Draft for channels.intake.

Idempotency: a client that sends `device_id` and `client_request_id` gets the same report
back for the same pair forever. Without them, the reference is a hash of the key's
organization and every posted field with a sequence number: a POST whose latest report
with the same fields is under ten minutes old gets that report back, so an accidental
double POST makes one report while the same text sent again later is a new report. Two
identical POSTs at the same moment compute the same next reference, and the unique
reference makes them one report, whenever they come.
"""

from __future__ import annotations

import datetime
import hashlib
import itertools

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.channels.intake import Draft, Submission, submit_report
from aduan.lib.phones import normalize_phone
from aduan.lib.untrusted import plain_text
from aduan.organizations.models import Organization
from aduan.reports.attachments import AttachmentError, clean_uploads
from aduan.reports.models import Channel, Kind, Report

from .documents import active_services, service_attributes
from .filters import BadParameter, parse_moment

REPEAT_WINDOW = datetime.timedelta(minutes=10)
REFERENCE_BATCH = 20
MAX_DESCRIPTION = 20_000  # as in the REST API
TITLE_WORDS = 8


class Invalid(ValueError):
    """The POST cannot make a report; `problems` are the spec's error descriptions and
    `status` the HTTP status the spec gives them (404 for an unknown service_code)."""

    def __init__(self, problems: list[str], status: int = 400):
        super().__init__("; ".join(problems))
        self.problems = problems
        self.status = status


def submit_open311(post, files, organization: Organization) -> Submission:
    draft = build_draft(post, files)
    reference = _client_reference(post, organization)
    if not reference:
        reference, recent = _params_reference(post, files, organization)
        if recent:
            return Submission(recent, created=False)
    return submit_report(
        draft, channel=Channel.OPEN311, channel_reference=reference, received_by=organization
    )


def build_draft(post, files) -> Draft:
    """Raise Invalid listing every problem, so a client can fix them all at once."""
    problems: list[str] = []
    get = _field_getter(post)
    category = _category(get("service_code"), problems)
    description = get("description")
    check_description(description, problems)
    latitude, longitude = _coordinates(get("lat"), get("long"), problems)
    # An address_id we cannot look up still tells the organization where to look.
    address = (get("address_string") or get("address_id"))[:255]
    if latitude is None and not address and not (get("lat") or get("long")):
        problems.append(_("Give lat and long, address_string or address_id."))
    values = _attribute_values(post, category, problems)
    incident = _local_date(values.get("incident_date"))
    if incident and incident > timezone.localdate():
        problems.append(_("attribute[incident_date] cannot be in the future."))
    email, phone = _contact(get("email"), get("phone"), problems)
    attachments = []
    try:
        attachments = clean_uploads(files.getlist("media"))
    except AttachmentError as error:
        problems.append(str(error))
    if problems:
        raise Invalid(problems)
    name = " ".join(part for part in (get("first_name"), get("last_name")) if part)
    return Draft(
        title=_title(description),
        body=description,
        kind=values.get("kind") or Kind.COMPLAINT,
        incident_date=incident,
        latitude=latitude,
        longitude=longitude,
        address=address,
        category=category,
        guest_name=name[:150],
        guest_email=email,
        guest_phone=phone,
        attachments=attachments,
    )


def _field_getter(post):
    return lambda name: plain_text(post.get(name, "")).strip()


def check_description(description: str, problems: list[str]) -> None:
    """A report's or an update's text: required, and as long as the REST API allows."""
    if not description:
        problems.append(_("description is required."))
    elif len(description) > MAX_DESCRIPTION:
        problems.append(
            _("description is at most %(count)s characters.") % {"count": f"{MAX_DESCRIPTION:,}"}
        )


def _category(code: str, problems: list[str]):
    """The service; the spec's 400 when service_code is missing, 404 when unknown."""
    if not code:
        problems.append(_("service_code is required."))
        return None
    category = active_services().filter(slug=code).first()
    if category is None:
        raise Invalid([_("service_code %(code)s is not a known service.") % {"code": code}], 404)
    return category


def _attribute_values(post, category, problems: list[str]) -> dict:
    """attribute[code]=value (multivaluelist: attribute[code][]=…) checked against the
    service definition: required ones must be there, list values must be its keys.
    Attributes the definition does not name are ignored, as clients send their own."""
    values = {}
    for attribute in service_attributes(category) if category else []:
        if not attribute["variable"]:
            continue
        name = f"attribute[{attribute['code']}]"
        if attribute["datatype"] == "multivaluelist":
            raw = [v.strip() for v in post.getlist(name + "[]") + post.getlist(name) if v.strip()]
        else:
            raw = post.get(name, "").strip()
        if not raw:
            if attribute["required"]:
                problems.append(_("%(name)s is required for this service.") % {"name": name})
            continue
        try:
            values[attribute["code"]] = _attribute_value(attribute, name, raw)
        except BadParameter as error:
            problems.append(str(error))
    return values


def _attribute_value(attribute: dict, name: str, raw):
    datatype = attribute["datatype"]
    if datatype in ("singlevaluelist", "multivaluelist"):
        keys = [str(value["key"]) for value in attribute.get("values", [])]
        chosen = raw if isinstance(raw, list) else [raw]
        if any(value not in keys for value in chosen):
            raise BadParameter(
                _("%(name)s must be one of: %(keys)s.") % {"name": name, "keys": ", ".join(keys)}
            )
        return raw
    if datatype == "datetime":
        return parse_moment(name, raw)
    if datatype == "number":
        try:
            return float(raw)
        except ValueError:
            raise BadParameter(_("%(name)s must be a number.") % {"name": name}) from None
    return raw


def _local_date(moment):
    return timezone.localtime(moment).date() if moment else None


def _contact(email: str, raw_phone: str, problems: list[str]) -> tuple[str, str]:
    email = email.lower()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("email is not a valid email address."))
    phone = normalize_phone(raw_phone) if raw_phone else ""
    if raw_phone and not phone:
        problems.append(_("phone is not a valid Indonesian phone number."))
    return email, phone


def _coordinates(lat: str, long: str, problems: list[str]):
    if not lat and not long:
        return None, None
    if not (lat and long):
        problems.append(_("lat and long must be sent together."))
        return None, None
    try:
        latitude, longitude = round(float(lat), 6), round(float(long), 6)
    except ValueError:
        problems.append(_("lat and long must both be decimal degrees (WGS84)."))
        return None, None
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        problems.append(_("lat and long are outside the globe."))
        return None, None
    return latitude, longitude


def _title(description: str) -> str:
    words = description.split()
    title = " ".join(words[:TITLE_WORDS])
    if len(words) > TITLE_WORDS:
        title += "…"
    return title[:150]


def _client_reference(post, organization: Organization) -> str:
    device = post.get("device_id", "").strip()
    client_id = post.get("client_request_id", "").strip()
    if not (device and client_id):
        return ""
    digest = hashlib.sha256(f"{organization.pk}\n{device}\n{client_id}".encode()).hexdigest()
    return f"client:{digest}"


def _params_reference(post, files, organization: Organization) -> tuple[str, Report | None]:
    """The reference for a POST without client ids, and the report it repeats if the
    latest one with the same fields is under ten minutes old. Identical POSTs are
    numbered in order (`params:<hash>:0`, `:1`, …) and looked up exactly, so two at the
    same moment claim the same number and the unique index makes them one report."""
    fields = sorted(
        (name, value) for name in post for value in post.getlist(name) if name != "api_key"
    )
    uploads = sorted((u.name, u.size) for u in files.getlist("media"))
    digest = hashlib.sha256(repr((organization.pk, fields, uploads)).encode()).hexdigest()
    reports = Report.objects.filter(channel=Channel.OPEN311)
    latest = None
    for first in itertools.count(0, REFERENCE_BATCH):
        batch = [f"params:{digest}:{n}" for n in range(first, first + REFERENCE_BATCH)]
        found = {r.channel_reference: r for r in reports.filter(channel_reference__in=batch)}
        for reference in batch:
            if reference not in found:
                if latest and timezone.now() - latest.submitted_at < REPEAT_WINDOW:
                    return latest.channel_reference, latest
                return reference, None
            latest = found[reference]
