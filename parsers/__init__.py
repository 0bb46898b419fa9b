"""Pure readers for what units attach: bytes in, typed data out.

Nothing here knows about mail, the database or the rules files. Every reader
returns a typed value or raises :class:`parsers.types.ParseError` with a stable
``kind``; callers turn those into findings.
"""
