"""Home-page panels: the clerk's ADM-3 countdown and ADM-2 custody list; the office's open reviews."""

from django.utils import timezone

from admission import selectors
from admission.models import StayReview, TraumaReport


def clerk_inpatients_context(request):
    now = timezone.now()
    return {
        "countdown": selectors.formalities_countdown(timezone.localdate(now)),
        "missing_custody": list(selectors.stay_list(missing_custody=True, now=now)[:10]),
        "open_count": selectors.stay_list(now=now).count(),
    }


def office_reviews_context(request):
    open_reviews = StayReview.objects.filter(status=StayReview.Status.OPEN)
    today = timezone.localdate()
    month = next(
        (row for row in selectors.referral_rate_by_month(today.year) if row["month"] == today.month), None
    )
    return {
        "referral": month,
        "referral_limit": selectors.policy_as_of(today).referral_rate_limit,
        "ghost_beds": open_reviews.filter(kind=StayReview.Kind.GHOST_BED).count(),
        "splits": open_reviews.filter(kind=StayReview.Kind.SPLIT_ADMISSION).count(),
        "others": open_reviews.exclude(
            kind__in=[StayReview.Kind.GHOST_BED, StayReview.Kind.SPLIT_ADMISSION]
        ).count(),
        "trauma": TraumaReport.objects.filter(decision=TraumaReport.Decision.PENDING).count(),
    }
