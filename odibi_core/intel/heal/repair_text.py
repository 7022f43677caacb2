"""What every repair strategy shares: the edit it returns, the text it may touch, its tokens, and
how alike two names are.

Why edit text and not the parse tree: a fix goes back into the user's YAML or .sql file, and a
person reviews it as a diff. Replacing the one token that was wrong keeps their layout, comments
and casing; regenerating the query from sqlglot's tree would rewrite every line. Only the dialect
transpiler regenerates (the function calls themselves change shape there).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlglot
from sqlglot.errors import SqlglotError
from sqlglot.tokens import Token, TokenType

_PLAIN_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Edit:
    """One repair step: the whole new text, what made it, and how far it strays (lower is
    likelier to be what the author meant; costs add up over a chain of steps)."""

    sql: str
    strategy: str
    explanation: str
    cost: float


@dataclass(frozen=True)
class Target:
    """The dialect and schemas a text is healed against, and the part of the text that is the
    author's: for an expression (a filter condition), the healer works on ``SELECT <expr> FROM df``
    and may edit only between ``prefix`` and ``suffix``."""

    dialect: str
    schemas: dict[str, dict[str, str]]
    prefix: str = ""
    suffix: str = ""

    def region(self, sql: str) -> tuple[int, int] | None:
        """[start, end) of the editable text, or None when an edit broke the wrapper."""
        if not sql.startswith(self.prefix) or not sql.endswith(self.suffix):
            return None
        return len(self.prefix), len(sql) - len(self.suffix)

    def columns(self) -> dict[str, str]:
        """Every known column, lower case -> spelling in the schema (the first table wins)."""
        out: dict[str, str] = {}
        for cols in self.schemas.values():
            for col in cols:
                out.setdefault(col.lower(), col)
        return out

    def quote(self, name: str) -> str:
        return quote_identifier(name, self.dialect)


def quote_identifier(name: str, dialect: str) -> str:
    if dialect == "spark":
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def needs_quotes(name: str, reserved: Iterable[str] = ()) -> bool:
    """A name that only works quoted: spaces, dashes, a leading digit, or a reserved word."""
    return not _PLAIN_IDENTIFIER.match(name) or name.lower() in reserved


def tokenize(sql: str, dialect: str) -> list[Token] | None:
    """sqlglot's tokens (with character offsets, ``end`` inclusive), or None when even the
    tokenizer gives up (an unterminated string)."""
    try:
        return sqlglot.tokenize(sql, read=dialect)
    except (SqlglotError, ValueError, IndexError):
        return None


def replace_spans(sql: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``sql`` with each [start, end) span replaced; spans must not overlap."""
    out, pos = [], 0
    for start, end, text in sorted(spans):
        if start < pos:
            continue
        out.append(sql[pos:start])
        out.append(text)
        pos = end
    out.append(sql[pos:])
    return "".join(out)


def in_region(token: Token, region: tuple[int, int]) -> bool:
    return region[0] <= token.start and token.end < region[1]


def match_case(word: str, like: str) -> str:
    """``word`` in the casing the author used for ``like`` (keywords: lower stays lower)."""
    return word.lower() if like.islower() else word.upper()


def osa_distance(a: str, b: str) -> int:
    """Edit distance counting an adjacent swap as one edit (GRUOP -> GROUP is one typo)."""
    rows = [list(range(len(b) + 1))]
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(rows[i - 1][j] + 1, row[j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], rows[i - 2][j - 2] + 1)
        rows.append(row)
    return rows[-1][-1]


def _squash(name: str) -> str:
    return re.sub(r"[\s_\-]+", "", name.lower())


def _singular(name: str) -> str:
    if name.endswith("ies") and len(name) > 4:
        return name[:-3] + "y"
    if name.endswith("s") and not name.endswith("ss") and len(name) > 3:
        return name[:-1]
    return name


def name_score(wrong: str, known: str) -> float:
    """How likely ``known`` is what the author meant by ``wrong``, in [0, 1]. Case, underscores,
    dashes and spaces are noise; a plural is the same word; one typo in a word of four letters or
    more is close; otherwise difflib's ratio decides."""
    a, b = wrong.lower(), known.lower()
    if a == b:
        return 1.0
    sa, sb = _squash(a), _squash(b)
    if sa == sb:
        return 0.97
    if _singular(sa) == _singular(sb):
        return 0.94
    score = difflib.SequenceMatcher(None, a, b).ratio()
    shortest = min(len(sa), len(sb))
    distance = osa_distance(sa, sb)
    if distance == 1 and shortest >= 4:
        score = max(score, 0.88)
    elif distance == 1 and shortest == 3 and sorted(sa) == sorted(sb):
        score = max(score, 0.8)  # two letters swapped in a short name: AGV -> AVG
    elif distance == 2 and shortest >= 6:
        score = max(score, 0.8)
    if len(a) >= 4 and (b.startswith(a + "_") or b.endswith("_" + a)):
        score = max(score, 0.78)  # user -> user_id, created -> created_at
    return score


NAME_CUTOFF = 0.75


def nearest_names(wrong: str, known: Iterable[str], cutoff: float = NAME_CUTOFF, n: int = 3) -> list[tuple[str, float]]:
    """The closest known names to ``wrong`` (best first, at most ``n``), each with its score."""
    if len(wrong) < 2:
        return []
    scored = {k: name_score(wrong, k) for k in known if k.lower() != wrong.lower()}
    ranked = sorted(((k, s) for k, s in scored.items() if s >= cutoff), key=lambda ks: (-ks[1], ks[0]))
    return ranked[:n]


def significant(tokens: list[Token]) -> list[Token]:
    """Tokens minus the end-of-statement semicolons."""
    return [t for t in tokens if t.token_type != TokenType.SEMICOLON]
