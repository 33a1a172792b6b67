"""Models of the admission domain (住院管理); filled by its own issue."""
