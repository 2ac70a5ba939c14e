"""Triage suggestions: learned from dispatches, lowered by "not our remit", routing rules
as the fallback, shown in the dispatch form and the API. Tiny models, written texts."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from aduan.api.models import ApiKey, Scope
from aduan.organizations.access import Access
from aduan.organizations.models import Organization, Region, RoutingRule
from aduan.reports import lifecycle
from aduan.triage import suggest, training
from aduan.triage.classifier import MAX_CONFIDENCE, ConfidenceMap, TextClassifier
from aduan.triage.models import TriageModel
from aduan.triage.suggest import (
    SOURCE_MODEL,
    SOURCE_ROUTING_RULE,
    NationalOffer,
    live_model,
    suggest_categories,
    suggest_organizations,
)
from aduan.triage.text import normalize
from tests.personas import as_user, submit

ROADS = [
    ("Jalan berlubang", "Jln di depan pasar berlubang besar, motor sering jatuh."),
    ("Aspal rusak", "Aspal jalan desa rusak parah dan berlubang sejak banjir."),
    ("Jembatan retak", "Jembatan kecil di dusun retak, jalan tdk bisa dilewati truk."),
    ("Jalan rusak berat", "Jalan kabupaten rusak berat, lubang di mana-mana, mhn diaspal."),
    ("Lubang di jalan", "Ada lubang dalam di tengah jalan dekat sekolah, bahaya."),
    ("Perbaikan jalan", "Mohon perbaikan jalan yg rusak dan berlubang di kampung kami."),
]
TRAFFIC = [
    ("Lampu lalu lintas mati", "Lampu lalu lintas di perempatan mati, kendaraan semrawut."),
    ("Parkir liar", "Parkir liar di bahu jalan bikin macet, tukang parkir minta lebih."),
    ("Angkot ngetem", "Angkot ngetem sembarangan di depan terminal, lalu lintas macet."),
    ("Rambu hilang", "Rambu lalu lintas dilarang parkir hilang, kendaraan parkir liar."),
    ("Traffic light rusak", "Traffic light di simpang empat rusak, lampu merah tdk menyala."),
    ("Terminal semrawut", "Bus ngetem di luar terminal, lalu lintas jadi macet tiap pagi."),
]
NEW_TRAFFIC = ("Lampu merah mati", "Lampu lalu lintas perempatan pasar mati, macet dan semrawut.")
MIXED = ("Jalan dan lampu", "Jalan berlubang dan lampu lalu lintas mati")


@pytest.fixture(autouse=True)
def _small_models(settings, tmp_path):
    settings.STATE_DIR = tmp_path
    settings.TRIAGE_MIN_SAMPLES = 4
    settings.TRIAGE_AUTO_PROMOTE = True


def dispatched(world, title: str, body: str, unit):
    """A report routed the way officers route: national → agency → unit."""
    report = submit(world, title=title, body=body)[0]
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    lifecycle.dispatch(report, as_user(world.agency_admin), unit)
    return report


def add_history(world) -> None:
    for title, body in ROADS:
        dispatched(world, title, body, world.unit_a)
    for title, body in TRAFFIC:
        dispatched(world, title, body, world.unit_b)


def waiting_at_agency(world, title: str = NEW_TRAFFIC[0], body: str = NEW_TRAFFIC[1]):
    report = submit(world, title=title, body=body)[0]
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    return report


def confidence_of(suggestions, org) -> float:
    return next((s.confidence for s in suggestions if s.target == org), 0.0)


def test_normalizing_expands_abbreviations_and_drops_greetings_and_numbers():
    text = "Yth. Bapak Bupati, Assalamu'alaikum. Jln yg rusak tdk diperbaiki, hub 081234567890"
    assert normalize(text) == "bupati jalan yang rusak tidak diperbaiki hub xlongnum"


def test_normalizing_turns_every_token_with_a_digit_into_one_placeholder():
    text = (
        "RT05/RW03 nama_jalan 12345678 1234567 jum'at B1234XY "
        "lapor@pemkab.go.id https://lapor.go.id/x jln"
    )
    assert normalize(text) == "xnum xnum nama jalan xlongnum xnum jumat xnum xemail xurl jalan"


def test_normalizing_reads_a_plural_written_short_as_its_word():
    # "anak2" is "anak-anak"; a digit other than a lone 2, or after one letter, is not.
    assert normalize("lampu2 jln2 anak2 pjU2 rw3 b2 tahun2021") == (
        "lampu jalan anak penerangan jalan umum xnum xnum xnum"
    )


def test_normalizing_keeps_javanese_and_sundanese_words():
    assert normalize("Dalan rusak, mboten wonten lampu; jalanna ruksak pisan") == (
        "dalan rusak mboten wonten lampu jalanna ruksak pisan"
    )


def test_normalizing_reads_the_text_of_markup_exported_from_web_forms():
    text = "<p>Jalan&nbsp;rusak &amp; <b>berlubang</b></p><br/>umur < 5 tahun"
    assert normalize(text) == "jalan rusak berlubang umur xnum tahun"


def test_normalizing_drops_accents_so_both_spellings_meet():
    accented = normalize("Jalan teu acan dibéréskeun, sampéyan kèsah")
    assert accented == "jalan teu acan dibereskeun sampeyan kesah"
    assert accented == normalize("Jalan teu acan dibereskeun, sampeyan kesah")


def test_the_routing_rules_suggest_while_there_is_no_model(world):
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    report = waiting_at_agency(world)
    suggestions = suggest_organizations(report, Access.of(world.agency_admin))
    assert [(s.target, s.source, s.confidence) for s in suggestions] == [
        (world.unit_a, SOURCE_ROUTING_RULE, None)
    ]
    assert suggest_categories(report) == []


def test_a_report_naming_no_place_uses_the_rules_of_the_one_region_its_agency_serves(world):
    regency = Region.objects.create(code="33.02", name="Kab. Contoh", level=2)
    world.agency.regions.set([regency])
    RoutingRule.objects.create(category=world.potholes, region=regency, organization=world.unit_a)
    report = waiting_at_agency(world)  # sent without a region
    assert report.region_id is None

    suggestions = suggest_organizations(report, Access.of(world.agency_admin))

    assert [(s.target, s.source) for s in suggestions] == [(world.unit_a, SOURCE_ROUTING_RULE)]
    # An agency serving several regions does not say which one a report is about.
    world.agency.regions.add(Region.objects.create(code="33.03", name="Kab. Lain", level=2))
    assert suggest_organizations(report, Access.of(world.agency_admin)) == []


def test_suggestions_improve_after_dispatch_history_is_added(world):
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    before = suggest_organizations(report, access)
    assert before[0].target == world.unit_a  # the rule, wrong for a traffic complaint

    add_history(world)
    assert training.train(TriageModel.Kind.ORGANIZATION).is_live

    after = suggest_organizations(report, access)
    assert after[0].target == world.unit_b
    assert after[0].source == SOURCE_MODEL
    assert after[0].confidence > 0.5
    # The admins' rule still has its place below, as the rule it is.
    assert [(s.target, s.source) for s in after[1:]] == [(world.unit_a, SOURCE_ROUTING_RULE)]
    assert sum(s.confidence for s in after if s.source == SOURCE_MODEL) <= 1.0 + 1e-9


def test_a_national_admin_is_offered_the_agency_above_the_predicted_unit(world):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1])[0]
    suggestions = suggest_organizations(report, Access.of(world.national_admin))
    assert suggestions[0].target == world.agency
    # Both units add up at the agency, to certainty, which no suggestion shows.
    assert suggestions[0].confidence == pytest.approx(MAX_CONFIDENCE)


def test_the_confidence_shown_is_the_chance_of_being_right_the_model_measured(world, monkeypatch):
    monkeypatch.setattr(suggest, "MIN_CONFIDENCE", 0.0)  # the unlikely second one too
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    model = live_model(TriageModel.Kind.ORGANIZATION)
    assert model.confidence_map_ is None  # too few held-out reports to fit one
    shares = [s.confidence for s in suggest_organizations(report, access)]
    assert len(shares) == 2
    national = Access.of(world.national_admin)
    new = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1])[0]
    # Both units are the agency's: all of the model's distribution (shown as 0.99).
    assert [s.confidence for s in suggest_organizations(new, national)] == [MAX_CONFIDENCE]
    agency_shares = [1.0]
    # As a model fitted on a large history would have measured: flat distributions are
    # more often right than their shares say.
    model.confidence_map_ = ConfidenceMap(slope=0.6, first=0.9, intercept=-0.25)
    shown = suggest_organizations(report, access)
    assert [s.target for s in shown] == [world.unit_b, world.unit_a]
    assert [s.confidence for s in shown] == pytest.approx(model.confidence_map_(shares))
    assert [s.confidence for s in shown] != pytest.approx(shares)
    # A national admin choosing among agencies reads the map of what national admins
    # were offered on the held-out reports.
    model.offered_map_ = ConfidenceMap(slope=0.001, first=0.0, intercept=-2.0)
    offered = [s.confidence for s in suggest_organizations(new, national)]
    assert offered == pytest.approx(model.offered_map_(agency_shares))
    assert offered != pytest.approx(model.confidence_map_(agency_shares))


def regions_of_two_agencies(world):
    """The agency serves regency 33.01, the other agency regency 33.02."""
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    mine = Region.objects.create(code="33.01", name="Contoh", level=2, parent=province)
    theirs = Region.objects.create(code="33.02", name="Lain", level=2, parent=province)
    district = Region.objects.create(code="33.02.01", name="Kec. Lain", level=3, parent=theirs)
    village = Region.objects.create(code="33.02.01.2001", name="Desa", level=4, parent=district)
    world.agency.regions.set([mine])
    world.other_agency.regions.set([theirs])
    return mine, village


def test_a_national_admin_is_offered_the_agency_whose_jurisdiction_covers_the_place(world):
    mine, village = regions_of_two_agencies(world)
    add_history(world)  # every past report went to the agency's units
    training.train(TriageModel.Kind.ORGANIZATION)
    access = Access.of(world.national_admin)
    there = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], region=village)[0]
    here = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], region=mine)[0]
    assert suggest_organizations(there, access)[0].target == world.other_agency
    assert suggest_organizations(here, access)[0].target == world.agency
    nowhere = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1])[0]
    assert suggest_organizations(nowhere, access)[0].target == world.agency


def test_an_agency_outside_its_declared_jurisdiction_is_never_offered(world, client):
    _mine, village = regions_of_two_agencies(world)
    add_history(world)  # every past report went to the agency's units
    training.train(TriageModel.Kind.ORGANIZATION)
    there = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], region=village)[0]

    offered = suggest_organizations(there, Access.of(world.national_admin))

    assert [s.target for s in offered] == [world.other_agency]
    listed = [s["slug"] for s in api_get(client, world.national, there).json()["organizations"]]
    assert listed == [world.other_agency.slug]


def test_a_suggestion_right_less_than_one_time_in_ten_gets_no_button(world, client):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    # A map that shows the first suggestion at 0.8 and the others at 0.05.
    logit = lambda p: float(np.log(p / (1 - p)))  # noqa: E731
    live_model(TriageModel.Kind.ORGANIZATION).confidence_map_ = ConfidenceMap(
        slope=0.001, first=logit(0.8) - logit(0.05), intercept=logit(0.05)
    )

    html = report_page(client, world.agency_admin, report).content.decode()

    assert f'name="accept" value="{world.unit_b.pk}"' in html
    assert f'name="accept" value="{world.unit_a.pk}"' not in html
    listed = [s["slug"] for s in api_get(client, world.agency, report).json()["organizations"]]
    assert listed == [world.unit_b.slug]


def test_a_report_without_a_region_is_weighed_by_the_place_its_words_name(world):
    regions_of_two_agencies(world)  # the other agency serves regency "Lain"
    add_history(world)  # every past report went to the agency's units
    training.train(TriageModel.Kind.ORGANIZATION)
    access = Access.of(world.national_admin)
    # An SMS has no region: the citizen writes the place.
    sms = submit(world, title=NEW_TRAFFIC[0], body=f"{NEW_TRAFFIC[1]} Di Kabupaten Lain.")[0]
    assert sms.region_id is None

    assert suggest_organizations(sms, access)[0].target == world.other_agency


def test_a_routing_rule_keeps_a_place_while_the_model_knows_little(world):
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    for title, body in TRAFFIC:
        dispatched(world, title, body, world.unit_b)
    for title, body in ROADS[:2]:
        dispatched(world, title, body, world.unit_a)
    training.train(TriageModel.Kind.ORGANIZATION)
    # A traffic text the reporter filed under potholes, which the rule sends to unit A.
    report = waiting_at_agency(world)
    suggestions = suggest_organizations(report, Access.of(world.agency_admin))
    # The rule's unit is listed though the model finds it unlikely, as the rule, with
    # no chance of its own (its place is the share the rule gives it, a third).
    assert [s.target for s in suggestions] == [world.unit_b, world.unit_a]
    lifted = suggestions[1]
    assert (lifted.source, lifted.confidence) == (SOURCE_ROUTING_RULE, None)
    assert suggestions[0].confidence == pytest.approx(2 / 3, abs=0.1)


def a_province_above_a_second_regency(world):
    """Province → regency → its department, beside the world's own agency."""
    K = Organization.Kind
    province = Organization.objects.create(name="Provinsi Contoh", slug="prov", kind=K.PROVINCE)
    regency = Organization.objects.create(
        name="Kabupaten Kedua", slug="kab-2", kind=K.REGENCY, parent=province
    )
    department = Organization.objects.create(
        name="Dinas Perhubungan Kedua", slug="kab-2-dishub", kind=K.DEPARTMENT, parent=regency
    )
    return province, regency, department


