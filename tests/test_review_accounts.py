"""Review of the account self-service and erasure (commit 0d208c0): what an erased
account still leaves behind, and what the copy of one's data says of other reports."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from aduan.accounts.email_change import change_token, confirm_change
from aduan.accounts.erasure import erase_account
from aduan.accounts.models import User
from aduan.notifications.events import announce
from aduan.notifications.models import Notification
from aduan.reports import lifecycle
from aduan.reports.models import Report
from tests.personas import PASSWORD, advance, as_user, submit


def _public_page(report) -> str:
    return Client().get(reverse("portal:report", args=[report.tracking_code])).content.decode()


def test_an_officers_public_answer_naming_the_reporter_stays_masked_after_the_erasure(
    world,
):
    report, _ = submit(world, reporter=world.citizen, title="Lampu jalan padam di gang")
    advance(world, report, "dispatched")
    report = Report.objects.get(pk=report.pk)
    lifecycle.respond(
        report, as_user(world.liaison_a), "Terima kasih Ibu Siti Warga, petugas datang besok."
    )
    assert "Siti Warga" not in _public_page(report)  # masked while the account exists

    erase_account(User.objects.get(pk=world.citizen.pk))

    page = _public_page(Report.objects.get(pk=report.pk))
    assert "Siti" not in page
    assert "Terima kasih Ibu S*** W***, petugas datang besok." in page


def test_the_reporters_name_in_the_address_stays_masked_publicly_after_the_erasure(world):
    report, _ = submit(
        world,
        reporter=world.citizen,
        title="Pohon tumbang",
        address="Depan rumah Siti Warga, RT 3 Desa Sukamaju",
    )
    advance(world, report, "dispatched")
    assert "Siti Warga" not in _public_page(report)

    erase_account(User.objects.get(pk=world.citizen.pk))

    page = _public_page(Report.objects.get(pk=report.pk))
    assert "Siti" not in page


def test_the_officers_messages_about_an_erased_reporters_report_lose_the_name_and_number(
    world,
):
    report, _ = submit(
        world,
        reporter=world.citizen,
        title="Siti Warga: lampu padam",
        body="Saya Siti Warga, hubungi 0812-3456-7890. Lampu jalan padam.",
    )
    advance(world, report, "dispatched")
    announce(list(report.events.all()))
    assert Notification.objects.filter(report=report).exclude(user=world.citizen).exists()

    erase_account(User.objects.get(pk=world.citizen.pk))

    for row in Notification.objects.filter(report=report):
        for text in (row.subject, row.body, row.short):
            assert "Siti" not in text and "3456" not in text, text


def test_sign_ins_under_a_former_address_go_with_the_account(world, client_for):
    from axes.models import AccessLog

    signed_in = Client().post(
        reverse("accounts:login"), {"username": "warga@example.id", "password": PASSWORD}
    )
    assert signed_in.status_code == 302
    assert AccessLog.objects.filter(username__iexact="warga@example.id").exists()
    user = User.objects.get(pk=world.citizen.pk)
    confirm_change(change_token(user, "siti.baru@example.id"))

    data = json.loads(
        client_for(User.objects.get(pk=user.pk))
        .post(reverse("accounts:my_data"), {"password": PASSWORD})
        .content
    )
    # Every sign-in is the citizen's: the one under the former address, and this one.
    assert len(data["sign_ins"]) == AccessLog.objects.count() == 2

    erase_account(User.objects.get(pk=user.pk))
    assert not AccessLog.objects.filter(username__iexact="warga@example.id").exists()


def test_the_copy_does_not_give_the_code_of_a_confidential_report_it_was_merged_into(
    world, client_for
):
    original, _ = submit(world, reporter=world.outsider, title="Pungli di kantor desa")
    advance(world, original, "dispatched")
    lifecycle.set_flags(
        Report.objects.get(pk=original.pk), as_user(world.national_admin), confidential=True
    )
    mine, _ = submit(world, reporter=world.citizen, title="Pungutan liar di kantor desa")
    lifecycle.mark_duplicate(
        mine, as_user(world.national_admin), Report.objects.get(pk=original.pk)
    )

    response = client_for(world.citizen).post(reverse("accounts:my_data"), {"password": PASSWORD})

    assert original.tracking_code not in response.content.decode()


def test_nobody_can_take_the_address_a_deleted_account_will_get(world, client):
    placeholder = f"akun-{world.citizen.pk}@akun-dihapus.invalid"

    response = client.post(
        reverse("accounts:signup"),
        {
            "full_name": "Penyusup",
            "email": placeholder,
            "password1": "sapu-lidi-merah-77",
            "password2": "sapu-lidi-merah-77",
        },
    )

    assert response.status_code != 302
    assert not User.objects.filter(email=placeholder).exists()
    erase_account(User.objects.get(pk=world.citizen.pk))  # and the erasure still works
    assert User.objects.get(pk=world.citizen.pk).email == placeholder


def test_an_account_cannot_ask_to_move_to_the_deleted_accounts_domain(world, client_for):
    response = client_for(world.citizen).post(
        reverse("accounts:email_change"),
        {"new_email": "akun-999@akun-dihapus.invalid", "password": PASSWORD},
    )

    assert response.status_code == 400


def test_a_rename_loaded_before_the_erasure_does_not_bring_the_account_back(world):
    import contextlib

    from aduan.accounts.forms import ChangePasswordForm, NameForm

    stale = User.objects.get(pk=world.citizen.pk)  # a request of a second tab, in flight
    erase_account(User.objects.get(pk=world.citizen.pk))

    with contextlib.suppress(Exception):
        NameForm({"full_name": "Siti Baru"}, instance=stale).save()
    with contextlib.suppress(Exception):
        data = {"old_password": PASSWORD, "new_password1": "x-9-kata-sandi-baru"}
        ChangePasswordForm(stale, {**data, "new_password2": data["new_password1"]}).save()

    user = User.objects.get(pk=world.citizen.pk)
    assert user.is_erased and not user.is_active
    assert (user.full_name, user.former_names) == ("", [])
    assert user.email.endswith("@akun-dihapus.invalid")
    assert not user.has_usable_password()


def test_two_tabs_renaming_the_account_keep_every_former_name(world):
    from aduan.accounts.forms import NameForm

    first = User.objects.get(pk=world.citizen.pk)
    second = User.objects.get(pk=world.citizen.pk)
    NameForm({"full_name": "Siti Rahmawati"}, instance=first).save()
    NameForm({"full_name": "Ibu Rahma"}, instance=second).save()

    user = User.objects.get(pk=world.citizen.pk)
    assert "Siti Warga" in user.former_names and "Siti Rahmawati" in user.former_names


def test_the_handlers_are_not_told_a_deleted_account_may_still_confirm_its_address(
    world, client_for
):
    report, _ = submit(world, reporter=world.citizen, title="Lampu jalan padam di gang")
    advance(world, report, "dispatched")
    erase_account(User.objects.get(pk=world.citizen.pk))

    page = client_for(world.liaison_a).get(reverse("workspace:report", args=[report.tracking_code]))

    text = page.content.decode()
    assert "once they confirm their address" not in text
    assert "The reporter deleted their account" in text
