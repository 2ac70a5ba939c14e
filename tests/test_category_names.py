"""Categories are shown in the reader's language: the English name on English pages,
forms, map data, back office and exports (the Indonesian one when none is set), and
the Indonesian name everywhere else."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from aduan.organizations.models import Category, RoutingRule
from aduan.reports.models import Status
from tests.personas import advance, submit
from tests.test_dashboards import make_dated_reports
from tests.test_portal_map import published

ENGLISH = "Infrastructure › Damaged roads"
INDONESIAN = "Infrastruktur › Jalan Rusak"
ALL = {"tab": "all"}


@pytest.fixture
def named(world):
    Category.objects.filter(pk=world.roads.pk).update(name_en="Infrastructure")
    Category.objects.filter(pk=world.potholes.pk).update(name_en="Damaged roads")
    world.roads.refresh_from_db()
    world.potholes.refresh_from_db()
    return world


def reader(language: str, user=None) -> Client:
    client = Client()
    client.cookies["django_language"] = language
    if user is not None:
        client.force_login(user)
    return client


def test_a_category_is_named_in_the_active_language(named):
    pothole = Category.objects.select_related("parent").get(pk=named.potholes.pk)

    with translation.override("en"):
        assert str(pothole) == ENGLISH
        assert pothole.display_name == "Damaged roads"
    with translation.override("id"):
        assert str(pothole) == INDONESIAN
        assert pothole.display_name == "Jalan Rusak"


def test_a_category_without_an_english_name_keeps_its_indonesian_one(world):
    with translation.override("en"):
        assert str(world.potholes) == INDONESIAN


def test_the_submit_form_and_the_feed_filter_offer_english_names(named):
    submit_page = reader("en").get(reverse("portal:submit")).content.decode()
    feed_page = reader("en").get(reverse("portal:feed")).content.decode()
    indonesian = reader("id").get(reverse("portal:submit")).content.decode()

    assert ENGLISH in submit_page and INDONESIAN not in submit_page
    assert ENGLISH in feed_page
    assert INDONESIAN in indonesian and ENGLISH not in indonesian


def test_the_public_report_page_and_the_map_data_use_english_names(named):
    report = published(named)

    page = reader("en").get(reverse("portal:report", args=[report.tracking_code]))
    features = reader("en").get(reverse("portal:map_reports")).json()["features"]
    features_id = reader("id").get(reverse("portal:map_reports")).json()["features"]

    assert ENGLISH in page.content.decode()
    assert features[0]["properties"]["category"] == "Damaged roads"
    assert features_id[0]["properties"]["category"] == "Jalan Rusak"


def test_the_back_office_shows_english_names(named):
    report, _secret = submit(named)
    advance(named, report, Status.DISPATCHED)
    RoutingRule.objects.create(category=named.potholes, organization=named.unit_a)
    client = reader("en", named.agency_admin)

    inbox = client.get(reverse("workspace:inbox"), ALL).content.decode()
    detail = client.get(reverse("workspace:report", args=[report.tracking_code])).content.decode()
    rules = client.get(reverse("workspace:organization", args=[named.agency.pk])).content.decode()

    assert ENGLISH in inbox and INDONESIAN not in inbox
    assert ENGLISH in detail
    assert ENGLISH in rules


def test_the_inbox_exports_name_categories_in_the_readers_language(named):
    report, _secret = submit(named)
    advance(named, report, Status.DISPATCHED)

    english = reader("en", named.agency_admin)
    csv_text = _streamed(english.get(reverse("workspace:export"), ALL))
    book = openpyxl.load_workbook(
        io.BytesIO(english.get(reverse("workspace:export_xlsx"), ALL).content)
    )
    indonesian = _streamed(reader("id", named.agency_admin).get(reverse("workspace:export"), ALL))

    rows = list(csv.reader(io.StringIO(csv_text)))
    column = rows[0].index("Category")
    assert rows[1][column] == ENGLISH
    assert ENGLISH in [cell.value for cell in next(book.active.iter_rows(min_row=2))]
    assert INDONESIAN in indonesian


def _streamed(response) -> str:
    """A streamed export as its reader gets it: the rows are made after the view has
    returned, so with another language active by then."""
    with translation.override("id" if response.wsgi_request.LANGUAGE_CODE == "en" else "en"):
        return b"".join(response.streaming_content).decode("utf-8-sig")


def test_the_overdue_export_names_categories_in_the_readers_language(named):
    make_dated_reports(named)
    client = reader("en", named.supervisor)

    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("monev:overdue_xlsx")).content))
    values = [cell.value for row in book.active.iter_rows() for cell in row]

    assert "Damaged roads" in values and "Jalan Rusak" not in values


def test_category_lists_are_in_the_alphabetical_order_of_the_page_language(named):
    # "Air Bersih" comes before "Infrastruktur" in Indonesian; "Water" after
    # "Infrastructure" in English.
    water = Category.objects.create(name="Air Bersih", name_en="Water supply", slug="air")

    def offered(language: str) -> list[str]:
        form = reader(language).get(reverse("portal:submit")).context["form"]
        return [label for value, label in form.fields["category"].choices if value]

    indonesian = offered("id")
    english = offered("en")

    assert indonesian.index(water.name) < indonesian.index("Infrastruktur")
    assert indonesian.index("Infrastruktur") < indonesian.index(INDONESIAN)
    assert english.index("Infrastructure") < english.index(ENGLISH) < english.index("Water supply")
