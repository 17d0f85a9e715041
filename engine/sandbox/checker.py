"""The one check of process code: an allow-list walk, then a rewrite that routes growth through the budget.

`compile_checked` is used at upload (validation) and at run time (the environment), so code that
would be refused when an application reaches it is refused when the diagram is uploaded.
"""
from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import lru_cache
from types import CodeType

from engine.sandbox.policy import (
    ALL_ATTRIBUTES,
    ALLOWED_NODES,
    CONSTANT_NAMES,
    FORBIDDEN_BUILTINS,
    LIMITS,
    NODE_LABELS,
    SAFE_BUILTIN_NAMES,
    Limits,
)


class UnsafeExpression(ValueError):
    """Process code uses something the sandbox does not allow."""


# Names the rewrite inserts; process code can never write them (names starting with "_" are refused).
GUARD_NAMES = ("_rb_getattr", "_rb_call", "_rb_binop", "_rb_iter", "_rb_setitem_op", "_rb_sized", "_rb_deep")
GUARDED_OPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.Mod: "%"}
_FORMAT_SPEC = re.compile(
    r"^(?:.?[<>^=])?[+\- ]?z?#?0?(?P<width>\d+)?[,_]?(?:\.(?P<precision>\d+))?[bcdeEfFgGnosxX%]?$")


@dataclass(frozen=True)
class Checked:
    """Process code that passed the check: its rewritten code object and the data names it assigns."""

    code: CodeType
    assigned: frozenset[str]


def _refuse(node: ast.AST, message: str) -> UnsafeExpression:
    return UnsafeExpression(f"第 {getattr(node, 'lineno', 1)} 行：{message}")


def _check_name(node: ast.Name, helpers: frozenset[str]) -> None:
    name = node.id
    if name.startswith("_"):
        raise _refuse(node, f"不允许使用以下划线开头的名称 {name!r}")
    if name in FORBIDDEN_BUILTINS:
        raise _refuse(node, f"不允许使用内置名称 {name!r}（可用：{', '.join(SAFE_BUILTIN_NAMES)}）")
    if isinstance(node.ctx, ast.Store) and (name in SAFE_BUILTIN_NAMES or name in CONSTANT_NAMES
                                            or name in helpers):
        raise _refuse(node, f"不能给内置名称或辅助函数 {name!r} 赋值")


def _check_constant(node: ast.Constant, limits: Limits) -> None:
    value = node.value
    if value is None or isinstance(value, bool | float):
        return
    if isinstance(value, int):
        if value.bit_length() > limits.int_bits:
            raise _refuse(node, f"整数常量过大（超过 {limits.int_bits} 位）")
        return
    if isinstance(value, str):
        if len(value) > limits.size:
            raise _refuse(node, "字符串常量过长")
        return
    raise _refuse(node, f"不允许使用 {type(value).__name__} 类型的常量")


def _check_format_spec(node: ast.FormattedValue, limits: Limits) -> None:
    spec = node.format_spec
    if spec is None:
        return
    parts = spec.values if isinstance(spec, ast.JoinedStr) else []
    text = parts[0].value if len(parts) == 1 and isinstance(parts[0], ast.Constant) else None
    match = _FORMAT_SPEC.match(text) if isinstance(text, str) else None
    if match is None:
        raise _refuse(node, "f-string 的格式说明只能是简单的常量（如 :.2f、:>10）")
    for group in ("width", "precision"):
        if match.group(group) and int(match.group(group)) > limits.format_width:
            raise _refuse(node, f"f-string 的宽度或精度不能超过 {limits.format_width}")


def _check_node(node: ast.AST, limits: Limits, helpers: frozenset[str]) -> None:
    kind = type(node)
    if kind not in ALLOWED_NODES:
        raise _refuse(node, f"不允许使用 {NODE_LABELS.get(kind.__name__, kind.__name__)}")
    if isinstance(node, ast.Name):
        _check_name(node, helpers)
    elif isinstance(node, ast.Attribute):
        if node.attr not in ALL_ATTRIBUTES:
            raise _refuse(node, f"不允许访问属性 {node.attr!r}")
        if not isinstance(node.ctx, ast.Load):
            raise _refuse(node, f"不能给属性 {node.attr!r} 赋值")
    elif isinstance(node, ast.Subscript) and not isinstance(node.ctx, ast.Load) and isinstance(node.slice, ast.Slice):
        raise _refuse(node, "不能给切片赋值")
    elif isinstance(node, ast.Constant):
        _check_constant(node, limits)
    elif isinstance(node, ast.comprehension) and node.is_async:
        raise _refuse(node, "不允许使用 async 推导式")
    elif isinstance(node, ast.FormattedValue):
        _check_format_spec(node, limits)
    elif isinstance(node, ast.AugAssign) and not isinstance(node.target, ast.Name | ast.Subscript):
        raise _refuse(node, "增量赋值的目标只能是变量或下标")


