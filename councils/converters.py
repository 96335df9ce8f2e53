"""URL converter for the codes that key every public body."""


class GssCodeConverter:
    """A GSS code: a letter and eight digits (E07000223); or, for a body that has
    none (Lee Valley Regional Park), its MHCLG E-code: E and four digits (E6803).

    Anything else is a 404 before a view runs, so junk such as NUL bytes never
    reaches the database (PostgreSQL rejects NUL in text with an error).
    """

    regex = r"[A-Za-z][0-9]{8}|[Ee][0-9]{4}"

    def to_python(self, value: str) -> str:
        return value.upper()

    def to_url(self, value: str) -> str:
        return value
