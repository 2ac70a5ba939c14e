"""The citizen portal: home, submitting, tracking, public reports and the reporter's page.

Who may open a report page: anyone when the report is public; otherwise only its
reporter — the signed-in owner, or a guest whose browser session holds the report
(after submitting it or opening the secret link). Everyone else gets a 404, so a
confidential report's existence is never revealed. Public visitors see masked text.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from aduan.channels.intake import Submission, add_to_submission, submit_report
from aduan.lib.paging import paginate
from aduan.lib.ratelimits import limited
from aduan.lib.replica import reads_from_replica
from aduan.notifications import outbox
from aduan.organizations.models import Organization, Region, oversight_body
from aduan.portal import forms
from aduan.portal.presenters import present_report, visible_attachments
from aduan.portal.triage_views import similar_to_refused
from aduan.reports import lifecycle
from aduan.reports.attachments import AttachmentError
from aduan.reports.codes import normalize_tracking_code, secret_matches
from aduan.reports.lifecycle import Action, Actor, TransitionError
from aduan.reports.models import (
    OPEN_STATUSES,
    Attachment,
    Channel,
    Report,
    Status,
    Subscription,
    Support,
)
from aduan.reports.privacy import PUBLIC_RELATED, withheld_title_and_body
from aduan.reports.thumbnails import thumbnail_response
from aduan.webhooks import forwarding

SESSION_REPORTER_OF = "portal.reporter_of"
SESSION_SUBMITTED = "portal.submitted"
PAGE_SIZE = 20
LATEST_ON_HOME = 6
FIGURES_TTL = 60  # seconds
# The home page's breakdown of the reports received: each status in one group only, so
# the groups add up to the received figure (the status names as on the report pages).
HOME_BREAKDOWN = {
    "waiting": (Status.SUBMITTED, Status.ON_HOLD),
    "handling": (Status.DISPATCHED, Status.IN_PROGRESS),
    "responded": (Status.COMPLETED,),
    "closed": (Status.CLOSED,),
    "archived": (Status.ARCHIVED,),
}
LIST_RELATED = ("category__parent", "region", "organization")


# --- Who is looking -------------------------------------------------------------------


# How long a browser stays a guest report's reporter after its link was last opened.
# Guests report from internet cafés and office computers: the next person at the
# browser must not read a confidential report, or rate it, for the session's two weeks.
GUEST_REPORTER_FOR = datetime.timedelta(hours=12)


def _remember_reporter(request: HttpRequest, report: Report) -> None:
    """Mark this browser session as the reporter of a guest report, for
    GUEST_REPORTER_FOR (each opening of the private or access link renews it)."""
    known = _reporter_grants(request)
    known[str(report.pk)] = timezone.now().timestamp()
    request.session[SESSION_REPORTER_OF] = known


def _reporter_grants(request: HttpRequest) -> dict[str, float]:
    """This session's guest reports, by id, with when each was last opened; lapsed and
    old-style (list) entries are dropped."""
    stored = request.session.get(SESSION_REPORTER_OF)
    if not isinstance(stored, dict):
        return {}
    since = (timezone.now() - GUEST_REPORTER_FOR).timestamp()
    return {pk: at for pk, at in stored.items() if isinstance(at, float | int) and at >= since}


def _is_reporter(request: HttpRequest, report: Report) -> bool:
    if report.reporter_id:
        return report.is_reporter(request.user)
    # An erased guest is nobody: a browser that was the reporter before is no longer.
    return report.guest_erased_at is None and str(report.pk) in _reporter_grants(request)


def _viewable_report(request: HttpRequest, code: str) -> tuple[Report, bool]:
    """The report behind `code` and whether the visitor is its reporter; 404 when the
    visitor may not see it (never telling a hidden report from a missing one)."""
    normalized = normalize_tracking_code(code)
    if not normalized:
        raise Http404
    report = get_object_or_404(
        Report.objects.select_related("reporter", *LIST_RELATED), tracking_code=normalized
    )
    is_reporter = _is_reporter(request, report)
    if not (report.is_open_to_public or is_reporter):
        raise Http404
    return report, is_reporter


# --- Home, track, feed, my reports ------------------------------------------------------


def _live_figures() -> dict:
    groups = {
        name: Count("pk", filter=Q(status__in=statuses))
        for name, statuses in HOME_BREAKDOWN.items()
    }
    return Report.objects.aggregate(received=Count("pk"), **groups)


@reads_from_replica
def home(request: HttpRequest) -> HttpResponse:
    # Counting every report scans the whole table; a minute-old figure is live enough.
    figures = cache.get_or_set("portal.home.breakdown", _live_figures, FIGURES_TTL)
    latest = (
        Report.objects.public()
        .select_related(*LIST_RELATED, *PUBLIC_RELATED)
        .order_by("-submitted_at", "-pk")
    )
    context = {
        "figures": figures,
        "latest": latest[:LATEST_ON_HOME],
        "track_form": forms.TrackForm(auto_id="id_track_%s"),
    }
    return render(request, "portal/home.html", context)


@limited("lookup")
def track(request: HttpRequest) -> HttpResponse:
    form = forms.TrackForm(request.GET if "code" in request.GET else None)
    if form.is_bound and form.is_valid():
        report = Report.objects.filter(tracking_code=form.cleaned_data["code"]).first()
        if report and (report.is_open_to_public or _is_reporter(request, report)):
            return redirect("portal:report", code=report.tracking_code)
        # Same words for a missing and a hidden report: a code reveals nothing.
        form.add_error(
            "code",
            _(
                "We found no public report with this code. A report becomes public once "
                "an officer has verified it (within %(days)s working days), and a "
                "confidential one never does. If it is your own report, open it with the "
                "private link we sent you, or sign in."
            )
            % {"days": settings.ADUAN_DEADLINE_DAYS["verification"]},
        )
    return render(request, "portal/track.html", {"form": form})


def _paginate(request: HttpRequest, queryset) -> dict:
    page = paginate(queryset, request.GET.get("page"), PAGE_SIZE)
    return {
        "rows": page.rows,
        "page": page.number,
        "previous_page": page.previous_number,
        "next_page": page.next_number,
    }


@reads_from_replica
def feed(request: HttpRequest) -> HttpResponse:
    form = forms.FeedFilterForm(request.GET or None)
    newest = (
        Report.objects.public()
        .select_related(*LIST_RELATED, *PUBLIC_RELATED)
        .order_by("-submitted_at", "-pk")
    )
    # A search replaces the order with its ranking; an invalid filter shows its error
    # and is ignored.
    page = _paginate(request, form.filter_reports(newest))
    # The filters besides the search fold away unless in use: on a phone they pushed the
    # first report a screen and a half down.
    refined = any(request.GET.get(name) for name in form.fields if name != "q")
    return render(request, "portal/feed.html", {"form": form, "refined": refined, **page})


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    queryset = (
        Report.objects.filter(reporter=request.user)
        .select_related(*LIST_RELATED)
        .order_by("-submitted_at", "-pk")
    )
    return render(request, "portal/my_reports.html", _paginate(request, queryset))


@require_GET
def regions(request: HttpRequest) -> JsonResponse:
    """Children of ?parent=<code> (provinces without it) as [{"code", "name"}]."""
    parent = request.GET.get("parent", "").strip()
    if parent:
        queryset = Region.objects.filter(parent_id=parent)
    else:
        queryset = Region.objects.filter(level=Region.Level.PROVINCE)
    response = JsonResponse(list(queryset.order_by("name").values("code", "name")), safe=False)
    patch_cache_control(response, public=True, max_age=24 * 3600)
    return response


@require_GET
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: who holds what about whom, why, who sees it, and the rights
    Law 27/2022 on Personal Data Protection gives."""
    context = {
        "operator": settings.ADUAN_OPERATOR_NAME,
        "contact": settings.ADUAN_PRIVACY_CONTACT,
    }
    return render(request, "portal/privacy.html", context)


