"""Notices: the table of process events worth telling (`table`), their wording (`facts`), and the
notification and outbox rows written for them in the command's own transaction (`deliver`)."""
from engine.notices.table import KINDS, RULES, Kind, Rule

__all__ = ["KINDS", "RULES", "Kind", "Rule"]
