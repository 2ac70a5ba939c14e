"""Start a complete embedded installation: migrate, demo data, the task worker, the
periodic scans (deadlines, digests, message retries) and the web server."""

import os
import signal
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from aduan.organizations.models import Organization


class Command(BaseCommand):
    help = "Migrate, load demo data on first start, then run the worker, scans and web server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data.")

    def handle(self, *args, **options):
        self._follow_address(options)
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("Database is up to date.")
        call_command("collectstatic", interactive=False, verbosity=0)
        # Where attachments go, made here so that the health check finds it (it never
        # makes it: an unmounted volume must show as missing, not be replaced).
        Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
        if not options["no_demo"]:
            if Organization.objects.exists():
                call_command("seed_demo", accounts_only=True)
            else:
                self.stdout.write("First start: building the demo installation…")
                call_command("seed_demo")
        manage = str(settings.BASE_DIR / "manage.py")
        helpers = [
            subprocess.Popen([sys.executable, manage, "run_worker", "--queue-name", "*"]),
            subprocess.Popen([sys.executable, manage, "run_scans", "--loop", "60"]),
        ]
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            self._serve(options)
        finally:
            for process in helpers:
                process.terminate()
            for process in helpers:
                process.wait(timeout=30)

    def _follow_address(self, options) -> None:
        """Links in messages and documents point at this server when no SITE_URL is set:
        started on another port, the default address would lead nowhere. The worker and
        scans inherit it through the environment."""
        if os.environ.get("SITE_URL"):
            return
        host = options["host"]
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
        if ":" in shown:
            shown = f"[{shown}]"
        site = f"http://{shown}:{options['port']}"
        os.environ["SITE_URL"] = site
        settings.SITE_URL = settings.ADUAN_SITE_URL = site

    def _serve(self, options):
        from waitress import serve

        from aduan.wsgi import application

        url = f"http://{options['host']}:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Aduan is running at {url} (Ctrl+C stops it)."))
        self.stdout.write(f"Data lives in {settings.STATE_DIR}.")
        serve(
            application,
            host=options["host"],
            port=options["port"],
            threads=options["threads"],
            _quiet=True,
        )
