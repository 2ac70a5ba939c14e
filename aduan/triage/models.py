"""Trained suggestion models, recorded as data: which exist, how good, which one is live."""

from __future__ import annotations

import logging

from django.db import models, transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aduan.lib.locks import hold_lock

log = logging.getLogger(__name__)


class TriageModel(models.Model):
    """One trained classifier; its weights live in a joblib file under STATE_DIR/triage."""

    class Kind(models.TextChoices):
        ORGANIZATION = "organization", _("organization")
        CATEGORY = "category", _("category")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    version = models.PositiveIntegerField(_("version"))
    trained_at = models.DateTimeField(_("trained at"), default=timezone.now)
    n_samples = models.PositiveIntegerField(_("reports learned from"), default=0)
    n_negatives = models.PositiveIntegerField(_("'not our remit' examples"), default=0)
    # Held-out figures: top1, top3, macro_f1, train_seconds, n_train, n_test.
    metrics = models.JSONField(_("metrics"), default=dict, blank=True)
    file = models.CharField(_("file"), max_length=255)
    is_live = models.BooleanField(_("live"), default=False)

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "version"], name="triage_model_version"),
            models.UniqueConstraint(
                fields=["kind"], condition=models.Q(is_live=True), name="triage_one_live_model"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def agency_figures(self) -> tuple[float, float] | None:
        """Top-1 and top-3 of what a national admin is offered (agencies, with their
        declared jurisdictions weighed in); for versions trained before that was
        measured, of the model's probabilities added up at each agency; None for
        categories."""
        metrics = self.metrics or {}
        for prefix in ("offered", "group"):
            if metrics.get(f"{prefix}_top1") is not None:
                return metrics[f"{prefix}_top1"], metrics[f"{prefix}_top3"]
        return None

    def make_live(self, *, check: bool = True) -> None:
        """Serve this model from now on; every process picks it up at its next suggestion.

        With `check`, its file is loaded first: raises UnusableModel for one that is
        missing on this host or does not load, which would leave the routing rules
        suggesting while the row says the model serves."""
        if check:
            self.check_loads()
        with transaction.atomic():
            # A retraining prunes versions under the same lock: the chosen one is either
            # still there or was deleted while its file was loaded (then nothing changes).
            hold_lock(f"aduan.triage.versions.{self.kind}")
            TriageModel.objects.filter(kind=self.kind, is_live=True).exclude(pk=self.pk).update(
                is_live=False
            )
            if not TriageModel.objects.filter(pk=self.pk).update(is_live=True):
                raise self._gone()
        self.is_live = True

    def _gone(self):
        from aduan.triage.training import UnusableModel

        message = _(
            "%(model)s cannot be made live: it has been deleted meanwhile (a retraining "
            "keeps only the newest versions). The live version is unchanged."
        )
        return UnusableModel(message % {"model": self}, "deleted", "DoesNotExist")

    def check_loads(self) -> None:
        """Raise UnusableModel, saying why for people, unless this model's file loads."""
        from aduan.triage.training import UnusableModel, load_model

        try:
            load_model(self.file)
        except UnusableModel as exc:
            message = _("%(model)s cannot be made live: %(reason)s.")
            reason = message % {"model": self, "reason": exc}
            raise UnusableModel(reason, exc.problem, exc.error) from exc


@receiver(post_delete, sender=TriageModel)
def _remove_file(sender, instance: TriageModel, **kwargs) -> None:
    """A deleted version's file goes with it, once the deletion is committed: a deletion
    rolled back keeps the row, which still needs its file."""
    stored = instance.file

    def remove() -> None:
        from aduan.triage.training import model_file

        if TriageModel.objects.filter(file=stored).exists():
            return
        try:
            model_file(stored).unlink(missing_ok=True)
        except OSError as exc:  # the row is gone either way; the file is left to remove
            log.warning("Triage model file %s could not be removed: %s", stored, exc)

    transaction.on_commit(remove)


class Retraining(models.Model):
    """The state of retraining one kind, shared by every process and host: whether a
    retraining runs now (one at a time, whoever started it) and what the last one that
    found too few labels saw, so that the next waits until the history has grown."""

    kind = models.CharField(_("kind"), max_length=20, choices=TriageModel.Kind.choices, unique=True)
    running_since = models.DateTimeField(_("running since"), null=True, blank=True)
    # Who runs it and when it last showed a sign of life: a run killed outright (the
    # out-of-memory killer) never clears its claim, and is known by its silence.
    host = models.CharField(_("host"), max_length=255, blank=True)
    pid = models.PositiveIntegerField(_("process"), null=True, blank=True)
    alive_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    # When reports' words were taken back (an erasure) while a run was reading them: the
    # run that started before this is followed by another.
    words_changed_at = models.DateTimeField(
        _("reports' words changed during a run at"), null=True, blank=True
    )
    gave_up_at = models.DateTimeField(_("last found too few labels at"), null=True, blank=True)
    labels_then = models.PositiveIntegerField(_("labels it found"), default=0)

    class Meta:
        verbose_name = _("retraining")
        verbose_name_plural = _("retrainings")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}"
