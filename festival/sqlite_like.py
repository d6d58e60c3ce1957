"""A LIKE for SQLite that knows the case of every letter, not only of ASCII ones.

Django's SQLite backend turns icontains, iexact, istartswith and iendswith into `LIKE %s ESCAPE '\\'`, and
SQLite's own LIKE folds A-Z only: on the README's default database a search for "астана" would not find
"Астана", nor "қасымов" "Қасымов". Every SQLite connection gets the like() below in place of the built-in one
(see FestivalConfig.ready); PostgreSQL's UPPER and ILIKE already fold Cyrillic and Kazakh letters.

As SQLite's own: `%` is any run of characters, `_` one character, the ESCAPE character makes the next one
literal (Django escapes `%`, `_` and `\\` of a search term that way), and a NULL operand gives NULL. Like
SQLite's, it also makes the case-sensitive `contains` and `startswith` lookups fold the case: Django documents
them so on SQLite.
"""

import functools
import re

_NEVER = re.compile(r"(?!)")


def like(pattern, value):
    """`value LIKE pattern`: SQLite calls like(X, Y) for `Y LIKE X`."""
    return _like(pattern, value, None)


def like_escape(pattern, value, escape):
    """`value LIKE pattern ESCAPE escape`."""
    if escape is None:
        return None
    escape = _text(escape)
    if len(escape) != 1:
        raise ValueError("ESCAPE expression must be a single character")
    return _like(pattern, value, escape)


def install(sender, connection, **kwargs):
    """connection_created receiver: put the Unicode-aware LIKE on each new SQLite connection."""
    if connection.vendor != "sqlite":
        return
    connection.connection.create_function("like", 2, like, deterministic=True)
    connection.connection.create_function("like", 3, like_escape, deterministic=True)


def _like(pattern, value, escape):
    if pattern is None or value is None:
        return None
    return _compiled(_text(pattern), escape).fullmatch(_text(value).casefold()) is not None


def _text(value):
    # SQLite compares the text form of a number or a blob, as its LIKE does.
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str) else str(value)


@functools.lru_cache(maxsize=256)
def _compiled(pattern, escape):
    """The pattern as a regular expression on case-folded text (one query compares one pattern with many rows)."""
    parts = []
    characters = iter(pattern)
    for character in characters:
        if character == escape:
            character = next(characters, None)
            if character is None:  # an escape with nothing after it: SQLite matches nothing
                return _NEVER
            parts.append(re.escape(character.casefold()))
        elif character == "%":
            parts.append(".*")
        elif character == "_":
            parts.append(".")
        else:
            parts.append(re.escape(character.casefold()))
    return re.compile("".join(parts), re.DOTALL)
