from django.utils import timezone

from insured.models import Sanction


def office_sanctions_context(request):
    today = timezone.localdate()
    active = Sanction.objects.filter(Sanction.active_on_filter(today))
    return {
        "active": active.count(),
        "settlement_changed": active.filter(settlement_changed=True).count(),
        "key_monitoring": active.filter(key_monitoring=True).count(),
        "recent": active.select_related("person").order_by("-start_date")[:5],
    }
