"""Forwarding reports to an uplink and recording what the uplink says back.

An admin forwards a report (`forward`): the timeline says so, and a Forwarding row holds
the call. The worker sends it to the uplink's REST API with an idempotency key, so a
retry after a crash never creates a second report there, and records the uplink's
tracking code. The uplink's signed webhooks (`record_update`) then become
`remote_update` events on the local report, which the reporter hears about as usual.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aduan.channels.replies import BytesUpload
from aduan.lib import http
from aduan.lib.leasing import DeliveryError, LeasedQueue, State
from aduan.lib.tasks import enqueue_with_transaction
from aduan.reports import lifecycle
from aduan.reports.attachments import (
    STORED_EXTENSION,
    AttachmentError,
    clean_upload,
    store_attachment,
)
from aduan.reports.lifecycle import Actor
from aduan.reports.models import Report, Status
from aduan.webhooks.models import Erasure, EventType, Forwarding, RemoteFile, Uplink

ERROR_TEXT_LIMIT = 300
PASSES = 3  # looks at the report's files per sending, at most
logger = logging.getLogger(__name__)
# Fields the uplink may not know (its own category list, regions not loaded): when it
# refuses one of them, the report goes again without them rather than not at all.
OPTIONAL_FIELDS = ("category", "region")


class AlreadyForwarded(lifecycle.TransitionError):
    pass


def forward(report: Report, actor: Actor, uplink: Uplink, note: str = "") -> Forwarding:
    """Forward `report` to `uplink` in the actor's name; the call is made after commit.

    Raises PermissionDenied, TransitionError (AlreadyForwarded when it went there before).
    """
    with transaction.atomic():
        if Forwarding.objects.filter(report=report, uplink=uplink).exists():
            raise AlreadyForwarded(_("This report was already forwarded to %s.") % uplink.name)
        message = _("Forwarded to %s.") % uplink.name
        if note.strip():
            message = f"{message}\n\n{note.strip()}"
        lifecycle.forward(report, actor, message, data={"uplink": uplink.slug})
        forwarding = Forwarding.objects.create(
            report=report, uplink=uplink, forwarded_by=actor.user
        )
        enqueue_with_transaction(lambda: enqueue_forwarding([forwarding.pk]))
    return forwarding


def enqueue_forwarding(ids: list[int]) -> None:
    from aduan.webhooks.tasks import forward_reports

    if ids:
        forward_reports.enqueue(ids)


def report_payload(report: Report) -> dict:
    """What the uplink receives: the report without the reporter's contact details (the
    reporter keeps hearing from this instance, which relays the uplink's answers)."""
    payload = {
        "external_id": report.tracking_code,
        "title": report.title,
        "body": report.body,
        "kind": report.kind,
        "address": report.address,
        "anonymous": report.is_anonymous,
        "confidential": report.is_confidential,
        "category": report.category.slug if report.category_id else None,
        "region": report.region_id,
        "incident_date": report.incident_date.isoformat() if report.incident_date else None,
    }
    if report.latitude is not None and report.longitude is not None:
        payload["latitude"], payload["longitude"] = str(report.latitude), str(report.longitude)
    if name := _reporters_name(report):
        payload["reporter"] = {"name": name}
    return payload


def _reporters_name(report: Report) -> str:
    """The reporter's own name, or "": none for an anonymous report, and no stand-in
    ("Guest", "Deleted account") that the uplink would take for a name."""
    if report.is_anonymous:
        return ""
    if report.reporter_id is None:
        return report.guest_name
    return "" if report.reporter.is_erased else report.reporter.full_name


def _post(forwarding: Forwarding, payload: dict) -> http.Response:
    uplink = forwarding.uplink
    return http.post_json(
        uplink.api_url("reports/"),
        payload,
        headers={
            "Authorization": f"Bearer {uplink.api_key}",
            "Idempotency-Key": _report_key(forwarding, payload),
        },
    )


def _report_key(forwarding: Forwarding, payload: dict) -> str:
    """The idempotency key of the report's call: the same for the same body, another for
    a changed one (the report made anonymous or confidential, its words masked when the
    reporter was erased, a field the uplink refused left out), which the uplink would
    refuse under the first key for as long as it keeps that key's answer. The report is
    created there once all the same: a changed body is answered with the report its
    `external_id` already made."""
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False).encode()
    return f"forward-{forwarding.pk}-{hashlib.sha256(canonical).hexdigest()[:16]}"


