"""Changing a procedure while applications run on it: where instances wait, the impact of a new
version, a dry run of recorded lifecycles on it, and moving running instances onto it (and back)."""
