"""Home-page panel of the settlement app: what the office must look at (issue 16)."""

from settlement.models import Settlement


def office_settlements_context(request):
    return {
        "unconfirmed": list(
            Settlement.objects.filter(status__in=Settlement.IN_FLIGHT).select_related("person")[:10]
        ),
        "mismatched": list(
            Settlement.objects.filter(needs_review=True, status=Settlement.Status.SETTLED).select_related(
                "person"
            )[:5]
        ),
    }
