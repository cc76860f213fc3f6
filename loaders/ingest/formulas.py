"""A small, safe evaluator for formulas saved without a value.

Excel saves a formula together with its result, and the reader uses that result. Programs that write
workbooks (exports, scripts, openpyxl) often save the formula alone, e.g. `=250+50` or `=SUM(D9:D11)`;
calamine then reads an empty cell, which would count as 0 without a word. This module computes the
plain cases and nothing else:

- numbers, + - * / ^, unary minus and parentheses;
- references to cells of the same sheet (D9, $D$9) and SUM / AVERAGE over cells and ranges (D9:D11);
- empty cells count as 0 in arithmetic and are skipped by SUM/AVERAGE, like Excel; text in a range is
  skipped by SUM/AVERAGE, text in arithmetic makes the formula unevaluable;
- a referenced cell that is itself a formula without a value is evaluated first (cycles are not).

Anything else — other functions, other sheets, names, comparisons, text results, division by zero, a
result that is not finite — is `Unevaluable`; the reader then leaves an `UnevaluatedFormula` in the cell
and the report parser refuses it at that cell. No eval(): a tokenizer and a recursive-descent parser
over at most MAX_FORMULA characters, with the cells visited counted against a per-workbook budget.
"""
from __future__ import annotations

import math
import re
from typing import Callable