def test_a_departments_report_is_offered_to_its_regency_never_the_province_above(world):
    province, regency, department = a_province_above_a_second_regency(world)
    for title, body in ROADS:
        dispatched(world, title, body, world.unit_a)
    for title, body in TRAFFIC:
        report = submit(world, title=title, body=body)[0]
        lifecycle.dispatch(report, as_user(world.national_admin), department)
    training.train(TriageModel.Kind.ORGANIZATION)
    access = Access.of(world.national_admin)
    new = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1])[0]
    assert suggest_organizations(new, access)[0].target == regency
    # Waiting at that regency already: the province above is no alternative.
    lifecycle.dispatch(new, as_user(world.national_admin), regency)
    new.refresh_from_db()
    assert province not in [s.target for s in suggest_organizations(new, access)]


def test_a_report_waiting_where_the_model_expects_it_gets_no_suggestion(world, client):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    assert suggest_organizations(report, Access.of(world.national_admin)) == []
    response = report_page(client, world.national_admin, report)
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert "organization" not in form.initial  # nothing preselected on a weak guess


def test_an_admin_of_another_agency_gets_no_suggestion_outside_their_tree(world):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1])[0]
    assert suggest_organizations(report, Access.of(world.other_admin)) == []


def test_a_not_our_remit_lowers_that_organization(world):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    before = confidence_of(suggest_organizations(report, access), world.unit_b)

    bounced = dispatched(world, "Lampu lalu lintas mati lagi", NEW_TRAFFIC[1], world.unit_b)
    lifecycle.not_our_remit(bounced, as_user(world.liaison_b), "Lampu itu milik provinsi.")
    training.train(TriageModel.Kind.ORGANIZATION)

    after = confidence_of(suggest_organizations(report, access), world.unit_b)
    assert after < before