# --- Submitting -----------------------------------------------------------------------


def submit(request: HttpRequest) -> HttpResponse:
    post = request.method == "POST"
    form = forms.ReportForm(
        request.POST if post else None, request.FILES if post else None, user=request.user
    )
    if post and form.is_valid():
        draft = form.cleaned_draft()
        earlier = _sent_moments_ago(request, draft, form.channel_reference())
        if earlier is not None:
            return _already_received(request, earlier)
        submission = submit_report(
            draft,
            reporter=request.user if request.user.is_authenticated else None,
            channel=Channel.WEB,
            channel_reference=form.channel_reference(),
            guest_secret=form.guest_secret(),
        )
        response = _after_submission(request, submission, form.guest_secret())
        if response:
            return response
        form.add_error(None, _("This form was already sent. Reload the page to write a new one."))
    elif post and request.FILES and "attachments" not in form.errors:
        # Files are not kept from a refused form: the summary says so, beside the rest.
        form.add_error(
            "attachments",
            _("Your photos and documents were not kept: choose them again before sending."),
        )
    similar = similar_to_refused(form) if post else []
    return render(request, "portal/submit.html", {"form": form, "similar": similar})


# A report sent again with the same title and text by the same person within this time
# is the same report: the connection dropped before the answer arrived, and the form the
# browser fetched again carries a new one-time token.
RESEND_WINDOW = datetime.timedelta(minutes=30)
# The confirmation (with a guest's private link) can be shown again this long, in the
# browser that sent the report: its answer may be lost on a bad connection too. Short,
# for the next person at a shared computer; a sign-in or sign-out forgets it at once.
CONFIRMATION_KEPT = datetime.timedelta(minutes=15)


