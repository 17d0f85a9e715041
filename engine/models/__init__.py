"""All tables, importable from one place."""
from engine.models.access import ApiToken, Attachment, LoginAttempt
from engine.models.audit import AuditEvent
from engine.models.base import Base, utcnow
from engine.models.calendar import HolidayDay, HolidayYear, WorkingDayCount
from engine.models.experts import DeclaredConflict, ExpertProfile, PanelProposal
from engine.models.notices import (
    Announcement,
    AnnouncementFile,
    NoticeEvent,
    NoticePreference,
    NoticeSetting,
    Objection,
    Publicity,
)
from engine.models.notify import Notification, OutboxEmail, Reminder
from engine.models.people import ROLES, Organization, RoleGrant, User
from engine.models.process import Incident, InstanceMigration, MigrationItem, ProcessInstance, ProcessVersion
from engine.models.programme import (
    GUANGXI_CITIES,
    TRACKS,
    Application,
    Call,
    JiebangProblem,
    PartnerInstitution,
    ProgrammeSetting,
    ReviewAssignment,
)
from engine.models.task import HumanTask

__all__ = [
    "GUANGXI_CITIES", "ROLES", "TRACKS", "Announcement", "AnnouncementFile", "ApiToken", "Application", "Attachment",
    "AuditEvent", "Base", "Call", "DeclaredConflict", "ExpertProfile", "HolidayDay", "HolidayYear", "HumanTask",
    "Incident", "InstanceMigration", "JiebangProblem", "LoginAttempt", "MigrationItem", "NoticeEvent",
    "NoticePreference", "NoticeSetting", "Notification", "Objection", "Organization", "OutboxEmail", "PanelProposal",
    "PartnerInstitution", "ProcessInstance", "ProcessVersion", "ProgrammeSetting", "Publicity", "Reminder",
    "ReviewAssignment", "RoleGrant", "User", "WorkingDayCount", "utcnow",
]
