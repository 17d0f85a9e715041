"""Payloads of messages sent to a running process: withdrawal, termination, objection."""
from __future__ import annotations

from forms.base import FormSchema
from forms.inputs import string, text


class WithdrawalSchema(FormSchema):
    """The applicant withdraws its application."""

    reason = text("撤回原因", max_length=500)


class TerminationSchema(FormSchema):
    """The Department terminates a project."""

    reason = text("终止原因", max_length=2000)


class ObjectionSchema(FormSchema):
    """An objection raised against an award during publicity."""

    content = text("异议内容", help="请写明异议事项、理由及相关证据")
    contact = string("联系方式", required=False, max_length=100, help="便于核实情况，可不填")
