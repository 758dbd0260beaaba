"""Themes of written answers, offline, in Russian and English.

An answer to "what should we fix?" or "what else could we offer?" is cut into words; a
Cyrillic word is brought to its dictionary form by pymorphy3 ("доставкой", "доставку" →
"доставка"), a Latin one to its Snowball stem ("deliveries" → "deliveri"), so a mixed
answer ("доставка slow") is read word by word in its own language. A negation joins the
word it negates ("не вкусно" → "невкусно", "not fresh" → "not fresh"), so "не дорого" is
not about price.

A theme is a list of entries (analytics/theme_defaults.py ships the defaults; owners edit
them with /themes): a word in any form ("доставкой" means "доставка"), a stem ending in
`*` ("курьер*": курьер, курьерша, курьеров) or two words ("пункт выдачи"). A word that
matches nothing is compared with the theme's words of about its length, so a typo
("офицант", "delivry") still counts. An answer may have several themes or none; the
words of the ones with none are kept, so frequent ones can show a theme that is missing.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    import pymorphy3

_WORD: Final = re.compile(r"[a-zа-яё]+(?:'[a-z]+)?")
_CYRILLIC: Final = re.compile(r"[а-яё]")
NEGATIONS_RU: Final = frozenset({"не"})
NEGATIONS_EN: Final = frozenset({"not", "isnt", "wasnt", "arent", "werent"})
"""Negations of a quality ("not fresh"); "don't wait" is still about waiting."""
_QUALITY_POS: Final = frozenset({"ADJF", "ADJS", "ADVB", "COMP", "PRTF", "PRTS"})
"""What "не" joins: "не вкусно" is "невкусно", while "не довезли" is about delivery."""
FUZZY_MIN_LENGTH: Final = 5
"""Shorter words are compared exactly: one letter off in four is another word."""
FUZZY_CUTOFF: Final = 0.85
"""difflib's similarity a typo must reach: "офицант" is 0.93 of "официант"."""

# Words that say nothing on their own; a group of unmatched answers is never named by them.
# Russian function words are told by pymorphy3's part of speech (_FUNCTION_POS).
_STOP_WORDS = (
    # Russian words pymorphy3 tags as content
    """весь всё все это этот очень быть мочь хотеть хотеться сделать делать нужно надо можно
    просто вообще ещё еще раз так как там тут здесь сейчас всегда иногда немного хороший
    хорошо отлично норм нормально спасибо пожалуйста лучше больше меньше мало много самый
    какой который свой ваш наш нет да знать думать сказать стать вы мы"""
    # English stems (Snowball) of function words and fillers
    """ the and but for with you your our are was were that this there have has had would
    could should will can more some any all just realli veri too also get got make like pleas
    thank thanks great good nice fine ok okay noth everyth someth mayb know think want need
    from they them their what when which who how than then into onli even much mani lot bit
    use time one her his she him its abl alway sometim everi again"""
)
STOP_WORDS: Final = frozenset(_STOP_WORDS.split())
_FUNCTION_POS: Final = frozenset({"PREP", "CONJ", "PRCL", "INTJ", "NPRO", "NUMR", "PRED"})


class Normaliser:
    """Words to the forms themes are matched in; each distinct word is worked out once."""

    def __init__(self) -> None:
        import pymorphy3
        import snowballstemmer

        self._morph: pymorphy3.MorphAnalyzer = pymorphy3.MorphAnalyzer(lang="ru")
        self._stemmer = snowballstemmer.stemmer("english")
        self._forms: dict[str, tuple[str, bool]] = {}

    def words(self, text: str) -> list[str]:
        """The text's words in lower case, `ё` as `е`, apostrophes dropped ("don't" → "dont")."""
        return [w.replace("'", "") for w in _WORD.findall(text.casefold().replace("ё", "е"))]

    def form(self, word: str) -> str:
        """`доставкой` → `доставка`, `deliveries` → `deliveri`."""
        return self._analysed(word)[0]

    def says_something(self, word: str) -> bool:
        """Whether a word can name a group of answers: not a preposition, a pronoun, a filler."""
        form, content = self._analysed(word)
        return content and len(form) >= 3 and form not in STOP_WORDS

    def describes(self, word: str) -> bool:
        """Whether a Russian word is an adjective, an adverb or a participle."""
        return bool(_CYRILLIC.search(word)) and self._morph.parse(word)[0].tag.POS in _QUALITY_POS

    def _analysed(self, word: str) -> tuple[str, bool]:
        known = self._forms.get(word)
        if known is None:
            if _CYRILLIC.search(word):
                parsed = self._morph.parse(word)[0]
                known = (parsed.normal_form.replace("ё", "е"), parsed.tag.POS not in _FUNCTION_POS)
            else:
                known = (self._stemmer.stemWord(word), True)
            self._forms[word] = known
        return known