def test_a_not_our_remit_lowers_that_organization_at_once_and_outranks_its_rule(world):
    import time_machine
    from django.utils import timezone

    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    before = confidence_of(suggest_organizations(report, access), world.unit_b)
    # The standing rule sends such reports to unit B, filed under potholes.
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_b)

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        bounced = dispatched(world, "Lampu lalu lintas mati lagi", NEW_TRAFFIC[1], world.unit_b)
        lifecycle.not_our_remit(bounced, as_user(world.liaison_b), "Lampu itu milik provinsi.")

        # No retraining yet: the lesson counts now, and the rule does not lift unit B.
        after = suggest_organizations(report, access)
    assert confidence_of(after, world.unit_b) < before
    assert all(s.source != SOURCE_ROUTING_RULE for s in after if s.target == world.unit_b)


def test_recent_declines_follow_the_live_model_when_it_changes(world):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    bounced = dispatched(world, "Lampu lalu lintas mati lagi", NEW_TRAFFIC[1], world.unit_b)
    lifecycle.not_our_remit(bounced, as_user(world.liaison_b), "Lampu itu milik provinsi.")
    first = confidence_of(suggest_organizations(report, access), world.unit_b)

    training.train(TriageModel.Kind.ORGANIZATION)  # learns the decline itself

    # Read with the new model's features (the old one's examples would not even fit
    # them), and the lesson kept: now the model's own.
    again = confidence_of(suggest_organizations(report, access), world.unit_b)
    assert again <= first