def _refused_fields(answer: http.Response) -> set[str]:
    if answer.status != 400:
        return set()
    try:
        return {error.get("field") for error in answer.json().get("errors", [])}
    except (ValueError, AttributeError):
        return set()


def _send(forwarding: Forwarding) -> dict:
    started = timezone.now()
    payload = report_payload(forwarding.report)
    try:
        answer = _post(forwarding, payload)
        refused = _refused_fields(answer)
        if refused and refused <= set(OPTIONAL_FIELDS):
            answer = _post(forwarding, {**payload, **dict.fromkeys(refused)})
    except http.HttpError as exc:
        raise DeliveryError(str(exc), retryable=True) from exc
    if answer.status not in (200, 201):
        retryable = answer.status >= 500 or answer.status in (408, 409, 429)
        raise DeliveryError(
            f"HTTP {answer.status}: {answer.text[:ERROR_TEXT_LIMIT]}", retryable=retryable
        )
    try:
        remote = answer.json()
        outcome = {
            "remote_code": str(remote["code"])[:20],
            "remote_status": str(remote.get("status", ""))[:12],
            "remote_updated_at": timezone.now(),
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise DeliveryError(f"Unexpected answer: {answer.text[:200]}", retryable=False) from exc
    if _replayed(answer) and forwarding.remote_status:
        # A replay is the report as the uplink created it; its webhooks said since how
        # it stands (on hold with a question, which decides how news goes).
        outcome["remote_status"] = forwarding.remote_status
    code = outcome["remote_code"]
    _send_privacy(forwarding, code, remote)
    if forwarding.erasure == Erasure.DUE:
        outcome.update(_erase_there(forwarding, code))
    sent = list(forwarding.sent_files)
    files_there = dict(forwarding.remote_files)
    hidden = list(forwarding.hidden_files)
    # A second look catches files added or hidden while the first pass was sending (a
    # change after that waits for the next one); a third only if that one found some.
    for _pass in range(PASSES):
        before = (len(sent), len(hidden))
        sent, files_there = _send_files(forwarding, code, sent, files_there)
        hidden = _hide_files(forwarding, code, files_there, hidden)
        if (len(sent), len(hidden)) == before:
            break
    outcome.update(sent_files=sent, remote_files=files_there, hidden_files=hidden)
    sent_news, news_there, outcome["remote_status"] = _send_news(
        forwarding, code, outcome["remote_status"]
    )
    sent_news, news_there = _send_verdicts(forwarding, code, sent_news, news_there)
    hidden_news = _hide_news(forwarding, code, news_there)
    outcome.update(sent_news=sent_news, remote_news=news_there, hidden_news=hidden_news)
    if _flags_turned_on_since(forwarding.report) or _changed_meanwhile(
        forwarding, outcome, started
    ):
        # `send_again` leaves a row being sent to its worker, which read the report
        # before: due again, for the periodic scan to send, so the change goes too (as
        # a fresh sending: its tries so far all went through).
        outcome.update(state=State.PENDING, next_attempt_at=timezone.now(), attempts=0)
    if _told_meanwhile(forwarding, started):
        # The uplink's webhook said how the report stands there after this sending
        # learnt it: the newer word stays.
        del outcome["remote_status"], outcome["remote_updated_at"]
    return outcome


def _told_meanwhile(forwarding: Forwarding, started) -> bool:
    told = Forwarding.objects.filter(pk=forwarding.pk, remote_updated_at__gt=started)
    return told.exists()


def _flags_turned_on_since(report: Report) -> bool:
    """Whether a privacy flag was turned on since `report` was read."""
    now = Report.objects.filter(pk=report.pk).values("is_anonymous", "is_confidential").first()
    return now is not None and (
        (now["is_anonymous"] and not report.is_anonymous)
        or (now["is_confidential"] and not report.is_confidential)
    )


def _changed_meanwhile(forwarding: Forwarding, outcome: dict, started) -> bool:
    """Whether the reporter's news or files changed after this sending (begun at
    `started`) last looked at them (added, or hidden from the public): those calls are
    still to make. A file missing from storage, never sent, is no change."""
    report = forwarding.report
    files = _files_to_send(report, outcome["sent_files"]).filter(uploaded_at__gte=started)
    return (
        _news_to_send(report, outcome["sent_news"]).exists()
        or _verdicts_to_send(forwarding, outcome["sent_news"]).exists()
        or files.exists()
        or _hidden_since(
            report.events, outcome["remote_news"], outcome["hidden_news"], WORDS_TAKEN_OFF
        ).exists()
        or _hidden_since(
            report.attachments, outcome["remote_files"], outcome["hidden_files"]
        ).exists()
    )


def _news_to_send(report: Report, sent: list[int]):
    """The reporter's public news of the problem not relayed yet."""
    news = report.events.filter(action=lifecycle.Action.ADD_INFO, is_public=True, by_reporter=True)
    return news.exclude(pk__in=sent)


def _verdicts_to_send(forwarding: Forwarding, sent: list[int]):
    """The reporter's verdicts on the uplink's completion not relayed yet."""
    verdicts = forwarding.report.events.filter(
        action=lifecycle.Action.REMOTE_VERDICT, data__uplink=forwarding.uplink.slug
    )
    return verdicts.exclude(pk__in=sent)


def _files_to_send(report: Report, sent: list[int]):
    """The reporter's public files of the submission not sent yet."""
    files = report.attachments.filter(event__action=lifecycle.Action.SUBMIT, is_public=True)
    return files.exclude(pk__in=sent)


# A file or news leaves the public pages when hidden; a verdict stays there as the step
# it records, its words withheld.
TAKEN_OFF = Q(is_public=False)
WORDS_TAKEN_OFF = TAKEN_OFF | Q(data__words_hidden=True)


def _hidden_since(rows, remote: dict, hidden: list[int], taken_off=TAKEN_OFF):
    """Of `rows` (a report's events or files), those the uplink accepted (`remote`, local
    id → its id) that were taken off the public pages here (`taken_off`) and not yet
    there."""
    accepted = rows.filter(taken_off, pk__in=[int(pk) for pk in remote])
    return accepted.exclude(pk__in=hidden)


def _send_privacy(forwarding: Forwarding, remote_code: str, remote: dict) -> None:
    """A privacy flag turned on here after the report went (an admin made it anonymous
    or confidential while verifying it) is turned on there too, where the report went
    without it. `remote` is the uplink's answer to the report's call: the report as the
    uplink holds it, since a changed body goes under another idempotency key. A refusal
    (the report there is past verification, an uplink without the call) is logged and
    left; a server error retries the whole forwarding."""
    report = forwarding.report
    wanted = {
        "anonymous": report.is_anonymous and remote.get("anonymous") is False,
        "confidential": report.is_confidential and remote.get("confidential") is False,
    }
    if not any(wanted.values()):
        return
    flags = "-".join(name for name, on in wanted.items() if on)
    answer = _call(forwarding, f"reports/{remote_code}/privacy/", wanted, f"privacy-{flags}")
    _accepted(forwarding, answer, f"Privacy ({flags})")


def _erase_there(forwarding: Forwarding, remote_code: str) -> dict:
    """The reporter was erased here: the uplink erases them from its copy (POST on the
    report's erasure), masking also the name and contacts they had here, which their
    words there may hold. Returns the erasure's outcome, the identities forgotten; a
    refusal (the reporter has an account there, an uplink without the call) is logged
    and not asked again, a server error retries the whole forwarding."""
    known = json.loads(forwarding.erasure_identities or "[]")
    identities = [dict(zip(("name", "email", "phone"), row, strict=True)) for row in known]
    answer = _call(forwarding, f"reports/{remote_code}/erasure/", {"identities": identities})
    done = _accepted(forwarding, answer, "Erasure")
    return {"erasure": Erasure.DONE if done else Erasure.REFUSED, "erasure_identities": ""}


def erase_reporter_there(reports: list[Report], identities: list = ()) -> int:
    """The reporter of `reports` was erased here: every forwarding of them goes again
    and asks its uplink to erase the reporter from its copy, a failed one too (it may
    have reached the uplink on an earlier try). `identities`: who the reporter was here
    ((name, email, phone) each), kept sealed until the uplink is told. One being sent
    right now read the report before the erasure: it is left to finish, and
    `sweep_erasures` sends it again. Call inside the erasure's transaction; returns how
    many forwardings were queued."""
    rows = Forwarding.objects.filter(report__in=reports)
    rows.update(
        erasure=Erasure.DUE,
        erasure_identities=json.dumps([list(identity) for identity in identities]),
    )
    return _go_again(rows.exclude(state=State.SENDING))


def sweep_erasures() -> int:
    """Send again the forwardings whose erasure is still due though they went (they were
    being sent when the reporter was erased), for the periodic scan."""
    return _go_again(Forwarding.objects.filter(erasure=Erasure.DUE, state=State.SENT))


def _go_again(rows) -> int:
    ids = list(rows.values_list("pk", flat=True))
    if ids:
        Forwarding.objects.filter(pk__in=ids).update(
            state=State.PENDING, next_attempt_at=timezone.now(), attempts=0
        )
        enqueue_with_transaction(lambda: enqueue_forwarding(ids))
    return len(ids)


def _replayed(answer: http.Response) -> bool:
    """Whether the uplink answered from its memory of an earlier call with the same
    idempotency key (the `Idempotent-Replayed` header, whatever its case)."""
    return any(
        name.lower() == "idempotent-replayed" and value.strip().lower() == "true"
        for name, value in answer.headers.items()
    )


def _send_news(
    forwarding: Forwarding, remote_code: str, remote_status: str
) -> tuple[list[int], dict, str]:
    """The reporter's news of the problem, public here, follows the report to the uplink
    (its replies endpoint, each with its own idempotency key); returns the local ids
    relayed so far, for those the uplink accepted its id of each, and the uplink's status
    as the news left it. The reporter hears the uplink's question as an update on their
    own report and can only answer it with news: while the uplink holds the report with
    a question, the news goes as the answer, which ends the hold. News the uplink
    refuses (its report closed, its daily limit) is logged and left; a server error
    retries the whole forwarding."""
    sent, remote = list(forwarding.sent_news), dict(forwarding.remote_news)
    news = _news_to_send(forwarding.report, sent).order_by("at", "id")
    for event in news:
        action = "answer_hold" if remote_status == Status.ON_HOLD else "add_info"
        # The words as the body went; the action in the key: the same news sent again
        # as the answer, once the uplink asked its question, is another call.
        body = {"action": action, "message": event.message}
        answer = _post_reply(forwarding, remote_code, body, f"news-{event.pk}-{action}")
        if _accepted(forwarding, answer, f"News {event.pk}"):
            if (remote_id := _id_in(answer)) is not None:
                remote[str(event.pk)] = remote_id
            if action == "answer_hold":
                remote_status = Status.SUBMITTED  # answered: later news is news again
        sent.append(event.pk)
    return sent, remote, remote_status


def _send_verdicts(
    forwarding: Forwarding, remote_code: str, sent: list[int], remote: dict
) -> tuple[list[int], dict]:
    """The reporter's verdict on the uplink's completion goes there as theirs
    (`rate` with the stars given with it, then `satisfied` or `not_satisfied`), each call
    with its own idempotency key; returns the local ids relayed so far (kept with the
    news) and the uplink's id of each verdict it accepted. A verdict the uplink refuses
    (it closed the report meanwhile for want of one) is logged and left."""
    sent, remote = list(sent), dict(remote)
    for event in _verdicts_to_send(forwarding, sent).order_by("at", "id"):
        verdict = "satisfied" if event.data.get("satisfied") else "not_satisfied"
        calls = [(verdict, {"action": verdict, "message": event.message})]
        if event.data.get("stars"):
            # First: the uplink takes a rating while its report is completed or closed,
            # and "not satisfied" reopens it.
            calls.insert(0, ("rate", {"action": "rate", "stars": event.data["stars"]}))
        for name, body in calls:
            answer = _post_reply(forwarding, remote_code, body, f"{name}-{event.pk}")
            accepted = _accepted(forwarding, answer, f"Verdict {event.pk} ({name})")
            if accepted and name == verdict and (remote_id := _id_in(answer)) is not None:
                remote[str(event.pk)] = remote_id
        sent.append(event.pk)
    return sent, remote


def _post_reply(forwarding: Forwarding, remote_code: str, body: dict, key: str) -> http.Response:
    return _call(forwarding, f"reports/{remote_code}/replies/", body, key)


def _call(forwarding: Forwarding, path: str, body: dict, key: str = "") -> http.Response:
    """POST `body` to the uplink's API at `path`, with the idempotency key
    `forward-<id>-<key>` when `key` is given; a lost connection retries the whole
    forwarding, whose earlier calls change nothing the second time."""
    uplink = forwarding.uplink
    headers = {"Authorization": f"Bearer {uplink.api_key}"}
    if key:
        headers["Idempotency-Key"] = f"forward-{forwarding.pk}-{key}"
    try:
        return http.post_json(uplink.api_url(path), body, headers=headers)
    except http.HttpError as exc:
        raise DeliveryError(str(exc), retryable=True) from exc


def _send_files(
    forwarding: Forwarding, remote_code: str, sent: list[int], remote: dict
) -> tuple[list[int], dict]:
    """The reporter's photos and documents follow the report, each with its own
    idempotency key, so a retried forwarding sends none twice; returns the ids of the
    files sent and, for those the uplink accepted, its id of each. A file an officer
    hid from the public stays here; one the uplink refuses (its own limits) is logged
    and left."""
    uplink = forwarding.uplink
    sent, remote = list(sent), dict(remote)
    files = _files_to_send(forwarding.report, sent).select_related("event").order_by("id")
    for item in files:
        try:
            with item.file.open("rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            logger.warning("Forwarding %s: file %s is missing; not sent", forwarding.pk, item.pk)
            continue
        try:
            answer = http.post_file(
                uplink.api_url(f"reports/{remote_code}/attachments/"),
                field_name="file",
                file_name=item.name_for_staff(forwarding.report),
                content_type=item.content_type,
                content=content,
                headers={
                    "Authorization": f"Bearer {uplink.api_key}",
                    "Idempotency-Key": f"forward-{forwarding.pk}-file-{item.pk}",
                },
            )
        except http.HttpError as exc:
            raise DeliveryError(str(exc), retryable=True) from exc
        if (
            _accepted(forwarding, answer, f"File {item.pk}")
            and (remote_id := _id_in(answer)) is not None
        ):
            remote[str(item.pk)] = remote_id
        sent.append(item.pk)  # refused ones too: sending them again would not help
    return sent, remote


def _accepted(forwarding: Forwarding, answer: http.Response, what: str) -> bool:
    """Whether the uplink accepted one of the calls that follow the report (a file, a
    piece of news). A server error or a rate limit retries the whole forwarding, whose
    earlier calls change nothing the second time; a refusal (its own limits, its report's
    state) is logged and left, since sending it again would not help. An idempotency key
    still in hand there (an earlier try that timed out here) is no refusal: tried later."""
    if answer.status >= 500 or answer.status in (408, 429) or _in_progress(answer):
        raise DeliveryError(f"{what}: HTTP {answer.status}", retryable=True)
    if not answer.ok:
        logger.warning(
            "Forwarding %s: %s refused %s: HTTP %s %s",
            forwarding.pk,
            forwarding.uplink.slug,
            what,
            answer.status,
            answer.text[:ERROR_TEXT_LIMIT],
        )
    return answer.ok


def _in_progress(answer: http.Response) -> bool:
    if answer.status != 409:
        return False
    try:
        return any(error.get("code") == "in_progress" for error in answer.json()["errors"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return False


def _id_in(answer: http.Response) -> int | None:
    try:
        remote_id = answer.json()["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return remote_id if isinstance(remote_id, int) and not isinstance(remote_id, bool) else None


def _hide_files(
    forwarding: Forwarding, remote_code: str, remote: dict, hidden: list[int]
) -> list[int]:
    """Files sent to the uplink and hidden from the public here since are hidden there
    too (DELETE on the file, which hides it from the public there; the reporter and
    staff there still see it). Returns the local ids hidden there so far."""
    private = _hidden_since(forwarding.report.attachments, remote, hidden)
    paths = {
        local_id: f"reports/{remote_code}/attachments/{remote[str(local_id)]}/"
        for local_id in private.order_by("id").values_list("pk", flat=True)
    }
    return _hide_there(forwarding, paths, hidden, "file")


def _hide_news(forwarding: Forwarding, remote_code: str, remote: dict) -> list[int]:
    """News or a verdict relayed to the uplink whose words were taken off the public
    pages here since (they named a neighbour) are taken off there too (DELETE on the
    reply). Returns the local ids hidden there so far."""
    hidden = list(forwarding.hidden_news)
    private = _hidden_since(forwarding.report.events, remote, hidden, WORDS_TAKEN_OFF)
    paths = {
        local_id: f"reports/{remote_code}/replies/{remote[str(local_id)]}/"
        for local_id in private.order_by("id").values_list("pk", flat=True)
    }
    return _hide_there(forwarding, paths, hidden, "news")


def _hide_there(
    forwarding: Forwarding, paths: dict[int, str], hidden: list[int], what: str
) -> list[int]:
    """DELETE each of `paths` (local id → the uplink's API path) at the uplink; returns
    `hidden` with the local ids now hidden there. One the uplink no longer has (404)
    counts as hidden; one it refuses otherwise is logged and not asked again; a server
    error retries the whole forwarding, whose earlier calls change nothing the second
    time."""
    uplink = forwarding.uplink
    hidden = list(hidden)
    for local_id, path in paths.items():
        try:
            answer = http.delete(
                uplink.api_url(path), headers={"Authorization": f"Bearer {uplink.api_key}"}
            )
        except http.HttpError as exc:
            raise DeliveryError(str(exc), retryable=True) from exc
        if answer.status >= 500 or answer.status in (408, 409, 429):
            raise DeliveryError(f"Hiding {what} {local_id}: HTTP {answer.status}", retryable=True)
        if not answer.ok and answer.status != 404:
            logger.warning(
                "Forwarding %s: %s would not hide %s %s: HTTP %s %s",
                forwarding.pk,
                uplink.slug,
                what,
                local_id,
                answer.status,
                answer.text[:ERROR_TEXT_LIMIT],
            )
        hidden.append(local_id)
    return hidden


def send_again(report: Report, hidden: int | None = None) -> int:
    """Files and news the reporter added after the report was forwarded follow it, a
    file hidden from the public here (`hidden`, its id) is hidden there too, and so is a
    privacy flag turned on: the report's sent forwardings (with `hidden`, those that
    sent that file) go again — the report itself is answered from the uplink's memory
    of it, the files and news already there are skipped. Call inside the transaction
    that changed the report; returns how many forwardings were queued."""
    again = Forwarding.objects.filter(report=report, state=State.SENT)
    if hidden is not None:
        again = again.filter(remote_files__has_key=str(hidden))
    ids = list(again.values_list("pk", flat=True))
    if ids:
        again.update(state=State.PENDING, next_attempt_at=timezone.now(), attempts=0)
        enqueue_with_transaction(lambda: enqueue_forwarding(ids))
    return len(ids)


def awaiting_verdict(report: Report) -> list[Forwarding]:
    """The forwardings of `report` whose uplink completed it and waits for the
    reporter's verdict: none given here since the uplink last said it completed it (a
    verdict of not satisfied reopens it there, and a second completion asks again)."""
    waiting = []
    rows = Forwarding.objects.filter(
        report=report, remote_status=Status.COMPLETED, uplink__is_active=True
    ).select_related("uplink")
    for row in rows:
        slug = row.uplink.slug
        completed = (
            report.events.filter(
                action=lifecycle.Action.REMOTE_UPDATE,
                data__uplink=slug,
                data__remote_status=Status.COMPLETED,
            )
            .order_by("-at", "-id")
            .values_list("id", flat=True)
            .first()
        )
        given = report.events.filter(action=lifecycle.Action.REMOTE_VERDICT, data__uplink=slug)
        if not given.filter(id__gt=completed or 0).exists():
            waiting.append(row)
    return waiting


def rated_there(report: Report, uplink: Uplink) -> bool:
    """Whether the reporter gave the uplink stars already (it takes one rating)."""
    verdicts = report.events.filter(
        action=lifecycle.Action.REMOTE_VERDICT, data__uplink=uplink.slug, data__has_key="stars"
    )
    return verdicts.exists()


def give_verdict_there(
    report: Report,
    actor: Actor,
    forwarding: Forwarding,
    *,
    satisfied: bool,
    message: str = "",
    stars: int | None = None,
    received_via: str = "",
):
    """The reporter's verdict on the uplink's completion of their forwarded report:
    recorded here (the status here stays) and relayed to the uplink, which closes or
    reopens its report and says so by webhook. The reporter's own, or one they gave by
    phone, in person or by letter that an officer records for them (`actor` is the
    officer; `received_via` says how it came). Raises TransitionError when the uplink no
    longer waits for one, StaleReport when the report changed meanwhile,
    PermissionDenied when the officer may not act on the report."""
    if not satisfied and not message.strip():
        raise lifecycle.TransitionError(
            _("Tell us what is still not resolved.")
            if actor.is_reporter
            else _("Write what the reporter says is still not resolved.")
        )
    with transaction.atomic():
        # One verdict per completion: a second click (or a colleague's form sent at the
        # same moment) waits here, then finds it given.
        locked = Forwarding.objects.select_for_update().get(pk=forwarding.pk)
        if locked.pk not in {row.pk for row in awaiting_verdict(report)}:
            raise lifecycle.TransitionError(_no_longer_waits(forwarding.uplink, actor))
        if stars is not None and rated_there(report, forwarding.uplink):
            stars = None  # the uplink takes one rating; the form no longer offers it
        data = {"uplink": forwarding.uplink.slug, "satisfied": satisfied}
        if stars:
            data["stars"] = stars
        event = lifecycle.record_remote_verdict(
            report, actor, message, data=data, received_via=received_via
        )
        # A failed one too: the uplink still waits. One being sent catches the verdict
        # before it ends (`_changed_meanwhile`).
        _go_again(Forwarding.objects.filter(pk=locked.pk).exclude(state=State.SENDING))
    return event


def _no_longer_waits(uplink: Uplink, actor: Actor) -> str:
    if actor.is_reporter:
        return _("%(uplink)s no longer waits for your verdict on this report.") % {
            "uplink": uplink.name
        }
    return _("%(uplink)s no longer waits for the reporter's verdict on this report.") % {
        "uplink": uplink.name
    }


QUEUE = LeasedQueue(
    claimable=lambda now: (
        Forwarding.objects.due(now)
        .filter(uplink__is_active=True)
        .select_related("uplink", "report__category")
    ),
    send=_send,
    enqueue=enqueue_forwarding,
    lease=lambda: datetime.timedelta(seconds=settings.ADUAN_DELIVERY_LEASE_SECONDS),
    max_attempts=lambda: settings.ADUAN_WEBHOOK_MAX_ATTEMPTS,
    label="Forwarding",
)
# Send due forwardings (outside any transaction); make failed ones due again; enqueue
# what is due (the periodic scan).
deliver, retry, sweep = QUEUE.deliver, QUEUE.retry_all, QUEUE.sweep


# --- What the uplink says back --------------------------------------------------------


def record_update(uplink: Uplink, call: dict) -> str:
    """Apply one verified webhook call of `uplink`; returns "recorded" or "ignored".

    Call inside a transaction. Raises ValueError when the call is malformed.
    """
    kind, event, remote = _parse(call)
    code = str(remote["code"])[:20]
    # By the uplink's code once it is known; by ours (its `external_id`) only until then:
    # a call naming one report by each never lands on whichever comes first.
    known = Q(remote_code=code)
    answered_not_yet = Q(remote_code="", report__tracking_code=remote.get("external_id") or "")
    forwarding = (
        Forwarding.objects.select_for_update(of=("self",))
        .select_related("report")
        .filter(uplink=uplink)
        .filter(known | answered_not_yet)
        .order_by("-remote_code")  # the one known by its code first
        .first()
    )
    if forwarding is None:
        return "ignored"
    forwarding.remote_code = forwarding.remote_code or code
    if _newer(forwarding, event.get("id")):
        forwarding.remote_status = str(remote.get("status", ""))[:12]
        forwarding.remote_updated_at = timezone.now()
    forwarding.save(
        update_fields=["remote_code", "remote_status", "remote_updated_at", "remote_event"]
    )
    # The report's creation there is known already; what "its reporter" did there is
    # what this instance relayed for its reporter (files, news): not news here.
    if kind in (EventType.CREATED, EventType.REPORTER_UPDATE):
        return "recorded"
    _record_event(forwarding, uplink, kind, event)
    return "recorded"


def _newer(forwarding: Forwarding, event_id) -> bool:
    """Whether a call about the uplink's event `event_id` is newer than the one that last
    set the forwarding's status there (then it becomes that one). A retried older call
    arriving after a newer one is still recorded, but its status is past. A call
    without a numeric id is taken as it comes."""
    if not isinstance(event_id, int) or isinstance(event_id, bool) or event_id < 0:
        return True
    if forwarding.remote_event is not None and event_id < forwarding.remote_event:
        return False
    forwarding.remote_event = event_id
    return True


def _parse(call: dict) -> tuple[str, dict, dict]:
    try:
        kind = call["type"]
        event = call["data"]["event"]
        remote = call["data"]["report"]
        remote["code"]  # noqa: B018 (presence check)
    except (KeyError, TypeError):
        raise ValueError("expected {type, data: {event, report: {code, …}}}") from None
    if kind not in EventType.values or not isinstance(event, dict):
        raise ValueError(f"unknown event type {kind!r}")
    # A forwarding the uplink has not answered yet has no remote code either: an empty
    # one would match it, and the call would land on a report it is not about.
    if not str(remote["code"]).strip():
        raise ValueError("report.code must not be empty")
    return kind, event, remote


def _record_event(forwarding: Forwarding, uplink: Uplink, kind: str, event: dict) -> None:
    data = {
        "uplink": uplink.slug,
        "remote_code": forwarding.remote_code,
        "remote_event": event.get("id"),
        "remote_action": str(event.get("action", ""))[:24],
        "remote_status": str(event.get("to_status", ""))[:12],
    }
    wanted = _wanted_files(uplink, event.get("attachments"))
    if wanted:
        data["files"] = len(wanted)  # the reporter is told of them before they arrive
    lines = []
    status_label = dict(Status.choices).get(data["remote_status"])
    if kind == EventType.STATUS_CHANGED and status_label:
        lines.append(
            _("Status at %(uplink)s: %(status)s.") % {"uplink": uplink.name, "status": status_label}
        )
    # The reporter's own words relayed there (a verdict that reopened or closed the
    # report there) come back with the change of status: not the uplink's news.
    if event.get("by_reporter") is not True:
        lines.append(str(event.get("message") or "")[:20000])
    message = "\n\n".join(line for line in lines if line)
    report = forwarding.report
    for _attempt in range(3):
        try:
            recorded = lifecycle.record_remote_update(report, message, data=data)
            break
        except lifecycle.StaleReport:
            report.refresh_from_db()
    else:
        raise lifecycle.StaleReport("the report kept changing")
    _expect_files(forwarding, recorded, wanted)


def _wanted_files(uplink: Uplink, announced) -> dict[str, str]:
    """url → name of the files an uplink's event lists that will be fetched: only
    addresses of the uplink's own API (its key goes with the request), at most
    ADUAN_MAX_ATTACHMENTS."""
    if not isinstance(announced, list):
        return {}
    prefix = uplink.api_url("reports/")
    wanted: dict[str, str] = {}
    for item in announced[: settings.ADUAN_MAX_ATTACHMENTS]:
        if isinstance(item, dict):
            url = str(item.get("url") or "")
            if url.startswith(prefix) and len(url) <= 500 and not _climbs(url):
                wanted.setdefault(url, str(item.get("name") or "")[:200])
    return wanted


def _climbs(url: str) -> bool:
    """Whether `url` has "." or ".." steps (written plainly or %-encoded), by which an
    address that starts with the uplink's reports/ could lead elsewhere on its host."""
    path = unquote(urlsplit(url).path).replace("\\", "/")
    return any(step in (".", "..") for step in path.split("/"))


def _expect_files(forwarding: Forwarding, recorded, wanted: dict[str, str]) -> None:
    """Queue the download of `wanted` files, kept with the `recorded` entry."""
    ids = [
        RemoteFile.objects.create(forwarding=forwarding, event=recorded, url=url, name=name).pk
        for url, name in wanted.items()
    ]
    if ids:
        enqueue_with_transaction(lambda: enqueue_file_downloads(ids))


def enqueue_file_downloads(ids: list[int]) -> None:
    from aduan.webhooks.tasks import fetch_remote_files

    if ids:
        fetch_remote_files.enqueue(ids)


def _fetch(row: RemoteFile) -> dict:
    """Download one file of an uplink's update and keep it with the local entry, once."""
    limit = settings.ADUAN_MAX_ATTACHMENT_BYTES
    try:
        answer = http.get(
            row.url,
            headers={"Authorization": f"Bearer {row.forwarding.uplink.api_key}"},
            max_bytes=limit,
        )
    except http.TooLarge as exc:
        raise DeliveryError(f"larger than {limit} bytes", retryable=False) from exc
    except http.HttpError as exc:
        raise DeliveryError(str(exc), retryable=True) from exc
    if not answer.ok:
        retryable = answer.status >= 500 or answer.status in (408, 429)
        raise DeliveryError(f"HTTP {answer.status}", retryable=retryable)
    name = row.name or "lampiran"
    if "." not in name:  # named after the type its server gave it
        media = answer.headers.get("Content-Type", "").split(";")[0].strip().lower()
        name += f".{STORED_EXTENSION[media]}" if media in STORED_EXTENSION else ""
    try:
        clean = clean_upload(BytesUpload(name, answer.content))
    except AttachmentError as exc:
        raise DeliveryError(str(exc), retryable=False) from exc
    with transaction.atomic():
        locked = RemoteFile.objects.select_for_update().get(pk=row.pk)
        if locked.attachment_id is None:  # a worker whose lease ran out kept it already
            locked.attachment = store_attachment(row.event.report, row.event, clean)
            locked.save(update_fields=["attachment"])
    return {}


FILES = LeasedQueue(
    claimable=lambda now: (
        RemoteFile.objects.due(now)
        .filter(forwarding__uplink__is_active=True)
        .select_related("forwarding__uplink", "event__report")
    ),
    send=_fetch,
    enqueue=enqueue_file_downloads,
    lease=lambda: datetime.timedelta(seconds=settings.ADUAN_DELIVERY_LEASE_SECONDS),
    max_attempts=lambda: settings.ADUAN_WEBHOOK_MAX_ATTEMPTS,
    label="File from an uplink",
)
fetch_files, sweep_files = FILES.deliver, FILES.sweep
