"""The restricted expression language of a process: conditions, parameters, small scripts.

A BPMN file is data a process owner writes, not code the server runs, so its expressions
are parsed with ``ast`` and only a small, documented subset is accepted and evaluated here
(never with ``eval``/``exec``): variable names, literals (text, numbers, true/false, None,
and tuples/lists/sets of them), comparisons (``== != < <= > >= in``, ``not in``,
``is None``/``is not None``), ``and``/``or``/``not``, ``+ - * / // %`` and unary minus,
``a if c else b``, constant subscripts of a variable (``meeting["url"]``), and calls of
``FUNCTIONS``. No attribute access, imports, lambdas, comprehensions, f-strings, ``**``.
Input is bounded (``MAX_CHARS``, ``MAX_NODES``) and so is every value an operator makes
(``MAX_LENGTH``, ``MAX_INT``), so evaluation is cheap whatever the data. A script is one
``name = expression`` per line. The same parser serves validation and run time.
Imports nothing outside the standard library and ``engine.errors``.
"""

from __future__ import annotations

import ast
import functools
import operator
from collections.abc import Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from engine.errors import EngineError

MAX_CHARS = 2000
MAX_NODES = 300
MAX_DEPTH = 40
MAX_LENGTH = 10_000
MAX_INT = 10**30


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | set | dict) and not value)


def _round(value: Any, digits: int = 0) -> Any:
    if not -15 <= digits <= 15:
        raise ValueError("digits")
    return round(value, digits)