MAX_FORMULA = 2000          # characters; longer formulas are not evaluated
MAX_DEPTH = 64              # nesting of parentheses and of formulas referring to formulas

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]{1,3})?)
  | (?P<range>\$?[A-Za-z]{1,3}\$?[0-9]{1,7}:\$?[A-Za-z]{1,3}\$?[0-9]{1,7})
  | (?P<func>[A-Za-z][A-Za-z0-9.]{0,30})\s*\(
  | (?P<ref>\$?[A-Za-z]{1,3}\$?[0-9]{1,7})(?![A-Za-z0-9_(!])
  | (?P<op>[-+*/^(),;])
)""", re.X)
_FUNCS = {"SUM", "AVERAGE"}


class Unevaluable(ValueError):
    """The formula is not one this evaluator computes (or its result is not a number)."""


class UnevaluatedFormula:
    """A formula cell with no saved value that could not be computed: the parser refuses it at its cell.

    Not a str on purpose: text handling never mistakes it for a label, and the number parsers
    (values.parse_number / parse_flag) raise with the message below."""

    __slots__ = ("formula", "ref")

    def __init__(self, formula: str, ref: str):
        self.formula = formula
        self.ref = ref

    def __str__(self) -> str:
        return "=" + self.formula if self.formula else "(công thức)"

    def __repr__(self) -> str:
        return f"UnevaluatedFormula({self.formula!r}, {self.ref!r})"

    def message(self) -> str:
        return (f"Ô {self.ref} có công thức chưa có kết quả — mở tệp bằng Excel, lưu lại rồi gửi "
                f"(công thức: {str(self)[:80]}).")


def _ref(text: str) -> tuple[int, int]:
    text = text.replace("$", "").upper()
    i = 0
    c = 0
    while text[i].isalpha():
        c = c * 26 + ord(text[i]) - 64
        i += 1
    return int(text[i:]) - 1, c - 1


def tokens(formula: str) -> list[tuple[str, str]]:
    if len(formula) > MAX_FORMULA:
        raise Unevaluable("too long")
    out = []
    pos = 0
    n = len(formula)
    while pos < n:
        m = _TOKEN.match(formula, pos)
        if m is None or m.end() == pos:
            if formula[pos:].strip() == "":
                break
            raise Unevaluable(f"unexpected {formula[pos:pos + 10]!r}")
        kind = m.lastgroup
        out.append((kind, m.group(kind)))
        pos = m.end()
    return out


class Evaluator:
    """Evaluates formulas of one sheet. cell(r, c) gives a cell's value: a number, '' for empty,
    text, or another pending formula (evaluated through `pending`)."""

    def __init__(self, cell: Callable[[int, int], object], bounds: tuple[int, int], budget: list[int]):
        self.cell = cell
        self.height, self.width = bounds
        self.budget = budget                      # [cells left to visit], shared by the workbook
        self.pending: dict[tuple[int, int], str] = {}
        self.done: dict[tuple[int, int], float | Unevaluable] = {}
        self.active: set[tuple[int, int]] = set()

    def value_of(self, r: int, c: int) -> float:
        """The number a pending formula cell evaluates to (memoised); raises Unevaluable."""
        key = (r, c)
        got = self.done.get(key)
        if got is None:
            if key in self.active or len(self.active) > MAX_DEPTH:
                raise Unevaluable("circular or too deep")
            self.active.add(key)
            try:
                got = self.evaluate(self.pending[key])
            except Unevaluable as e:
                got = e
            finally:
                self.active.discard(key)
            self.done[key] = got
        if isinstance(got, Unevaluable):
            raise got
        return got

    def evaluate(self, formula: str) -> float:
        toks = tokens(formula.lstrip("="))
        saved = getattr(self, "toks", None), getattr(self, "i", 0), getattr(self, "depth", 0)
        self.toks, self.i, self.depth = toks, 0, 0     # a referenced formula is evaluated in the middle
        try:
            v = self._expr()
            if self.i != len(self.toks):
                raise Unevaluable("trailing tokens")
        finally:
            self.toks, self.i, self.depth = saved
        if not math.isfinite(v):
            raise Unevaluable("not finite")
        return v

    # ---- the grammar: expr := term (+|- term)*; term := unary (*|/ unary)*;
    #      unary := signed (^ signed)*; signed := (+|-)* primary; primary := number | ref | FUNC(args) | (expr)

    def _peek(self) -> tuple[str, str] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _take(self) -> tuple[str, str]:
        t = self._peek()
        if t is None:
            raise Unevaluable("unexpected end")
        self.i += 1
        return t

    def _expr(self) -> float:
        v = self._term()
        while (t := self._peek()) and t[0] == "op" and t[1] in "+-":
            self.i += 1
            w = self._term()
            v = v + w if t[1] == "+" else v - w
        return v

    def _term(self) -> float:
        v = self._unary()
        while (t := self._peek()) and t[0] == "op" and t[1] in "*/":
            self.i += 1
            w = self._unary()
            if t[1] == "*":
                v = v * w
            elif w == 0:
                raise Unevaluable("#DIV/0!")
            else:
                v = v / w
        return v

    def _unary(self) -> float:
        """Signs bind tighter than ^ in Excel (-2^2 is 4); ^ is left-associative (2^3^2 is 64)."""
        v = self._signed()
        while self._peek() == ("op", "^"):
            self.i += 1
            w = self._signed()
            try:
                v = math.pow(v, w)
            except (OverflowError, ValueError, ZeroDivisionError):
                raise Unevaluable("power") from None
        return v

    def _signed(self) -> float:
        sign = 1.0
        while (t := self._peek()) and t[0] == "op" and t[1] in "+-":
            self.i += 1
            if t[1] == "-":
                sign = -sign
        return sign * self._primary()

    def _enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise Unevaluable("too deep")

    def _primary(self) -> float:
        kind, text = self._take()
        if kind == "num":
            return float(text)
        if kind == "ref":
            return self._number_at(*_ref(text))
        if kind == "op" and text == "(":
            self._enter()
            v = self._expr()
            self.depth -= 1
            if self._take() != ("op", ")"):
                raise Unevaluable("missing )")
            return v
        if kind == "func" and text.upper() in _FUNCS:
            self._enter()
            values = self._args()
            self.depth -= 1
            if text.upper() == "SUM":
                return math.fsum(values)
            if not values:
                raise Unevaluable("#DIV/0!")
            return math.fsum(values) / len(values)
        raise Unevaluable(f"unsupported {text!r}")

    def _args(self) -> list[float]:
        """The numbers of a SUM/AVERAGE argument list (the opening parenthesis is consumed)."""
        values: list[float] = []
        if self._peek() == ("op", ")"):
            self.i += 1
            return values
        while True:
            t = self._peek()
            nxt = self.toks[self.i + 1] if self.i + 1 < len(self.toks) else None
            if t and t[0] == "range" and nxt in (("op", ")"), ("op", ","), ("op", ";")):
                self.i += 1
                values += self._range(t[1])
            elif t and t[0] == "ref" and nxt in (("op", ")"), ("op", ","), ("op", ";")):
                self.i += 1
                v = self._cell_number(*_ref(t[1]), in_range=True)
                if v is not None:
                    values.append(v)
            else:
                values.append(self._expr())
            sep = self._take()
            if sep == ("op", ")"):
                return values
            if sep not in (("op", ","), ("op", ";")):
                raise Unevaluable("bad argument list")

    def _range(self, text: str) -> list[float]:
        a, b = text.split(":")
        (r0, c0), (r1, c1) = _ref(a), _ref(b)
        r0, r1 = sorted((r0, r1))
        c0, c1 = sorted((c0, c1))
        r1, c1 = min(r1, self.height - 1), min(c1, self.width - 1)   # cells past the grid are empty
        out = []
        for r in range(r0, r1 + 1):
            for c in range(c0, c1 + 1):
                v = self._cell_number(r, c, in_range=True)
                if v is not None:
                    out.append(v)
        return out

    def _number_at(self, r: int, c: int) -> float:
        v = self._cell_number(r, c, in_range=False)
        return 0.0 if v is None else v

    def _cell_number(self, r: int, c: int, in_range: bool) -> float | None:
        self.budget[0] -= 1
        if self.budget[0] < 0:
            raise Unevaluable("too many cells")
        if (r, c) in self.pending:
            return self.value_of(r, c)
        v = self.cell(r, c) if 0 <= r < self.height and 0 <= c < self.width else ""
        if v == "" or v is None:
            return None
        if isinstance(v, bool):
            if in_range:
                return None
            return float(v)
        if isinstance(v, (int, float)):
            return float(v)
        if in_range:
            return None           # SUM/AVERAGE skip text in ranges, as Excel does
        raise Unevaluable("text in arithmetic")