def _root_name(target: ast.AST) -> str | None:
    while isinstance(target, ast.Subscript):
        target = target.value
    return target.id if isinstance(target, ast.Name) else None


def _assigned(tree: ast.AST) -> frozenset[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        targets: list[ast.AST] = []
        if isinstance(node, ast.Assign):
            targets = list(node.targets)
        elif isinstance(node, ast.AugAssign | ast.For):
            targets = [node.target]
        while targets:
            target = targets.pop()
            if isinstance(target, ast.Tuple | ast.List):
                targets += target.elts
            elif (name := _root_name(target)) is not None:
                names.add(name)
    return frozenset(names)


def _guard(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=name, ctx=ast.Load()), args=list(args), keywords=[])


def _deep(node: ast.expr) -> ast.expr:
    if isinstance(node, ast.Constant):
        return node
    return ast.copy_location(_guard("_rb_deep", node), node)


class _Rewrite(ast.NodeTransformer):
    """Routes attribute reads, calls, growing operators, iteration and f-string values through the guards."""

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        return ast.copy_location(_guard("_rb_getattr", node.value, ast.Constant(node.attr)), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        call = ast.Call(func=ast.Name(id="_rb_call", ctx=ast.Load()), args=[node.func, *node.args],
                        keywords=node.keywords)
        return ast.copy_location(call, node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        op = GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        return ast.copy_location(_guard("_rb_binop", ast.Constant(op), node.left, node.right), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        op = GUARDED_OPS.get(type(node.op))
        if op is None:
            return node
        if isinstance(node.target, ast.Name):
            read = ast.Name(id=node.target.id, ctx=ast.Load())
            value = _guard("_rb_binop", ast.Constant(op), read, node.value)
            return ast.copy_location(ast.Assign(targets=[node.target], value=value), node)
        assert isinstance(node.target, ast.Subscript)
        call = _guard("_rb_setitem_op", node.target.value, node.target.slice, ast.Constant(op), node.value)
        return ast.copy_location(ast.Expr(value=call), node)

    def visit_For(self, node: ast.For) -> ast.AST:
        self.generic_visit(node)
        node.iter = ast.copy_location(_guard("_rb_iter", node.iter), node.iter)
        return node

    def visit_comprehension(self, node: ast.comprehension) -> ast.AST:
        self.generic_visit(node)
        node.iter = ast.copy_location(_guard("_rb_iter", node.iter), node.iter)
        return node

    # Comparing and hashing walk nested values in C, out of the clock's reach: weigh them first.
    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if not all(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
            node.left = _deep(node.left)
            node.comparators = [_deep(c) for c in node.comparators]
        return node

    def visit_Dict(self, node: ast.Dict) -> ast.AST:
        self.generic_visit(node)
        node.keys = [None if k is None else _deep(k) for k in node.keys]
        return node

    def visit_Set(self, node: ast.Set) -> ast.AST:
        self.generic_visit(node)
        node.elts = [_deep(e) for e in node.elts]
        return node

    def visit_DictComp(self, node: ast.DictComp) -> ast.AST:
        self.generic_visit(node)
        node.key = _deep(node.key)
        return node

    def visit_SetComp(self, node: ast.SetComp) -> ast.AST:
        self.generic_visit(node)
        node.elt = _deep(node.elt)
        return node

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.slice, ast.Slice | ast.Constant):
            node.slice = _deep(node.slice)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        self.generic_visit(node)
        node.value = ast.copy_location(_guard("_rb_sized", node.value), node.value)
        return node


def check(source: str, mode: str = "exec", limits: Limits = LIMITS, helpers: frozenset[str] = frozenset()) -> ast.AST:
    """Parse and check `source`; raise UnsafeExpression or SyntaxError unless every construct is allowed."""
    if not isinstance(source, str):
        raise UnsafeExpression("表达式必须是文本")
    if len(source) > limits.source_chars:
        raise UnsafeExpression(f"代码过长（超过 {limits.source_chars} 个字符）")
    try:
        tree = ast.parse(source, mode=mode)
    except (RecursionError, MemoryError) as e:
        raise UnsafeExpression("代码嵌套过深") from e
    except ValueError as e:  # e.g. an integer literal beyond the interpreter's digit limit
        raise UnsafeExpression(f"无法解析：{e}") from e
    count = 0
    for node in ast.walk(tree):
        count += 1
        if count > limits.nodes:
            raise UnsafeExpression(f"代码过于复杂（超过 {limits.nodes} 个语法节点）")
        _check_node(node, limits, helpers)
    return tree


@lru_cache(maxsize=4096)
def compile_checked(source: str, mode: str = "exec", limits: Limits = LIMITS,
                    helpers: frozenset[str] = frozenset()) -> Checked:
    """Check `source` and compile it with the guards in place (cached per source text)."""
    tree = check(source, mode, limits, helpers)
    assigned = _assigned(tree) if mode == "exec" else frozenset()
    rewritten = ast.fix_missing_locations(_Rewrite().visit(tree))
    return Checked(compile(rewritten, "<string>", mode), assigned)
