import hashlib
from binascii import unhexlify

from django.db import migrations

from aduan.lib.sealed import is_sealed_bytes, seal_bytes

BACKUP_ROUNDS = 100_000  # as aduan.accounts.two_factor.backup_digest


def seal_and_digest(apps, schema_editor):
    """Authenticator apps' keys stored in clear are sealed; backup codes are replaced by
    their digests (the codes people hold keep working)."""
    TOTPDevice = apps.get_model("otp_totp", "TOTPDevice")
    StaticToken = apps.get_model("otp_static", "StaticToken")
    for device in TOTPDevice.objects.all().only("pk", "key").iterator():
        if device.key and not is_sealed_bytes(device.key):
            sealed = seal_bytes(unhexlify(device.key.encode()))
            TOTPDevice.objects.filter(pk=device.pk).update(key=sealed)
    tokens = StaticToken.objects.select_related("device").only(
        "pk", "token", "device__id", "device__user_id"
    )
    for token in tokens.iterator():
        salt = f"aduan-backup:{token.device.user_id}:{token.device.pk}".encode()
        digest = hashlib.pbkdf2_hmac("sha256", token.token.lower().encode(), salt, BACKUP_ROUNDS)
        StaticToken.objects.filter(pk=token.pk).update(token=digest.hex()[:16])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_phone_used"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.CreateModel(
            name="AppDevice",
            fields=[],
            options={
                "verbose_name": "authenticator app",
                "verbose_name_plural": "authenticator apps",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
        migrations.RunPython(seal_and_digest, migrations.RunPython.noop),
    ]
