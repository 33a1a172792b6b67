"""Models of the remote_care domain (异地就医); filled by its own issue."""
