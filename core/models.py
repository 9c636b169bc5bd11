from django.conf import settings
from django.db import models


class OutboxMessage(models.Model):
    """An e-mail recorded in the same transaction as whatever decided to send it (a reminder's claim, a
    notification marked e-mailed). Nothing is sent unless that transaction commits; a sender delivers the row
    afterwards and marks it sent, under a row lock, so two senders never send it twice and a failed send leaves
    it for the next run."""

    subject = models.CharField(max_length=300)
    body = models.TextField()
    to = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["sent_at", "id"], name="outbox_unsent")]

    def __str__(self):
        return f"{self.subject} to {self.to}"


class BackgroundJob(models.Model):
    """A long action run by a task worker: who asked for it, how far it has got and what came of it. The page
    of a job is its owner's only; ``messages`` are what the page would have said had it run in the request."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting for a worker"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Finished"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="background_jobs")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField(max_length=100, blank=True)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    messages = models.JSONField(default=list, blank=True)  # [[level, text], ...]
    result = models.JSONField(default=dict, blank=True)  # what the job's page needs beyond its messages
    next_url = models.CharField(max_length=300, blank=True)
    back_url = models.CharField(max_length=300, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    retry = models.JSONField(default=dict, blank=True)  # how to run it again: {"task": path, "args": [...], "file"}
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self):
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    # What a job counts, and where its failed page sends the person to start again, by kind (rows otherwise).
    UNITS = {"case_submit": "case", "report_pdf": "step"}
    BACK_LABELS = {"case_submit": "Back to the cases", "report_pdf": "Back to the report"}

    @property
    def unit(self):
        return self.UNITS.get(self.kind, "row")

    @property
    def back_label(self):
        return self.BACK_LABELS.get(self.kind, "Upload the file again")

    @property
    def percent(self):
        return min(100, self.done * 100 // self.total) if self.total else 0