def test_a_units_not_our_remit_inside_the_right_agency_keeps_that_agencys_rule(world):
    import time_machine
    from django.utils import timezone

    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    K = Organization.Kind
    new_agency = Organization.objects.create(name="Kabupaten Baru", slug="kab-baru", kind=K.REGENCY)
    transport = Organization.objects.create(
        name="Dishub Baru", slug="kab-baru-dishub", kind=K.DEPARTMENT, parent=new_agency
    )
    RoutingRule.objects.create(category=world.potholes, organization=new_agency)
    admin, liaison = world.other_admin, world.outsider  # given roles there for the test
    admin.memberships.create(organization=new_agency, role="agency_admin")
    liaison.memberships.create(organization=transport, role="liaison")
    national = Access.of(world.national_admin)
    probe = submit(world, title=ROADS[3][0], body=ROADS[3][1])[0]
    assert (new_agency, SOURCE_ROUTING_RULE) in [
        (s.target, s.source) for s in suggest_organizations(probe, national)
    ]

    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1)):
        # The right agency; its admin picked the wrong unit, which passes it back to them.
        earlier = submit(world, title=ROADS[3][0], body=ROADS[3][1] + " Sudah sebulan.")[0]
        lifecycle.dispatch(earlier, as_user(world.national_admin), new_agency)
        lifecycle.dispatch(earlier, as_user(admin), transport)
        lifecycle.not_our_remit(earlier, as_user(liaison), "Ini urusan Dinas PU, bukan Dishub.")
        after = suggest_organizations(type(probe).objects.get(pk=probe.pk), national)
    assert (new_agency, SOURCE_ROUTING_RULE) in [(s.target, s.source) for s in after]


def test_the_organization_that_passed_the_report_back_is_not_suggested_again(world, client):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    assert suggest_organizations(report, access)[0].target == world.unit_b
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    lifecycle.not_our_remit(report, as_user(world.liaison_b), "Lampu itu milik provinsi.")
    report.refresh_from_db()
    assert world.unit_b not in [s.target for s in suggest_organizations(report, access)]
    # Nor as the routing rule, nor preselected in the dispatch form.
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_b)
    assert world.unit_b not in [s.target for s in suggest_organizations(report, access)]
    response = report_page(client, world.agency_admin, report)
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert form.initial.get("organization") != world.unit_b.pk
    assert world.unit_b in form.fields["organization"].queryset  # still a choice


def test_a_passing_back_makes_no_other_unit_likelier(world, client, monkeypatch):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    monkeypatch.setattr(suggest, "MIN_CONFIDENCE", 0.0)  # to see how unlikely unit A is
    before = confidence_of(suggest_organizations(report, access), world.unit_a)
    lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    lifecycle.not_our_remit(report, as_user(world.liaison_b), "Lampu itu milik provinsi.")
    report.refresh_from_db()

    # Unit B said where the report does not belong, not that unit A is now its place.
    after = suggest_organizations(report, access)
    assert [s.target for s in after] == [world.unit_a]
    assert after[0].confidence == pytest.approx(before) and before < 0.1
    monkeypatch.undo()
    # Right less than one time in ten: no button, and the card says there is none.
    assert suggest_organizations(report, access) == []
    html = report_page(client, world.agency_admin, report).content.decode()
    assert 'data-suggestions="none"' in html and 'name="accept"' not in html
    assert api_get(client, world.agency, report).json()["organizations"] == []
    # The admins' routing rule is still offered, as the rule it is.
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    assert [(s.target, s.source) for s in suggest_organizations(report, access)] == [
        (world.unit_a, SOURCE_ROUTING_RULE)
    ]


