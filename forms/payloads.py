"""Payloads of messages sent to a running process: withdrawal, termination, objection."""
from __future__ import annotations

from typing import Any

from marshmallow import validate

from forms.base import Errors, FormSchema, merge, require
from forms.inputs import REQUIRED, String, _options, boolean, string, text

NOT_TRUTHFUL = "须承诺所反映情况属实，不受理匿名或不实异议"


class WithdrawalSchema(FormSchema):
    """The applicant withdraws its application."""

    reason = text("撤回原因", max_length=500)


class TerminationSchema(FormSchema):
    """The Department terminates a project."""

    reason = text("终止原因", max_length=2000)


def _checked(label: str, pattern: str, error: str, max_length: int) -> String:
    return String(validate=[validate.Length(max=max_length), validate.Regexp(pattern, error=error)],
                  **_options(label, "string", True, None))


class ObjectionSchema(FormSchema):
    """A named objection to an award, raised during publicity; anonymous objections are not accepted."""

    name = string("异议人姓名", max_length=50, help="须为真实姓名，不受理匿名异议")
    organization = string("工作单位", max_length=200)
    phone = _checked("联系电话", r"^\+?[0-9][0-9\- ]{6,19}$", "请填写有效的电话号码", 20)
    email = _checked("电子邮箱", r"^[^@\s]+@[^@\s]+\.[^@\s]+$", "请填写有效的电子邮箱", 200)
    reason = text("异议事项与理由", max_length=5000, help="请写明异议事项、理由及相关证据")
    truthful = boolean("本人承诺所反映情况属实，并愿承担相应责任")

    def rules(self, data: dict[str, Any], complete: bool) -> Errors:
        """Every field filled in, and the facts confirmed as true."""
        blank = [name for name in ("name", "organization", "reason") if not str(data.get(name) or "").strip()]
        errors = merge(*({name: [REQUIRED]} for name in blank), require(data, "truthful"))
        if data.get("truthful") is False:
            errors = merge(errors, {"truthful": [NOT_TRUTHFUL]})
        return errors
