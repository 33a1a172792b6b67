"""Models of the settlement domain (医保结算); filled by its own issue."""
