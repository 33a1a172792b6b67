"""Models of the insured domain (参保人员); filled by its own issue."""
