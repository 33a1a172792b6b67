"""Models of the drug_catalog domain (医保目录); filled by its own issue."""
