import pytest
from django.core.management import CommandError, call_command
from lokal import wilayah

from aduan.organizations.models import Region


def central_java_size() -> int:
    total, pending = 0, ["33"]
    while pending:
        code = pending.pop()
        total += 1
        if code.count(".") < 3:
            pending.extend(child.code for child in wilayah.list_wilayah(code))
    return total


@pytest.fixture
def central_java(db):
    call_command("load_regions", province="33", verbosity=0)


def test_loading_one_province_brings_every_region_down_to_the_villages(central_java):
    assert Region.objects.count() == central_java_size()
    assert not Region.objects.exclude(code__startswith="33").exists()
    assert Region.objects.filter(level=Region.Level.VILLAGE).count() > 8000


def test_regions_link_to_their_parents_with_the_right_level(central_java):
    village = Region.objects.get(code="33.02.01.2001")
    assert village.level == Region.Level.VILLAGE
    assert village.parent.code == "33.02.01"
    assert village.parent.level == Region.Level.DISTRICT
    assert village.parent.parent.name == "Kabupaten Banyumas"
    assert village.parent.parent.level == Region.Level.REGENCY
    province = Region.objects.get(code="33")
    assert (province.name, province.level, province.parent) == ("Jawa Tengah", 1, None)
    orphans = Region.objects.exclude(level=1).filter(parent__isnull=True)
    assert not orphans.exists()


def test_running_again_updates_names_without_duplicating(central_java):
    before = Region.objects.count()
    Region.objects.filter(code="33.02").update(name="Nama Lama")
    Region.objects.filter(code="33.02.01.2001").delete()

    call_command("load_regions", province="33", verbosity=0)

    assert Region.objects.count() == before
    assert Region.objects.get(code="33.02").name == "Kabupaten Banyumas"
    assert Region.objects.filter(code="33.02.01.2001").exists()


def test_an_unknown_province_code_is_refused(db):
    with pytest.raises(CommandError):
        call_command("load_regions", province="99", verbosity=0)
    assert not Region.objects.exists()