def _sent_moments_ago(request: HttpRequest, draft, reference: str) -> Report | None:
    """The report this person sent just before with the same words, place, kind and
    privacy (by account, or a guest's same email address and phone number), unless it is
    this very form again, which the form's own token already recognises. Two lamps out
    in two streets, described in the same words, are two reports; so is a resend that
    asks for anonymity or confidentiality the first one did not have."""
    title, body = draft.title, draft.body
    if draft.is_anonymous:  # stored as its handlers read it
        sender = Report(
            reporter=request.user if request.user.is_authenticated else None,
            guest_name=draft.guest_name,
            guest_email=draft.guest_email,
            guest_phone=draft.guest_phone,
        )
        title, body = withheld_title_and_body(title, body, sender)
    sent = Report.objects.filter(
        channel=Channel.WEB,
        submitted_at__gte=timezone.now() - RESEND_WINDOW,
        title=title,
        body=body,
        address=draft.address,
        region=draft.region,
        kind=draft.kind,
        is_anonymous=draft.is_anonymous,
        is_confidential=draft.is_confidential,
        show_reporter_name=draft.show_reporter_name,
    ).exclude(channel_reference=reference)
    if request.user.is_authenticated:
        return sent.filter(reporter=request.user).order_by("-pk").first()
    # Both contacts as given: knowing one of someone's contacts must not be enough.
    return (
        sent.filter(
            reporter__isnull=True,
            guest_email__iexact=draft.guest_email,
            guest_phone=draft.guest_phone,
        )
        .order_by("-pk")
        .first()
    )


def _already_received(request: HttpRequest, report: Report) -> HttpResponse:
    """The confirmation of the report already received. A guest's page does not open
    the report as its reporter: knowing an address and the text proves nothing, and
    the private link went to that address or number with the first answer."""
    pending = request.session.get(SESSION_SUBMITTED) or {}
    # The same browser may still hold that report's confirmation, with its private link.
    kept = pending.get("secret", "") if pending.get("code") == report.tracking_code else ""
    request.session[SESSION_SUBMITTED] = {
        "code": report.tracking_code,
        "secret": kept,
        "at": pending.get("at") if kept else timezone.now().isoformat(),
        "again": True,
    }
    return redirect("portal:submitted")


def _after_submission(
    request: HttpRequest, submission: Submission, guest_secret: str
) -> HttpResponse | None:
    """Send the reporter to the confirmation page; None when a reused form token belongs
    to someone else's report.

    A retry carries the form's one-time token, which only the browser that loaded the
    form knows, so it proves a guest is the reporter even when the first response (and
    its session cookie) never arrived, and gives the same secret link: a double click's
    second request, whose session is saved last, still shows the link.
    """
    report = submission.report
    if not submission.created and report.reporter_id and not report.is_reporter(request.user):
        return None
    secret = submission.secret
    if report.reporter_id is None:
        _remember_reporter(request, report)
        if not secret and secret_matches(guest_secret, report.guest_secret_hash):
            secret = guest_secret
    pending = request.session.get(SESSION_SUBMITTED, {})
    if secret or pending.get("code") != report.tracking_code:
        request.session[SESSION_SUBMITTED] = {
            "code": report.tracking_code,
            "secret": secret,
            "at": timezone.now().isoformat(),
        }
    return redirect("portal:submitted")


