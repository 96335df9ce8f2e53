"""URL converter for GSS codes, the stable key of every public body."""


class GssCodeConverter:
    """Nine characters: a letter and eight digits (E07000223).

    Anything else is a 404 before a view runs, so junk such as NUL bytes never
    reaches the database (PostgreSQL rejects NUL in text with an error).
    """

    regex = r"[A-Za-z][0-9]{8}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value