def test_a_not_our_remit_for_a_like_report_makes_no_other_unit_likelier(world, monkeypatch):
    monkeypatch.setattr(suggest, "MIN_CONFIDENCE", 0.0)
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    access = Access.of(world.agency_admin)
    before = {s.target: s.confidence for s in suggest_organizations(report, access)}
    bounced = dispatched(world, "Lampu lalu lintas mati lagi", NEW_TRAFFIC[1], world.unit_b)
    lifecycle.not_our_remit(bounced, as_user(world.liaison_b), "Lampu itu milik provinsi.")

    recent = {s.target: s.confidence for s in suggest_organizations(report, access)}
    assert recent[world.unit_b] < before[world.unit_b]
    assert recent[world.unit_a] == pytest.approx(before[world.unit_a])

    # Learnt by the next model as its own example: the same, against that model.
    training.train(TriageModel.Kind.ORGANIZATION)
    model = live_model(TriageModel.Kind.ORGANIZATION)
    learned = {s.target: s.confidence for s in suggest_organizations(report, access)}
    monkeypatch.setattr(model, "negatives", None)
    monkeypatch.setattr(suggest, "_recent", lambda model: (None, []))
    unlowered = {s.target: s.confidence for s in suggest_organizations(report, access)}
    assert learned[world.unit_b] < unlowered[world.unit_b]
    assert learned[world.unit_a] == pytest.approx(unlowered[world.unit_a])


def test_a_new_agencys_rule_is_suggested_though_the_model_never_saw_its_units(world):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    K = Organization.Kind
    new_agency = Organization.objects.create(name="Kabupaten Baru", slug="kab-baru", kind=K.REGENCY)
    roads = Organization.objects.create(
        name="Dinas PU Baru", slug="kab-baru-pu", kind=K.DEPARTMENT, parent=new_agency
    )
    RoutingRule.objects.create(category=world.potholes, organization=roads)
    admin = type(world.agency_admin).objects.create_user(
        email="admin@kab-baru.example.id", password="x", full_name="Admin Baru"
    )
    admin.memberships.create(organization=new_agency, role="agency_admin")
    report = submit(world, title=ROADS[0][0], body=ROADS[0][1])[0]
    lifecycle.dispatch(report, as_user(world.national_admin), new_agency)
    report.refresh_from_db()
    suggestions = suggest_organizations(report, Access.of(admin))
    assert [(s.target, s.source) for s in suggestions] == [(roads, SOURCE_ROUTING_RULE)]


def test_a_negative_example_alone_lowers_its_label():
    texts = [body for _, body in ROADS + TRAFFIC]
    labels = ["roads"] * len(ROADS) + ["traffic"] * len(TRAFFIC)
    model = TextClassifier().fit(texts, labels)
    before = dict(model.top(NEW_TRAFFIC[1], 2))["traffic"]
    model.remember_negatives([NEW_TRAFFIC[1]], ["traffic"])
    assert dict(model.top(NEW_TRAFFIC[1], 2))["traffic"] < before


def test_categories_are_suggested_from_verified_reports(world):
    for title, body in ROADS:
        dispatched(world, title, body, world.unit_a)
    for title, body in TRAFFIC:
        report = submit(world, title=title, body=body, category=world.roads)[0]
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    training.train(TriageModel.Kind.CATEGORY)
    report = submit(world, title=MIXED[0], body=MIXED[1], category=None)[0]
    suggestions = suggest_categories(report)
    assert [s.target for s in suggestions] == [world.roads, world.potholes]


def category_history(world) -> None:
    for title, body in ROADS:
        dispatched(world, title, body, world.unit_a)
    for title, body in TRAFFIC:
        report = submit(world, title=title, body=body, category=world.roads)[0]
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    training.train(TriageModel.Kind.CATEGORY)


def test_a_category_right_less_than_one_time_in_ten_is_not_offered(world, monkeypatch):
    category_history(world)
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], category=None)[0]
    monkeypatch.setattr(suggest, "MIN_CONFIDENCE", 0.0)
    everything = suggest_categories(report)
    assert [s.target for s in everything] == [world.roads, world.potholes]
    assert everything[1].confidence < 0.1
    monkeypatch.undo()

    assert [s.target for s in suggest_categories(report)] == [world.roads]


def test_no_confidence_claims_certainty(world, client):
    category_history(world)
    # Only the traffic texts were filed under the parent category: a clear traffic
    # report is that category's to the last digit of the model's distribution.
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1] * 3, category=None)[0]
    model = live_model(TriageModel.Kind.CATEGORY)
    model.confidence_map_ = ConfidenceMap(slope=5.0, first=3.0, intercept=2.0)
    assert model.confidences([0.999999]) == [MAX_CONFIDENCE]
    first = suggest_categories(report)[0]
    assert (first.confidence, first.percent) == (MAX_CONFIDENCE, 99)
    html = report_page(client, world.national_admin, report).content.decode()
    assert "100%" not in html and 'data-confidence="0.990">99%' in html


