"""The sandbox process code runs in: one allow-list check at upload and at run time, and a budget.

Administrators upload BPMN and DMN, and the scripts, conditions, timer expressions and DMN entries
inside run on the server, so process code is untrusted. `checker` refuses every construct, name
and attribute outside the allow-lists of `policy` and rewrites what remains so that attribute
reads, calls, growing operators and loops pass the guards of `budget`; `environment` is the
SpiffWorkflow script environment that runs only code compiled that way.
"""
from engine.sandbox.budget import BudgetExceeded
from engine.sandbox.checker import UnsafeExpression, check, compile_checked
from engine.sandbox.environment import HELPER_NAMES, RestrictedEnvironment, make_script_engine
from engine.sandbox.policy import LIMITS, Limits

__all__ = ["HELPER_NAMES", "LIMITS", "BudgetExceeded", "Limits", "RestrictedEnvironment", "UnsafeExpression",
           "check", "compile_checked", "make_script_engine"]
