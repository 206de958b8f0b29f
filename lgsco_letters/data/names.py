"""Finding authorities by name as people type them: exactly, by slug, or by whole words.

`preview bromsgrove` finds Bromsgrove District Council; `preview "north somerset"` finds North
Somerset Council, whose distinctive words are exactly those, rather than call it ambiguous with
Bath and North East Somerset Council; `Bromsgove` or `Kings Lyn` get "Did you mean" with the closest
names, compared word by word (council names share most of their words,
so whole-string likeness would rank "District Council" above the word that differs).
"""

from __future__ import annotations

from lgsco_letters.data.models import Authority, Year
from lgsco_letters.data.slugs import slugify
from lgsco_letters.errors import LettersError, display_path
from lgsco_letters.words import closest, likeness

LISTED = 8  # candidates named in a message; the rest are counted
GENERIC_WORDS = {"council", "district", "borough", "city", "county", "metropolitan", "royal",
                 "corporation", "of", "the", "and"}


def words_of(text: str) -> list[str]:
    return slugify(text).split("-") if slugify(text) else []


def select_authorities(year: Year, names: list[str] | tuple[str, ...]) -> list[Authority]:
    """The authorities named, each once, in the order named; every authority when none.

    A name that matches nothing, or more than one authority, is an error (all of them said
    together), so that a typo never builds or sends the wrong letters.
    """
    if not names:
        return list(year.authorities)
    chosen: dict[str, Authority] = {}
    problems = []
    for name in names:
        found = matches(year, name)
        if len(found) == 1:
            chosen.setdefault(found[0].slug, found[0])
        else:
            problems.append(_ambiguous(year, name, found) if found else _unknown(year, name))
    if problems:
        raise LettersError("\n".join(problems))
    return list(chosen.values())


def matches(year: Year, name: str) -> list[Authority]:
    """Authorities called exactly `name` (or its slug), else those with all of its words."""
    typed = name.strip()
    exact = [a for a in year.authorities
             if typed in (a.name, a.slug) or typed.casefold() == a.name.casefold()]
    if exact or not words_of(typed):
        return exact
    wanted = set(words_of(typed))
    found = [a for a in year.authorities if wanted <= set(words_of(a.name))]
    if len(found) > 1:  # "north somerset": North Somerset Council, not Bath and North East...
        same = [a for a in found if distinctive(a.name) == distinctive(typed)]
        return same if len(same) == 1 else found
    return found


def distinctive(name: str) -> set[str]:
    """The words that tell a name from others: all but "Council", "District" and the like."""
    return set(words_of(name)) - GENERIC_WORDS


def _ambiguous(year: Year, name: str, found: list[Authority]) -> str:
    listed = "; ".join(a.name for a in found[:LISTED])
    more = f"; and {len(found) - LISTED} more" if len(found) > LISTED else ""
    return (f'"{name}" matches {len(found)} authorities in {display_path(year.folder)}: '
            f"{listed}{more}. Give more of the name.")


def _unknown(year: Year, name: str) -> str:
    close = closest(name, [a.name for a in year.authorities], cutoff=0.75, score=_word_likeness)
    hint = f" Did you mean: {'; '.join(close)}?" if close else ""
    return f'No authority called "{name}" in {display_path(year.folder)}.{hint}'


def name_hint(name: str, names: list[str]) -> str:
    """A ' (did you mean "..."?)' hint for a misspelt council's name, compared word by word."""
    close = closest(name, names, cutoff=0.75, score=_word_likeness)
    return f' (did you mean "{close[0]}"?)' if close else ""


def _word_likeness(typed: str, candidate: str) -> float:
    """Each typed word against its best match among the name's words, averaged."""
    typed_words, candidate_words = words_of(typed), words_of(candidate)
    if not typed_words or not candidate_words:
        return 0.0
    return sum(max(likeness(word, other) for other in candidate_words)
               for word in typed_words) / len(typed_words)