def test_the_dispatch_form_preselects_the_likeliest_category_when_none_is_set(world, client):
    category_history(world)
    report = submit(world, title=MIXED[0], body=MIXED[1], category=None)[0]
    response = report_page(client, world.national_admin, report)
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert form.initial["category"] == world.roads.pk
    html = response.content.decode()
    assert f'data-fill="#id_dispatch_category" data-value="{world.potholes.pk}"' in html


def test_the_dispatch_form_keeps_a_category_the_report_already_has(world, client):
    category_history(world)
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], category=world.potholes)[0]
    response = report_page(client, world.national_admin, report)
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert "category" not in form.initial


def test_dispatching_with_a_category_settles_it_on_the_timeline(world, client):
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], category=None)[0]
    client.force_login(world.national_admin)
    url = reverse("workspace:action", args=[report.tracking_code, "dispatch"])
    posted = {"organization": world.agency.pk, "category": world.potholes.pk}
    response = client.post(url, {**posted, "version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.category == world.potholes
    event = report.events.get(action=lifecycle.Action.DISPATCH)
    assert event.data["category"] == world.potholes.pk
    assert event.data["previous_category"] is None


def test_dispatching_without_a_category_keeps_the_reporters_choice(world):
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], category=world.roads)[0]
    lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
    report.refresh_from_db()
    assert report.category == world.roads


def test_a_retired_category_cannot_be_set_by_dispatching(world):
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1], category=None)[0]
    world.potholes.is_active = False
    world.potholes.save()
    with pytest.raises(lifecycle.TransitionError):
        lifecycle.dispatch(
            report, as_user(world.national_admin), world.agency, category=world.potholes
        )
    report.refresh_from_db()
    assert report.category is None and report.status == "submitted"


def test_organization_models_are_also_measured_at_the_agency_level(world, settings):
    settings.TRIAGE_MIN_SAMPLES = 4
    add_history(world)
    model = training.train(TriageModel.Kind.ORGANIZATION)
    # Both units are the agency's: a unit mistaken for its sibling is the right agency.
    assert model.metrics["n_test"] > 0
    assert model.metrics["group_top1"] == 1.0 >= model.metrics["top1"]
    assert training.agencies_of([world.unit_a.pk, world.agency.pk]) == {
        world.unit_a.pk: world.agency.pk,
        world.agency.pk: world.agency.pk,
    }


def test_the_national_offer_weighs_agencies_by_their_jurisdiction(world):
    mine, village = regions_of_two_agencies(world)
    offer = NationalOffer(
        {world.unit_b.pk: world.agency.pk, world.other_agency.pk: world.other_agency.pk}
    )
    classes = np.array([world.unit_b.pk, world.other_agency.pk])
    proba = np.array([0.7, 0.3])

    def agencies(region):
        return [pk for pk, _share in offer.ranked(classes, proba, region)]

    # An agency whose declared jurisdiction leaves out the place is not offered there;
    # what the model gave it still counts, so the others are not the likelier for it.
    assert agencies(village.code) == [world.other_agency.pk]
    assert agencies(mine.code) == [world.agency.pk]
    assert sum(share for _pk, share in offer.ranked(classes, proba, village.code)) < 1
    # Without a place the shares are the model's, added up at each agency.
    assert offer.ranked(classes, proba, None) == [
        (world.agency.pk, pytest.approx(0.7)),
        (world.other_agency.pk, pytest.approx(0.3)),
    ]
    # An agency whose jurisdiction covers the place is offered though the model never
    # saw it, as on the verification screen.
    only_mine = offer.ranked(classes[:1], proba[:1], village.code)
    assert [pk for pk, _share in only_mine] == [world.other_agency.pk]


def test_an_agency_admin_is_offered_the_units_of_their_own_agency(world):
    agency_of = {
        world.unit_a.pk: world.agency.pk,
        world.unit_b.pk: world.agency.pk,
        world.agency.pk: world.agency.pk,
        world.other_agency.pk: world.other_agency.pk,
    }
    offer = NationalOffer(agency_of)
    classes = np.array([world.unit_a.pk, world.unit_b.pk, world.agency.pk, world.other_agency.pk])
    proba = np.array([0.3, 0.1, 0.1, 0.5])
    # A report that went to unit A waits first at its agency: its admin chooses among the
    # agency's units; the other agency is out of the choice, the agency's own share
    # counts as the holder's does on the screen.
    assert offer.among_units(classes, proba, world.unit_a.pk, None) == [
        (world.unit_a.pk, pytest.approx(0.6)),
        (world.unit_b.pk, pytest.approx(0.2)),
    ]
    # A report that stayed with an agency offered its admin no choice of units.
    assert offer.among_units(classes, proba, world.other_agency.pk, None) == []


