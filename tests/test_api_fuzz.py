"""Property-based fuzzing of /api/v1/ with schemathesis, from the app's own OpenAPI document.

Every operation receives generated requests (valid and invalid) through Django's WSGI
application, with a key holding every scope and real reports in every state, and each
answer must be no server error and must match the document: a documented status code,
its content type, its headers and its body schema. Generation is derandomized, so a run
is the same on every machine and a failure replays.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from schemathesis.specs.openapi.checks import positive_data_acceptance

from aduan.api.models import ApiKey, Scope
from aduan.api.serializers import API_CHANNEL, channel_reference
from aduan.channels.intake import Draft, submit_report
from aduan.organizations.models import Region
from aduan.reports.models import Status
from tests.personas import advance

# Enough examples per operation that the whole schema sees a few thousand requests,
# yet the file stays well under a minute and a half on a two-core runner.
EXAMPLES_PER_OPERATION = 150
ALL_SCOPES = [Scope.REPORTS_READ, Scope.REPORTS_WRITE, Scope.META_READ]
STATES = [
    Status.SUBMITTED,
    Status.ON_HOLD,
    Status.DISPATCHED,
    Status.DISPATCHED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.COMPLETED,
    Status.CLOSED,
    Status.ARCHIVED,
]

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
# Every request carries the fixture's key; requests without one are the `ignored_auth`
# check's job, which sends them itself and expects 401.
schema.config.generation.update(with_security_parameters=False)
# Codes of the reports the fixture made; the hook below draws from them.
KNOWN_CODES: list[str] = []


@schema.hook
def flatmap_path_parameters(context, path_parameters):
    """Many generated report codes are replaced by real ones, so the lifecycle is
    reached and not only the 404 path."""
    if not path_parameters or "code" not in path_parameters or not KNOWN_CODES:
        return st.just(path_parameters)
    return st.one_of(
        st.just(path_parameters),
        st.sampled_from(KNOWN_CODES).map(lambda code: {**path_parameters, "code": code}),
    )


@schema.hook
def flatmap_body(context, body):
    """Reports sent with real category and region codes too, so intake itself is reached.
    Only valid values (non-empty strings) are swapped, so an invalid body stays invalid."""
    if context.operation.label != "POST /api/v1/reports/" or not isinstance(body, dict):
        return st.just(body)
    real = {"category": ["jalan-rusak", "infrastruktur"], "region": ["33", "33.01"]}
    swappable = [name for name in real if isinstance(body.get(name), str) and body[name]]
    if not swappable:
        return st.just(body)
    swapped = st.fixed_dictionaries({name: st.sampled_from(real[name]) for name in swappable})
    return st.one_of(st.just(body), swapped.map(lambda values: {**body, **values}))


@pytest.fixture
def api_data(world, settings):
    """A key of the agency with every scope, regions, and API-received reports in every
    state, handled by the agency's unit A. Returns the key's Authorization header."""
    settings.ADUAN_API_RATE = "1000000/min"  # the fuzzer is one busy client
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    Region.objects.create(code="33.01", name="Kab. Cilacap", level=2, parent=province)
    _key, secret = ApiKey.issue(organization=world.agency, name="Fuzz", scopes=ALL_SCOPES)
    KNOWN_CODES.clear()
    for number, state in enumerate(STATES):
        draft = Draft(
            title=f"Laporan uji nomor {number}",
            body="Lampu jalan di Jalan Diponegoro padam sejak tiga hari, gelap sekali.",
            category=world.potholes,
            region=province,
            guest_name="Rina",
            guest_email="rina@example.id",
        )
        report = submit_report(
            draft,
            channel=API_CHANNEL,
            channel_reference=channel_reference(world.agency, f"F{number}"),
            received_by=world.agency,
        ).report
        KNOWN_CODES.append(advance(world, report, state).tracking_code)
    # As in Django's test client: a request's start and end must not close the
    # connection that holds the test's transaction.
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    # The WSGI client does not undo gzip (the real clients' HTTP libraries do).
    yield {"Authorization": f"Bearer {secret}", "Accept-Encoding": "identity"}
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)
    KNOWN_CODES.clear()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@pytest.mark.django_db
def test_every_answer_is_documented_and_no_request_breaks_the_server(case, api_data):
    # Schema-valid requests may still be refused for reasons a schema cannot state (an
    # unknown category slug, a report's state), so positive_data_acceptance is left out.
    case.call_and_validate(headers=api_data, excluded_checks=[positive_data_acceptance])
