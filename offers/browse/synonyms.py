"""Synonyms for search: what officers type ("IT", "bins", "revs and bens") and
what listings say ("ICT", "waste collection", "revenues and benefits").

`expand_query` is pure: it finds each staff-listed phrase in the query, as
whole words and outside quotes and negations, and returns the rest of the
query with the alternatives for each phrase found. offers.browse.search turns
that into one tsquery, `(phrase | synonym | ...) & rest`, before PostgreSQL
parses any of it. It must happen before parsing: "it" is an English stop word,
so websearch_to_tsquery would drop "IT" and a thesaurus would never see it.
"""

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ExpandedQuery:
    rest: str  # the query with the matched phrases taken out, for websearch parsing
    # One list per phrase found: the phrase as typed, then its synonyms.
    alternatives: list[list[str]] = field(default_factory=list)


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, not negated ("-IT" means "without IT"). A phrase kept in
    capitals is an acronym and matches only in capitals: "IT support" expands,
    while the pronoun in "audit it" stays a stop word and is dropped as before."""
    words = [re.escape(word) for word in phrase.split()]
    flags = 0 if phrase.isupper() else re.IGNORECASE
    return re.compile(r"(?<![\w-])" + r"\s+".join(words) + r"(?!\w)", flags)


def expand_query(q: str, *, synonyms: Mapping[str, Sequence[str]]) -> ExpandedQuery:
    """Split `q` into the phrases with synonyms and the rest. Longer phrases win
    ("revs and bens" before "revs"); text in double quotes is left alone."""
    segments = q.split('"')
    alternatives: list[list[str]] = []
    phrases = sorted((p for p in synonyms if p.strip()), key=lambda p: (-len(p.split()), p))
    for index in range(0, len(segments), 2):  # even segments are outside quotes
        text = segments[index]
        for phrase in phrases:
            pattern = _phrase_pattern(phrase)
            for match in pattern.finditer(text):
                found = " ".join(match.group(0).split())
                options = [found, *(s for s in synonyms[phrase] if s.lower() != found.lower())]
                if options not in alternatives:
                    alternatives.append(options)
            text = pattern.sub(" ", text)
        segments[index] = text
    rest = " ".join('"'.join(segments).split())
    return ExpandedQuery(rest=rest, alternatives=alternatives)
