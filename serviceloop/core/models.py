"""The audit trail (痕迹化管理): append-only rows saying who did what to which object, and when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AuditEvent(models.Model):
    at = models.DateTimeField(_("at"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("by")
    )
    action = models.CharField(_("action"), max_length=50, db_index=True)
    object_type = models.CharField(_("object type"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=50, blank=True)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.summary}"


class JobState(models.Model):
    """One row per background job: when it last ran, and a lease so that several runners never run it at once."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    # Which runner holds the lease: a runner that outlived its lease must not release the next one's.
    locked_by = models.CharField(_("locked by"), max_length=32, blank=True)
    last_started_at = models.DateTimeField(_("last started"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("last finished"), null=True, blank=True)
    last_result = models.CharField(_("last result"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("background job")
        verbose_name_plural = _("background jobs")

    def __str__(self):
        return self.name


class WorkStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("work", "Queued")
    RUNNING = "running", pgettext_lazy("work", "Running")
    DONE = "done", pgettext_lazy("work", "Done")
    FAILED = "failed", pgettext_lazy("work", "Failed")


class Work(models.Model):
    """Long work a user started (an import, an export, a batch of PDFs): its progress and its result.

    The work itself runs in a django-tasks worker (`core/background.py`); this row is what the user's page
    polls. ``func_path`` names a function marked ``@background`` and ``kwargs`` its JSON arguments.
    """

    title = models.CharField(_("title"), max_length=200)
    func_path = models.CharField(_("function"), max_length=200)
    kwargs = models.JSONField(_("arguments"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="works", verbose_name=_("by")
    )
    created_at = models.DateTimeField(_("created at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=WorkStatus.choices, default=WorkStatus.QUEUED
    )
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    result_url = models.CharField(_("result page"), max_length=300, blank=True)
    file = models.CharField(_("file"), max_length=300, blank=True)  # relative to MEDIA_ROOT
    filename = models.CharField(_("file name"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("background work")
        verbose_name_plural = _("background work")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("work", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.status in {WorkStatus.DONE, WorkStatus.FAILED}

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, round(100 * self.done / self.total))
