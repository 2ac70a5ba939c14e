"""The place a report without a region names in its words (`aduan.triage.places`)."""

from __future__ import annotations

import pytest

from aduan.organizations.models import Region
from aduan.triage.places import named_region

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def regions(db):
    province = Region.objects.create(code="33", name="Jawa Tengah", level=1)
    made = {}
    for code, name in [
        ("33.02", "Kabupaten Banyumas"),
        ("33.03", "Kabupaten Purbalingga"),
        ("33.22", "Kabupaten Semarang"),
        ("33.74", "Kota Semarang"),
        ("33.25", "Kabupaten Batang"),
        ("35.07", "Kabupaten Malang"),
        ("35.79", "Kota Batu"),
        ("12.19", "Kabupaten Batu Bara"),
        ("15.72", "Kota Sungai Penuh"),
        ("18.72", "Kota Metro"),
        ("52.04", "Kabupaten Sumbawa"),
        ("13.71", "Kota Padang"),
    ]:
        made[code] = Region.objects.create(code=code, name=name, level=2, parent=province)
    for code, name in [
        ("33.03.02", "Bukateja"),
        ("33.74.10", "Tembalang"),
        ("33.22.01", "Getasan"),
        ("33.02.15", "Purwokerto Timur"),
    ]:
        parent = made[code.rsplit(".", 1)[0]]
        Region.objects.create(code=code, name=name, level=3, parent=parent)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("ktp blm jadi, rekam di kantor kecamatan bukateja purbalingga", "33.03.02"),
        ("Jalan rusak di Purbalingga dekat alun-alun", "33.03"),
        ("jalan rusak parah di purbalingga mhn diperbaiki", "33.03"),  # long bare name
        ("lampu PJU mati di kota semarang", "33.74"),
        ("lampu mati di kab. semarang dekat pasar", "33.22"),
        ("banjir di Tembalang Semarang sejak semalam", "33.74.10"),  # the district decides
        ("sampah menumpuk di kec. Purwokerto Timur", "33.02.15"),
    ],
)
def test_a_clear_naming_gives_the_place(text, code):
    assert named_region(text) == code


@pytest.mark.parametrize(
    "text",
    [
        "lampu mati di Semarang",  # the regency or the city: it does not say which
        "warga Banyumas bekerja di Purbalingga, jalan rusak",  # two regencies
        "nasib kami malang sekali, batang pohon tumbang menutup jalan",  # ordinary words
        "Sungai penuh sampah dan bau, mohon dibersihkan",
        "Truk batu bara merusak jalan desa setiap malam",
        "Lubang besar di Jl. Sumbawa depan SD, bahaya untuk motor",  # a street
        "Metro mini ugal-ugalan di jalan raya",  # a capital opening a sentence
        "Batu besar menutup saluran air di gang kami",
        "Padang rumput dekat sekolah dibakar orang",
        "jalan rusak di depan pasar",
        "",
    ],
)
def test_an_unclear_or_missing_naming_gives_no_place(text):
    assert named_region(text) is None


def test_new_regions_are_read_without_restarting(db):
    assert named_region("jalan rusak di Kabupaten Kebumen") is None
    Region.objects.create(code="33.05", name="Kabupaten Kebumen", level=2, parent_id="33")
    assert named_region("jalan rusak di Kabupaten Kebumen") == "33.05"