@dataclass(frozen=True, slots=True)
class Theme:
    key: str
    names: dict[str, str]
    """The name shown in each language ("ru", "en"); an owner's theme has one for both."""
    entries: tuple[str, ...]

    def name(self, language: str) -> str:
        return self.names.get(language) or next(iter(self.names.values()), self.key)


@dataclass(frozen=True, slots=True)
class Topics:
    """What one answer is about: its themes in dictionary order, and its telling words."""

    themes: tuple[str, ...]
    words: tuple[str, ...] = field(default=())


class ThemeMatcher:
    """One dictionary of themes, ready to read answers with."""

    def __init__(self, themes: Sequence[Theme], normaliser: Normaliser) -> None:
        self._normaliser = normaliser
        self._order = {theme.key: index for index, theme in enumerate(themes)}
        self._exact: dict[str, set[str]] = {}
        self._prefixes: list[tuple[str, str]] = []
        self._pairs: dict[str, set[str]] = {}
        for theme in themes:
            for entry in theme.entries:
                self._add(theme.key, entry)
        self._by_length: dict[int, list[str]] = {}
        for form in self._exact:
            self._by_length.setdefault(len(form), []).append(form)
        self._fuzzy_cache: dict[str, frozenset[str]] = {}

    def _add(self, key: str, entry: str) -> None:
        read = self._read(entry)
        if not read:
            return
        if entry.rstrip().endswith("*") and len(read) == 1:
            self._prefixes.append((read[0][0], key))
        elif len(read) == 1:
            self._exact.setdefault(read[0][1], set()).add(key)
        else:
            self._pairs.setdefault(" ".join(form for _, form in read), set()).add(key)

    def _read(self, text: str) -> list[tuple[str, str]]:
        """(word, form) of each word, a negation joined to the word after it."""
        read: list[tuple[str, str]] = []
        negation: str | None = None
        for word in self._normaliser.words(text):
            if word in NEGATIONS_RU or word in NEGATIONS_EN:
                negation = word
                continue
            if negation in NEGATIONS_RU:
                if self._normaliser.describes(word):
                    word = "не" + word
            elif negation is not None:
                read.append((f"not {word}", f"not {self._normaliser.form(word)}"))
                negation = None
                continue
            read.append((word, self._normaliser.form(word)))
            negation = None
        return read

    def topics(self, text: str) -> Topics:
        read = self._read(text)
        found: set[str] = set()
        for word, form in read:
            found |= self._themes_of(word, form)
        for (_, first), (_, second) in itertools.pairwise(read):
            found |= self._pairs.get(f"{first} {second}", set())
        themes = tuple(sorted(found, key=self._order.__getitem__))
        if themes:
            return Topics(themes)
        telling = dict.fromkeys(
            form for word, form in read if " " not in word and self._normaliser.says_something(word)
        )
        return Topics((), tuple(telling))

    def _themes_of(self, word: str, form: str) -> set[str]:
        themes = self._exact.get(form)
        if themes is not None:
            return themes
        themes = {
            key
            for prefix, key in self._prefixes
            if word.startswith(prefix) or form.startswith(prefix)
        }
        if themes or len(form) < FUZZY_MIN_LENGTH or " " in form:
            return themes
        return self._close(word, form)

    def _close(self, word: str, form: str) -> set[str]:
        """The themes of the dictionary word or stem `word` is most likely a typo of."""
        if form not in self._fuzzy_cache:
            near = [
                known
                for length in (len(form) - 1, len(form), len(form) + 1)
                for known in self._by_length.get(length, ())
                if known[0] == form[0]
            ]
            matches = difflib.get_close_matches(form, near, n=1, cutoff=FUZZY_CUTOFF)
            found = set(self._exact[matches[0]]) if matches else set()
            for prefix, key in self._prefixes:
                if len(prefix) >= FUZZY_MIN_LENGTH and prefix[0] == word[0]:
                    start = word[: len(prefix)]
                    if difflib.SequenceMatcher(None, start, prefix).ratio() >= FUZZY_CUTOFF:
                        found.add(key)
            self._fuzzy_cache[form] = frozenset(found)
        return set(self._fuzzy_cache[form])
