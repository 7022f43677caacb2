"""Syntax repair on tokens: misspelt keywords and commas missing, doubled or left dangling.

Why tokens and the schemas rather than the parse tree: there is no tree, the text does not parse.
A word is taken for a misspelt keyword only when it is not a name the schemas know and is one or
two typos away from a keyword; the parse of the result decides whether it was in keyword
position. A comma is inserted only between two list items whose second one is a known column:
``SELECT order_id total tip`` lists three columns, while ``SELECT total amount`` (no column named
amount) is an alias the author meant and is left alone.
"""

from __future__ import annotations

from sqlglot.tokens import Token, TokenType

from odibi_core.intel.heal.repair_text import (
    Edit,
    Target,
    in_region,
    match_case,
    osa_distance,
    replace_spans,
)

# keywords people type, most common first (ties in distance go to the earlier one)
KEYWORDS = (
    "SELECT", "FROM", "WHERE", "GROUP", "ORDER", "BY", "HAVING", "LIMIT", "JOIN", "LEFT", "INNER", "ON", "AS",
    "AND", "OR", "NOT", "NULL", "IS", "IN", "LIKE", "BETWEEN", "CASE", "WHEN", "THEN", "ELSE", "END", "DISTINCT",
    "UNION", "ALL", "WITH", "ASC", "DESC", "OFFSET", "RIGHT", "FULL", "OUTER", "CROSS", "USING", "OVER",
    "PARTITION", "QUALIFY", "EXCEPT", "INTERSECT", "EXISTS", "INTERVAL", "TRUE", "FALSE", "NULLS", "ILIKE",
)
# run-together pairs: GROUPBY -> GROUP BY
MERGED = {"GROUPBY": "GROUP BY", "ORDERBY": "ORDER BY", "PARTITIONBY": "PARTITION BY", "LEFTJOIN": "LEFT JOIN",
          "INNERJOIN": "INNER JOIN", "ISNOTNULL": "IS NOT NULL", "ISNULL": "IS NULL", "NOTNULL": "NOT NULL"}

# calls that start a select-list item often enough that a missing comma before them is a safe bet
LIST_FUNCTIONS = frozenset({"count", "sum", "avg", "min", "max", "coalesce", "round", "cast", "try_cast",
                            "date_trunc", "lower", "upper", "count_if", "median", "stddev", "any_value",
                            "first", "last", "row_number", "rank", "dense_rank", "lag", "lead"})
_ENDS_ITEM = {TokenType.VAR, TokenType.IDENTIFIER, TokenType.NUMBER, TokenType.STRING, TokenType.R_PAREN,
              TokenType.STAR, TokenType.NULL, TokenType.TRUE, TokenType.FALSE, TokenType.END, TokenType.DESC,
              TokenType.ASC, TokenType.FIRST}
_STARTS_LIST = {TokenType.SELECT, TokenType.GROUP_BY, TokenType.ORDER_BY, TokenType.PARTITION_BY}
_ENDS_LIST = {TokenType.FROM, TokenType.WHERE, TokenType.HAVING, TokenType.LIMIT, TokenType.ORDER_BY,
              TokenType.GROUP_BY, TokenType.QUALIFY, TokenType.WINDOW, TokenType.UNION, TokenType.EXCEPT,
              TokenType.INTERSECT, TokenType.SEMICOLON, TokenType.OFFSET, TokenType.FETCH}


def keyword_edits(sql: str, tokens: list[Token], target: Target, known: set[str],
                  hints: list[str] = (), only_at: set[int] | None = None) -> list[Edit]:
    """Misspelt keywords replaced by the nearest keyword: one edit per word and choice, plus one
    with every word's best choice (a query can have two typos). ``only_at``: consider only the
    words starting at these offsets (names the parser took for columns)."""
    region = target.region(sql)
    if region is None:
        return []
    hint_set = {h.lower() for h in hints}
    per_token: list[tuple[Token, list[tuple[str, int]]]] = []
    for i, tok in enumerate(tokens):
        if tok.token_type != TokenType.VAR or not in_region(tok, region) or len(tok.text) < 3:
            continue
        if only_at is not None and tok.start not in only_at:
            continue
        if tok.text.lower() in known or (i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.L_PAREN):
            continue
        choices = _keyword_choices(tok.text)
        if choices:
            per_token.append((tok, choices))
    edits: list[Edit] = []
    for idx, (tok, choices) in enumerate(per_token):
        near_hint = tok.text.lower() in hint_set or _next_text(tokens, tok).lower() in hint_set
        for keyword, distance in choices:
            new = match_case(keyword, tok.text)
            edits.append(Edit(sql=replace_spans(sql, [(tok.start, tok.end + 1, new)]), strategy="keyword",
                              explanation=f"keyword typo: {tok.text} -> {new}",
                              cost=0.5 * distance + (0.0 if near_hint else 0.15)))
    if len(per_token) > 1:
        spans = [(tok.start, tok.end + 1, match_case(choices[0][0], tok.text)) for tok, choices in per_token]
        edits.append(Edit(sql=replace_spans(sql, spans), strategy="keyword",
                          explanation="; ".join(f"keyword typo: {t.text} -> {match_case(c[0][0], t.text)}"
                                                for t, c in per_token),
                          cost=sum(0.5 * c[0][1] for _, c in per_token)))
    return edits