@never_cache
def submitted(request: HttpRequest) -> HttpResponse:
    """The confirmation. It stays in this browser's session for CONFIRMATION_KEPT, so a
    reload after a lost answer shows it again; then the guest's plain secret is gone."""
    pending = request.session.get(SESSION_SUBMITTED) or {}
    at = parse_datetime(pending.get("at", ""))
    if at is None or timezone.now() - at > CONFIRMATION_KEPT:
        request.session.pop(SESSION_SUBMITTED, None)
        pending = {}
    report = pending and Report.objects.filter(tracking_code=pending.get("code")).first()
    if not report:
        return redirect("portal:track")
    secret_url = ""
    if pending.get("secret"):
        secret_url = request.build_absolute_uri(
            reverse("portal:secret", args=[report.tracking_code, pending["secret"]])
        )
    context = {
        "report": report,
        "secret_url": secret_url,
        "again": pending.get("again", False),
        "question_days": settings.ADUAN_DEADLINE_DAYS["missing_information"],
    }
    return render(request, "portal/submitted.html", context)


@limited("link")
def secret_link(request: HttpRequest, code: str, secret: str) -> HttpResponse:
    report = Report.objects.filter(tracking_code=normalize_tracking_code(code)).first()
    if report is None or report.reporter_id or not secret_matches(secret, report.guest_secret_hash):
        raise Http404
    _remember_reporter(request, report)
    return redirect("portal:report", code=report.tracking_code)


