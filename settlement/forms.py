"""Page forms of the window: the cash handed over at the settlement confirmation (bounded)."""

from __future__ import annotations

from decimal import Decimal

from django import forms


class CashReceivedForm(forms.Form):
    """实收现金 at the settlement confirmation: optional (the account may cover everything), two decimals."""

    cash_received = forms.DecimalField(
        label="实收现金",
        required=False,
        min_value=Decimal("0"),
        max_value=Decimal("9999999.99"),
        max_digits=9,
        decimal_places=2,
        error_messages={
            "invalid": "实收现金须为金额，如 500 或 500.00。",
            "max_decimal_places": "实收现金最多两位小数。",
            "max_digits": "实收现金过大。",
            "max_whole_digits": "实收现金过大。",
            "min_value": "实收现金不能为负数。",
            "max_value": "实收现金过大。",
        },
    )