def test_organization_models_are_measured_on_what_national_admins_are_offered(world):
    _mine, village = regions_of_two_agencies(world)
    # Every past report from the other city's village went to this regency's units,
    # against the jurisdictions the agencies declare: the model alone is right at the
    # agency level, what a national admin is offered is not.
    for title, body in ROADS:
        report = submit(world, title=title, body=body, region=village)[0]
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
        lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_a)
    for title, body in TRAFFIC:
        report = submit(world, title=title, body=body, region=village)[0]
        lifecycle.dispatch(report, as_user(world.national_admin), world.agency)
        lifecycle.dispatch(report, as_user(world.agency_admin), world.unit_b)
    model = training.train(TriageModel.Kind.ORGANIZATION)
    metrics = model.metrics
    assert metrics["n_test"] > 0
    # The regency is not offered at all: its jurisdiction leaves out the village.
    assert (metrics["group_top1"], metrics["offered_top1"], metrics["offered_top3"]) == (1.0, 0, 0)
    assert model.agency_figures == (0.0, 0.0)


def test_too_little_history_trains_no_model(world):
    dispatched(world, *ROADS[0], world.unit_a)
    assert training.train(TriageModel.Kind.ORGANIZATION) is None
    assert not TriageModel.objects.exists()


def test_the_live_model_can_be_switched_and_every_process_follows(world):
    add_history(world)
    first = training.train(TriageModel.Kind.ORGANIZATION)
    second = training.train(TriageModel.Kind.ORGANIZATION)
    assert (first.version, second.version) == (1, 2)
    served = live_model(TriageModel.Kind.ORGANIZATION)
    assert live_model(TriageModel.Kind.ORGANIZATION) is served  # loaded once
    call_command("retrain_triage", "--make-live", "organization", "1")
    assert list(TriageModel.objects.filter(is_live=True)) == [first]
    assert live_model(TriageModel.Kind.ORGANIZATION) is not served
    call_command("retrain_triage", "--make-live", "organization", "v2")  # as --list shows it
    assert list(TriageModel.objects.filter(is_live=True)) == [second]
    with pytest.raises(CommandError, match="number"):
        call_command("retrain_triage", "--make-live", "organization", "terbaru")


def test_retraining_is_due_after_enough_new_labels(world, settings):
    settings.TRIAGE_RETRAIN_AFTER_LABELS = 3
    from django.utils import timezone

    assert training.retrain_if_due(timezone.now()) == []
    add_history(world)
    assert TriageModel.Kind.ORGANIZATION in training.due_kinds(timezone.now())
    call_command("retrain_triage")
    assert training.due_kinds(timezone.now()) == []
    for title, body in ROADS[:2]:
        dispatched(world, title, body, world.unit_a)
    assert training.retrain_if_due(timezone.now()) == [TriageModel.Kind.ORGANIZATION]
    assert training.retrain_if_due(timezone.now()) == []  # enqueued already


# --- The dispatch form -------------------------------------------------------------------


def report_page(client, user, report):
    client.force_login(user)
    return client.get(reverse("workspace:report", args=[report.tracking_code]))


def test_the_dispatch_form_shows_the_suggestions_and_preselects_the_best(world, client):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    response = report_page(client, world.agency_admin, report)
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert form.initial["organization"] == world.unit_b.pk
    html = response.content.decode()
    assert f'name="accept" value="{world.unit_b.pk}"' in html
    assert 'data-source="model"' in html
    assert 'type="hidden" name="accept"' not in html  # it would shadow the buttons


@pytest.mark.parametrize("first, preselected", [(0.45, False), (0.6, True)])
def test_a_suggestion_is_preselected_only_when_more_likely_right_than_wrong(
    world, client, first, preselected
):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    # A map that shows the first suggestion at `first`, whatever its share; the others
    # at 0.2.
    logit = lambda p: float(np.log(p / (1 - p)))  # noqa: E731
    live_model(TriageModel.Kind.ORGANIZATION).confidence_map_ = ConfidenceMap(
        slope=0.001, first=logit(first) - logit(0.2), intercept=logit(0.2)
    )
    response = report_page(client, world.agency_admin, report)
    form = next(f for f in response.context["action_forms"] if f.action == "dispatch")
    assert form.suggestions[0].confidence == pytest.approx(first, abs=0.01)
    assert (form.initial.get("organization") == world.unit_b.pk) is preselected


def test_one_click_on_a_suggestion_dispatches_there(world, client):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    client.force_login(world.agency_admin)
    url = reverse("workspace:action", args=[report.tracking_code, "dispatch"])
    # As a browser sends it: the list's preselected value and the clicked button's.
    posted = {"organization": world.unit_a.pk, "accept": world.unit_b.pk}
    response = client.post(url, {**posted, "version": report.version})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.organization == world.unit_b


def test_one_click_cannot_dispatch_outside_the_admins_targets(world, client):
    report = waiting_at_agency(world)
    client.force_login(world.agency_admin)
    url = reverse("workspace:action", args=[report.tracking_code, "dispatch"])
    posted = {"organization": world.unit_a.pk, "accept": world.other_agency.pk}
    response = client.post(url, {**posted, "version": report.version})
    assert response.status_code == 400
    report.refresh_from_db()
    assert report.organization == world.agency


