"""Home panels: the office's open findings by level; the doctor's points this agreement period."""

from django.db.models import Count, Sum
from django.utils import timezone

from audit import selectors
from audit.models import AuditJob, Finding


def office_queue_context(request):
    open_findings = Finding.objects.filter(status=Finding.Status.OPEN)
    by_level = dict(open_findings.values_list("level").annotate(n=Count("id")).values_list("level", "n"))
    return {
        "by_level": [
            (label, by_level.get(code, 0)) for code, label in Finding._meta.get_field("level").choices
        ],
        "amount": open_findings.aggregate(total=Sum("amount"))["total"] or 0,
        "last_job": AuditJob.objects.order_by("-started_at").first(),
    }


def doctor_points_context(request):
    practitioner = getattr(request.user, "practitioner", None)
    today = timezone.localdate()
    return {
        "practitioner": practitioner,
        "total": selectors.doctor_points(practitioner, today) if practitioner else 0,
        "suspension": selectors.doctor_suspension(practitioner, today) if practitioner else None,
    }
