"""Models of the audit domain (智能审核); filled by its own issue."""