def test_an_outsider_sees_neither_the_report_nor_its_suggestions(world, client):
    report = waiting_at_agency(world)
    response = report_page(client, world.outsider, report)
    assert response.status_code in (403, 404)
    assert b"data-suggestions" not in response.content


# --- The API -----------------------------------------------------------------------------


def api_get(client, org, report, scopes=(Scope.REPORTS_READ,)):
    _key, secret = ApiKey.issue(organization=org, name="Sistem lokal", scopes=list(scopes))
    url = reverse("api:suggestions", args=[report.tracking_code])
    return client.get(url, headers={"Authorization": f"Bearer {secret}"})


def test_the_api_gives_an_agency_its_suggestions(world, client):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = waiting_at_agency(world)
    response = api_get(client, world.agency, report)
    assert response.status_code == 200
    first = response.json()["organizations"][0]
    assert (first["slug"], first["source"]) == (world.unit_b.slug, "model")
    assert 0 < first["confidence"] <= 1
    assert response.json()["categories"] == []


def test_the_api_gives_the_national_key_the_agencies_its_admins_are_offered(world, client):
    add_history(world)
    training.train(TriageModel.Kind.ORGANIZATION)
    report = submit(world, title=NEW_TRAFFIC[0], body=NEW_TRAFFIC[1])[0]  # national queue
    offered = suggest_organizations(report, Access.of(world.national_admin))

    response = api_get(client, world.national, report)

    assert response.status_code == 200
    listed = [s["slug"] for s in response.json()["organizations"]]
    assert listed == [s.target.slug for s in offered] and listed[0] == world.agency.slug


def test_the_api_refuses_another_organizations_key(world, client):
    report = waiting_at_agency(world)
    assert api_get(client, world.other_agency, report).status_code == 404


def test_the_api_needs_the_read_scope(world, client):
    report = waiting_at_agency(world)
    assert api_get(client, world.agency, report, scopes=[Scope.META_READ]).status_code == 403


def test_each_label_is_named_for_the_model_by_its_name_alone(world):
    regions_of_two_agencies(world)
    names = training.label_names(TriageModel.Kind.ORGANIZATION, {world.agency.pk, world.unit_a.pk})
    # Not its regions: a province's words are in every report of the province.
    assert names == {
        world.agency.pk: "Pemerintah Kabupaten Contoh",
        world.unit_a.pk: "Dinas Pekerjaan Umum",
    }
    categories = training.label_names(TriageModel.Kind.CATEGORY, {world.potholes.pk})
    assert categories == {world.potholes.pk: "Infrastruktur Jalan Rusak"}


def _categories(world):
    from aduan.organizations.models import Category

    bridges = Category.objects.create(name="Jembatan", slug="jembatan", parent=world.roads)
    lights = Category.objects.create(name="Lampu Jalan", slug="lampu-jalan", parent=world.roads)
    return bridges, lights


def test_the_rules_of_several_categories_are_read_in_one_query_as_one_by_one(
    world, django_assert_num_queries
):
    bridges, lights = _categories(world)
    regency = Region.objects.create(code="33.02", name="Kab. Contoh", level=2)
    RoutingRule.objects.create(category=world.roads, organization=world.unit_b)
    RoutingRule.objects.create(category=world.potholes, region=regency, organization=world.unit_a)
    RoutingRule.objects.create(category=lights, organization=world.unit_a)

    with django_assert_num_queries(1):
        routed = RoutingRule.objects.route_each([world.potholes, bridges, lights], regency)

    assert routed == {
        world.potholes.pk: world.unit_a,  # its own rule for the regency
        bridges.pk: world.unit_b,  # its parent's rule
        lights.pk: world.unit_a,
    }
    for category in (world.potholes, bridges, lights):
        assert RoutingRule.objects.route(category, regency) == routed[category.pk]
    assert RoutingRule.objects.route_each([world.potholes], None) == {
        world.potholes.pk: world.unit_b
    }


def test_categories_routed_to_one_organization_add_up_to_a_rule_worth_suggesting(world):
    from aduan.triage.suggest import Suggestion, _likeliest_routed

    bridges, lights = _categories(world)
    RoutingRule.objects.create(category=world.potholes, organization=world.unit_a)
    RoutingRule.objects.create(category=bridges, organization=world.unit_a)
    RoutingRule.objects.create(category=lights, organization=world.unit_b)

    def likely(*pairs):
        return [Suggestion(category, p, SOURCE_MODEL) for category, p in pairs]

    # 41 % damaged road and 15 % bridge: 56 % the unit's, though neither alone is fair.
    guessed = likely((world.potholes, 0.41), (lights, 0.3), (bridges, 0.15))
    assert _likeliest_routed(guessed, None) == world.unit_a
    assert _likeliest_routed(likely((world.potholes, 0.41), (lights, 0.3)), None) is None
    assert _likeliest_routed(likely((lights, 0.55), (world.potholes, 0.4)), None) == world.unit_b
    assert _likeliest_routed([], None) is None