@require_GET
@limited("link")
def guest_access(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """A guest opened the link of a message about their report (a question, a
    response): this browser may act as the reporter, as with the secret link."""
    report = Report.objects.filter(tracking_code=normalize_tracking_code(code)).first()
    if report is None or not outbox.guest_access_allowed(report, token):
        raise Http404
    _remember_reporter(request, report)
    return redirect("portal:report", code=report.tracking_code)


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache  # a page of one person's link, holding a form token
@limited("link")
def confirm_contact(request: HttpRequest, code: str, token: str) -> HttpResponse:
    """The confirmation link sent to a guest's email or phone. Its page has a button; the
    button (a POST) confirms the address, so that updates on the report are sent there,
    and makes this browser the reporter. Mail scanners and the link previews of
    messaging apps open every link before its reader does: neither may do either."""
    posted = request.method == "POST"
    check = outbox.confirm_contact if posted else outbox.contact_token_matches
    report = Report.objects.filter(tracking_code=normalize_tracking_code(code)).first()
    if report is None or report.reporter_id or not check(report, token):
        raise Http404
    if not posted:
        context = {
            "report": report,
            "by_email": bool(report.guest_email),
            "confirmed": report.guest_contact_verified_at is not None,
        }
        return render(request, "portal/confirm_contact.html", context)
    # The link reached the reporter's own inbox or phone: as good as the secret link.
    _remember_reporter(request, report)
    messages.success(request, _("Thank you: updates on this report will be sent to you."))
    return redirect("portal:report", code=report.tracking_code)


# --- The report page and the reporter's actions ----------------------------------------------


ACTION_FORMS = {
    "answer_hold": forms.AnswerHoldForm,
    "reply": forms.ReplyForm,
    "add_info": forms.AddInfoForm,
    "add_files": forms.AddFilesForm,
    "rate": forms.RateForm,
    "hand_over": forms.HandOverForm,
    "remote_verdict": forms.RemoteVerdictForm,
}


def _action_form(name: str, report: Report, *args, waiting=None, **kwargs):
    """The reporter's form for action `name` on `report`, bound when given data;
    `waiting`: `forwarding.awaiting_verdict(report)` when known already."""
    if name == "remote_verdict":
        waiting = forwarding.awaiting_verdict(report) if waiting is None else waiting
        kwargs["rated"] = bool(waiting) and forwarding.rated_there(report, waiting[0].uplink)
    return ACTION_FORMS[name](*args, auto_id=f"id_{name}_%s", **kwargs)


def _auditor_organization(report: Report) -> Organization | None:
    return oversight_body(report.region_id or "", report.organization)


def _reporter_actions(report: Report, waiting=None) -> list[str]:
    """The portal actions the reporter may take now, in the order the page shows them;
    `waiting`: `forwarding.awaiting_verdict(report)` when known already."""
    allowed = lifecycle.allowed_actions(report, Actor(report.reporter, is_reporter=True))
    names = []
    if Action.ANSWER_HOLD in allowed:
        names.append("answer_hold")
    if allowed & {Action.SATISFIED, Action.NOT_SATISFIED}:
        names.append("reply")
    if Action.RATE in allowed:
        names.append("rate")
    if Action.HAND_OVER in allowed and _auditor_organization(report):
        names.append("hand_over")
    # Not offered once the day's share is used, rather than refused after typing.
    if (
        Action.ADD_INFO in allowed
        and lifecycle.information_added_on_the_day(report) < lifecycle.ADD_INFO_PER_DAY
    ):
        names.append("add_info")
    if report.status in OPEN_STATUSES:
        names.append("add_files")
    if forwarding.awaiting_verdict(report) if waiting is None else waiting:
        names.append("remote_verdict")
    return names


def report_page(request: HttpRequest, code: str) -> HttpResponse:
    report, is_reporter = _viewable_report(request, code)
    return _render_report(request, report, is_reporter)


def _render_report(request, report, is_reporter, bound=None, status=200) -> HttpResponse:
    """Render the report page; `bound` is (action, form) to show again with its input."""
    action_forms = []
    if is_reporter:
        waiting = forwarding.awaiting_verdict(report)
        names = _reporter_actions(report, waiting)
        if bound and bound[0] not in names:
            names.append(bound[0])  # no longer possible, but its message and text stay visible
        for name in names:
            if bound and bound[0] == name:
                form = bound[1]
            else:
                initial = {"version": report.version}
                form = _action_form(name, report, waiting=waiting, initial=initial)
            item = {"name": name, "form": form}
            if name == "hand_over":
                item["body"] = _auditor_organization(report)
            elif name == "remote_verdict":
                item["body"] = waiting[0].uplink if waiting else None
            action_forms.append(item)
    context = present_report(report, is_reporter=is_reporter)
    context["action_forms"] = action_forms
    context["support"] = _support_state(request, report, is_reporter)
    response = render(request, "portal/report.html", context, status=status)
    if is_reporter:
        patch_cache_control(response, private=True, no_store=True)
    return response


def _support_state(request, report, is_reporter) -> dict | None:
    """Whether the support button shows and whether this user already supports."""
    if is_reporter or not report.is_public:
        return None
    user = request.user
    supported = user.is_authenticated and Support.objects.filter(report=report, user=user).exists()
    following = (
        user.is_authenticated and Subscription.objects.filter(report=report, user=user).exists()
    )
    return {
        "supported": supported,
        "can_support": user.is_authenticated and not supported,
        "following": following,
    }


@require_POST
def report_action(request: HttpRequest, code: str, action: str) -> HttpResponse:
    report, is_reporter = _viewable_report(request, code)
    if action == "support":
        return _support(request, report, is_reporter)
    if action in ("follow", "unfollow"):
        return _follow(request, report, is_reporter, follow=action == "follow")
    form_class = ACTION_FORMS.get(action)
    if form_class is None:
        raise Http404
    if not is_reporter:
        raise PermissionDenied
    form = _action_form(action, report, request.POST, request.FILES)
    if not form.is_valid():
        return _render_report(request, report, True, bound=(action, form), status=400)
    if form.cleaned_data["version"] != report.version:
        return _changed(request, report, action, form)
    try:
        _run_action(action, report, form.cleaned_data)
    except lifecycle.StaleReport:
        # The same double click, with both requests past the check above at once.
        report.refresh_from_db()
        return _changed(request, report, action, form)
    except (TransitionError, PermissionDenied, AttachmentError) as error:
        return _refused(request, report, action, form, error)
    messages.success(request, _("Thank you, we have recorded it."))
    return redirect("portal:report", code=report.tracking_code)


def _changed(request, report, action, form) -> HttpResponse:
    """The report changed since the reporter's page was shown. Judged on what they saw:
    a second click on a rating that went in, or a page left open while an officer acted,
    is "changed", not "not allowed" nor "another officer" — and whether it can still be
    done is said, so nobody sends it again in vain."""
    if action in _reporter_actions(report):
        changed = _(
            "This report changed a moment ago. Check its latest state below, then send "
            "again if it is still needed."
        )
    else:
        changed = _(
            "This report changed a moment ago, and this can no longer be done (it may "
            "have been done already, in another window)."
        )
    return _refused(request, report, action, form, lifecycle.StaleReport(changed))


def _refused(request, report, action, form, error) -> HttpResponse:
    """Show why the action failed on the current report, keeping what was typed."""
    report.refresh_from_db()
    data = request.POST.copy()
    data["version"] = str(report.version)  # the page now shows the latest state
    form = _action_form(action, report, data)
    form.is_valid()
    form.add_error(None, str(error.args[0]) if error.args else _("This action is not possible."))
    status = 403
    if isinstance(error, TransitionError):
        status = 409
    elif isinstance(error, AttachmentError):
        status = 400
    return _render_report(request, report, True, bound=(action, form), status=status)


def _run_action(action: str, report: Report, data: dict) -> None:
    actor = Actor(report.reporter, is_reporter=True)
    if action == "answer_hold":
        lifecycle.answer_hold(report, actor, data["message"], files=data["attachments"])
    elif action == "reply":
        satisfied = data["satisfied"] == "yes"
        lifecycle.reply(
            report, actor, satisfied=satisfied, message=data["message"], files=data["attachments"]
        )
    elif action == "add_info":
        lifecycle.add_information(report, actor, data["message"])
    elif action == "add_files":
        add_to_submission(report, data["attachments"])
    elif action == "rate":
        lifecycle.rate(report, actor, data["stars"], data["message"])
    elif action == "remote_verdict":
        waiting = forwarding.awaiting_verdict(report)
        if not waiting:
            raise TransitionError(_("The connected system no longer waits for your verdict."))
        forwarding.give_verdict_there(
            report,
            actor,
            waiting[0],
            satisfied=data["satisfied"] == "yes",
            message=data["message"],
            stars=data.get("stars"),
        )
    elif action == "hand_over":
        auditor = _auditor_organization(report)
        if auditor is None:
            raise TransitionError(_("No oversight body is available to take over reports."))
        lifecycle.hand_over(report, actor, auditor, data["message"])


def _support(request: HttpRequest, report: Report, is_reporter: bool) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("portal:report", args=[report.tracking_code]))
    if is_reporter or not report.is_public:
        raise PermissionDenied
    with transaction.atomic():
        report = _still_public(report)
        _support_row, created = Support.objects.get_or_create(report=report, user=request.user)
        if created:
            Report.objects.filter(pk=report.pk).update(support_count=F("support_count") + 1)
    if created:
        messages.success(request, _("You support this report."))
    else:
        messages.info(request, _("You already support this report."))
    return redirect("portal:report", code=report.tracking_code)