# name -> (function, least and most positional arguments)
FUNCTIONS: dict[str, tuple[Callable[..., Any], int, int]] = {
    "len": (len, 1, 1),
    "str": (str, 1, 1),
    "int": (int, 1, 1),
    "float": (float, 1, 1),
    "bool": (bool, 1, 1),
    "abs": (abs, 1, 1),
    "min": (min, 1, 20),
    "max": (max, 1, 20),
    "round": (_round, 1, 2),
    "lower": (lambda s: str(s).lower(), 1, 1),
    "upper": (lambda s: str(s).upper(), 1, 1),
    "empty": (_empty, 1, 1),
}
_BINARY: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.Not: operator.not_,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_SHAPES: tuple[type[ast.AST], ...] = (ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Compare, ast.IfExp)
_SHAPES += (ast.Call, ast.Name, ast.Constant, ast.Tuple, ast.List, ast.Set, ast.Subscript)
_HELPER_NODES = (ast.Load, ast.And, ast.Or, *_BINARY, *_COMPARE, *_UNARY)
_REFUSED_OPERATORS: dict[type[ast.AST], str] = {ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|"}
_REFUSED_OPERATORS |= {ast.BitXor: "^", ast.LShift: "<<", ast.RShift: ">>", ast.MatMult: "@"}
_REFUSED_OPERATORS |= {ast.Invert: "~"}
_REFUSED_SHAPES: dict[type[ast.AST], str] = {ast.Lambda: "lambda", ast.JoinedStr: "f-string"}
_REFUSED_SHAPES |= {
    ast.Dict: "kamus {...}",
    ast.Starred: "tanda bintang (*)",
    ast.NamedExpr: "operator ':='",
}
_REFUSED_SHAPES |= {
    kind: "comprehension" for kind in (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
}
_FAILURES = (
    (ZeroDivisionError, "pembagian dengan nol"),
    (ArithmeticError, "angka di luar batas"),
    (LookupError, "indeks atau kunci tidak ada"),
    (TypeError, "jenis nilai tidak cocok"),
    (ValueError, "nilai tidak sah"),
)
_CONSTANTS = (str, int, float, bool, type(None))


class ExpressionError(EngineError):
    """An expression is outside the allowed language, or failed on the given data."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("; ".join(problems))


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its tree, and the variable names it reads."""

    text: str
    tree: ast.expr
    names: frozenset[str]


@dataclass(frozen=True)
class Script:
    """A checked script: ``(name, expression)`` assignments run in order."""

    text: str
    assignments: tuple[tuple[str, Expression], ...]

    @property
    def assigns(self) -> frozenset[str]:
        return frozenset(name for name, _ in self.assignments)

    @property
    def names(self) -> frozenset[str]:
        """The names it reads that it has not set itself before reading them."""
        read: set[str] = set()
        set_before: set[str] = set()
        for name, expr in self.assignments:
            read |= expr.names - set_before
            set_before.add(name)
        return frozenset(read)


def _refusal(node: ast.AST) -> str | None:  # noqa: C901 - one line per refused shape
    if isinstance(node, ast.Attribute):
        return f"atribut '{node.attr}' tidak diizinkan"
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            return None if isinstance(node.func, ast.Attribute) else "panggilan ini tidak diizinkan"
        spec = FUNCTIONS.get(node.func.id)
        if spec is None:
            return f"fungsi '{node.func.id}' tidak diizinkan (yang boleh: {', '.join(FUNCTIONS)})"
        if node.keywords or not spec[1] <= len(node.args) <= spec[2]:
            return f"fungsi '{node.func.id}' dipanggil dengan argumen yang salah"
        return None
    if isinstance(node, ast.Name):
        return f"nama '{node.id}' tidak diizinkan" if node.id.startswith("__") else None
    if isinstance(node, ast.Constant) and not isinstance(node.value, _CONSTANTS):
        return f"nilai {node.value!r} tidak diizinkan"
    if isinstance(node, ast.Subscript):
        key = node.slice
        if not isinstance(node.value, ast.Name | ast.Subscript) or not (
            isinstance(key, ast.Constant) and isinstance(key.value, str | int)
        ):
            return "indeks hanya boleh berupa teks atau angka tetap setelah nama variabel"
        return "indeks '__' tidak diizinkan" if str(key.value).startswith("__") else None
    if isinstance(node, ast.Compare) and any(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
        sides = [node.left, *node.comparators]
        if not any(isinstance(s, ast.Constant) and s.value is None for s in sides):
            return "'is' hanya boleh dengan None (is None / is not None)"
        return None
    symbol = _REFUSED_OPERATORS.get(type(node))
    if symbol:
        return f"operator '{symbol}' tidak diizinkan"
    if isinstance(node, _SHAPES + _HELPER_NODES):
        return None
    shape = _REFUSED_SHAPES.get(type(node), f"bentuk '{type(node).__name__}'")
    return f"{shape} tidak diizinkan"


def _check_tree(tree: ast.AST) -> tuple[frozenset[str], list[str]]:
    problems: list[str] = []
    names: set[str] = set()
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        return frozenset(), [f"ekspresi terlalu rumit (lebih dari {MAX_NODES} bagian)"]
    callees = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
    for node, depth in _pruned_walk(tree):
        if depth > MAX_DEPTH:
            return frozenset(), [f"ekspresi terlalu dalam (lebih dari {MAX_DEPTH} tingkat)"]
        callee = isinstance(node, ast.Name) and id(node) in callees  # named by its call
        message = None if callee else _refusal(node)
        if message and message not in problems:
            problems.append(message)
    for node in nodes:
        if isinstance(node, ast.Name) and id(node) not in callees:
            names.add(node.id)
    return frozenset(names), problems


def _pruned_walk(tree: ast.AST) -> Iterator[tuple[ast.AST, int]]:
    """Every node with its depth, but not the insides of a shape refused whole (a
    lambda's arguments). Iterative: a deep tree must not exhaust Python's stack here."""
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        yield node, depth
        if type(node) not in _REFUSED_SHAPES:
            stack.extend((child, depth + 1) for child in reversed(list(ast.iter_child_nodes(node))))


def _syntax(text: str, mode: str) -> ast.AST:
    if len(text) > MAX_CHARS:
        raise ExpressionError([f"ekspresi terlalu panjang (lebih dari {MAX_CHARS} karakter)"])
    try:
        return ast.parse(text.strip(), mode=mode)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as err:
        detail = getattr(err, "msg", None) or "tidak dapat dibaca"
        raise ExpressionError([f"tata tulis salah: {detail}"]) from err


@functools.lru_cache(maxsize=1024)
def parse(text: str) -> Expression:
    """Check ``text`` against the language; ``ExpressionError`` names every offending part."""
    tree = _syntax(text, "eval")
    assert isinstance(tree, ast.Expression)  # noqa: S101 - ast.parse in eval mode
    names, problems = _check_tree(tree.body)
    if problems:
        raise ExpressionError(problems)
    return Expression(text, tree.body, names)


@functools.lru_cache(maxsize=256)
def parse_script(text: str) -> Script:
    """A script: each statement ``name = expression``, nothing else."""
    tree = _syntax(text, "exec")
    assert isinstance(tree, ast.Module)  # noqa: S101 - ast.parse in exec mode
    problems: list[str] = []
    assignments: list[tuple[str, Expression]] = []
    for statement in tree.body:
        target = statement.targets[0] if isinstance(statement, ast.Assign) else None
        if not isinstance(target, ast.Name) or len(getattr(statement, "targets", ())) != 1:
            problems.append(f"baris {statement.lineno}: hanya 'nama = ekspresi' yang diizinkan")
            continue
        assert isinstance(statement, ast.Assign)  # noqa: S101 - target came from it
        names, found = _check_tree(statement.value)
        if target.id.startswith("__") or target.id in FUNCTIONS:
            found.append(f"nama '{target.id}' tidak boleh diisi")
        problems += [f"baris {statement.lineno}: {p}" for p in found]
        text_of = ast.get_source_segment(text.strip(), statement.value) or ""
        assignments.append((target.id, Expression(text_of, statement.value, names)))
    if problems:
        raise ExpressionError(problems)
    return Script(text, tuple(assignments))


def evaluate(expr: Expression, data: Mapping[str, Any]) -> Any:
    """The value of ``expr`` over ``data``; ``ExpressionError`` when it cannot be computed."""
    try:
        return _Evaluator(data).value(expr.tree)
    except ExpressionError:
        raise
    except (TypeError, ValueError, ArithmeticError, LookupError) as err:
        reason = next(text for kind, text in _FAILURES if isinstance(err, kind))
        raise ExpressionError([f"'{expr.text}' gagal dihitung: {reason}"]) from err


def run_script(script: Script, data: MutableMapping[str, Any]) -> None:
    """Run the assignments in order, each seeing the ones before it."""
    for name, expr in script.assignments:
        data[name] = evaluate(expr, data)


def _bounded_length(length: int) -> None:
    if length > MAX_LENGTH:
        raise ExpressionError([f"hasil terlalu panjang (lebih dari {MAX_LENGTH})"])


def _bounded(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INT:
        raise ExpressionError(["angka terlalu besar"])
    if isinstance(value, str | list | tuple | set):
        _bounded_length(len(value))
    return value


class _Evaluator:
    """Walks a checked tree; every shape reaching here was allowed by ``_refusal``."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.data = data

    def value(self, node: ast.expr) -> Any:  # noqa: C901 - one branch per allowed shape
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in self.data:
                raise ExpressionError([f"nama '{node.id}' tidak dikenal"])
            return self.data[node.id]
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            items = [self.value(e) for e in node.elts]
            kind = {ast.Tuple: tuple, ast.List: list, ast.Set: set}[type(node)]
            return kind(items)
        if isinstance(node, ast.BoolOp):
            return self.boolean(node)
        if isinstance(node, ast.UnaryOp):
            return _bounded(_UNARY[type(node.op)](self.value(node.operand)))
        if isinstance(node, ast.BinOp):
            return self.binary(node)
        if isinstance(node, ast.Compare):
            return self.compare(node)
        if isinstance(node, ast.IfExp):
            return self.value(node.body if self.value(node.test) else node.orelse)
        if isinstance(node, ast.Subscript):
            return self.value(node.value)[self.value(node.slice)]
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            function = FUNCTIONS[node.func.id][0]
            return _bounded(function(*(self.value(a) for a in node.args)))
        raise ExpressionError([f"bentuk '{type(node).__name__}' tidak diizinkan"])

    def boolean(self, node: ast.BoolOp) -> Any:
        result: Any = None
        for operand in node.values:
            result = self.value(operand)
            if bool(result) == isinstance(node.op, ast.Or):
                return result
        return result

    def binary(self, node: ast.BinOp) -> Any:
        symbol, function = _BINARY[type(node.op)]
        left, right = self.value(node.left), self.value(node.right)
        if symbol == "%" and not isinstance(left, int | float):
            raise ExpressionError(["operator '%' hanya untuk angka"])
        if symbol == "*":
            for seq, count in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(count, int):
                    _bounded_length(len(seq) * count)
        return _bounded(function(left, right))

    def compare(self, node: ast.Compare) -> bool:
        left = self.value(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.value(comparator)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