def _keyword_choices(word: str) -> list[tuple[str, int]]:
    upper = word.upper()
    if upper in KEYWORDS:
        return []
    if upper in MERGED:
        return [(MERGED[upper], 0)]
    limit = 1 if len(upper) <= 5 else 2
    found = [(k, osa_distance(upper, k)) for k in KEYWORDS if abs(len(k) - len(upper)) <= limit]
    found = [(k, d) for k, d in found if d <= limit]
    found.sort(key=lambda kd: (kd[1], KEYWORDS.index(kd[0])))
    return found[:3]


def _next_text(tokens: list[Token], tok: Token) -> str:
    for t in tokens:
        if t.start > tok.end:
            return t.text
    return ""


def comma_problems(tokens: list[Token]) -> list[tuple[int, int, str]]:
    """Commas that are wrong wherever they are: doubled (``a,, b``), dangling before FROM or a
    closing parenthesis (``a, b, FROM``), or right after SELECT. Each as a span to delete."""
    spans: list[tuple[int, int, str]] = []
    for i, tok in enumerate(tokens):
        if tok.token_type != TokenType.COMMA:
            continue
        prev = tokens[i - 1] if i else None
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.token_type == TokenType.COMMA:
            spans.append((tok.end + 1, nxt.end + 1, ""))
        elif nxt is None or nxt.token_type in (TokenType.FROM, TokenType.R_PAREN, TokenType.SEMICOLON):
            spans.append((tok.start, tok.end + 1, ""))
        elif prev is not None and prev.token_type in (TokenType.SELECT, TokenType.DISTINCT):
            spans.append((tok.start, nxt.start, ""))
    return spans


def comma_edits(sql: str, tokens: list[Token], target: Target, known_columns: set[str],
                parse_failed: bool) -> list[Edit]:
    """Remove wrong commas; when the text does not parse, also insert missing ones between list
    items whose next item is a known column (all at once first, then one at a time)."""
    region = target.region(sql)
    if region is None:
        return []
    edits: list[Edit] = []
    wrong = [s for s in comma_problems(tokens) if region[0] <= s[0] and s[1] <= region[1]]
    if wrong:
        edits.append(Edit(sql=replace_spans(sql, wrong), strategy="comma", cost=0.2 * len(wrong),
                          explanation=f"removed {len(wrong)} stray comma(s)"))
    if parse_failed:
        gaps = [g for g in _missing_commas(tokens, known_columns) if region[0] <= g <= region[1]]
        if gaps:
            edits.append(Edit(sql=replace_spans(sql, [(g, g, ",") for g in gaps]), strategy="comma",
                              cost=0.25 + 0.05 * len(gaps), explanation=f"added {len(gaps)} missing comma(s) between columns"))
        if len(gaps) > 1:
            for g in gaps:
                edits.append(Edit(sql=replace_spans(sql, [(g, g, ",")]), strategy="comma", cost=0.6,
                                  explanation="added a missing comma between columns"))
    return edits


def _missing_commas(tokens: list[Token], known_columns: set[str]) -> list[int]:
    """Offsets where a comma is missing in a SELECT, GROUP BY, ORDER BY or PARTITION BY list."""
    gaps: list[int] = []
    for start, tok in enumerate(tokens):
        if tok.token_type not in _STARTS_LIST:
            continue
        depth = 0
        for i in range(start + 1, len(tokens) - 1):
            t = tokens[i]
            if t.token_type == TokenType.L_PAREN:
                depth += 1
            elif t.token_type == TokenType.R_PAREN:
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and t.token_type in _ENDS_LIST:
                break
            if depth == 0 and t.token_type in _ENDS_ITEM and _starts_column(tokens, i + 1, known_columns):
                gaps.append(t.end + 1)
    return sorted(set(gaps))


def _starts_column(tokens: list[Token], i: int, known: set[str]) -> bool:
    if i >= len(tokens):
        return False
    t = tokens[i]
    if t.token_type not in (TokenType.VAR, TokenType.IDENTIFIER):
        return False
    after = tokens[i + 1] if i + 1 < len(tokens) else None
    if after is not None and after.token_type == TokenType.L_PAREN:  # city count(*)
        return t.token_type == TokenType.VAR and t.text.lower() in LIST_FUNCTIONS
    if after is not None and after.token_type == TokenType.DOT:  # alias.column
        col = tokens[i + 2] if i + 2 < len(tokens) else None
        return col is not None and col.text.lower() in known
    return t.text.lower() in known