def _still_public(report: Report) -> Report:
    """`report` locked as it is now, or the original it was merged into a moment ago (a
    merge moves supporters and followers there; one given meanwhile must go there too).
    Call inside a transaction."""
    current = Report.objects.select_for_update().get(pk=report.pk)
    if current.is_public:
        return current
    if current.duplicate_of_id:
        original = Report.objects.select_for_update().get(pk=current.duplicate_of_id)
        if original.is_public:
            return original
    raise PermissionDenied


def _follow(request: HttpRequest, report: Report, is_reporter: bool, *, follow: bool):
    """Follow a public report (news of its responses and outcome) or stop following."""
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("portal:report", args=[report.tracking_code]))
    if is_reporter or not report.is_public:
        raise PermissionDenied
    if follow:
        with transaction.atomic():
            report = _still_public(report)
            Subscription.objects.get_or_create(report=report, user=request.user)
        messages.success(request, _("You follow this report: we will tell you of its news."))
    else:
        Subscription.objects.filter(report=report, user=request.user).delete()
        messages.info(request, _("You no longer follow this report."))
    return redirect("portal:report", code=report.tracking_code)


# --- Attachments --------------------------------------------------------------------------


def attachment(request: HttpRequest, code: str, pk: int, small: bool = False) -> HttpResponse:
    report, is_reporter = _viewable_report(request, code)
    item: Attachment = get_object_or_404(
        visible_attachments(report, is_reporter=is_reporter), pk=pk
    )
    if small:
        return thumbnail_response(item)
    try:
        handle = item.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    name = item.original_name if is_reporter else item.plain_name
    response = FileResponse(
        handle, content_type=item.content_type, as_attachment=not item.is_image, filename=name
    )
    response["X-Content-Type-Options"] = "nosniff"
    # A file never changes under its id: this visitor's browser keeps it for an hour
    # instead of fetching hundreds of kilobytes again on every tap.
    patch_cache_control(response, private=True, max_age=3600)
    return response
