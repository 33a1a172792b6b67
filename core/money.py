"""Money rounding, one definition for every app: Decimal, two places, half up (STYLE.md).

Plain Python (no Django), so pure rule modules may use it."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(value: Decimal | int | str) -> Decimal:
    """Round half-up to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)
