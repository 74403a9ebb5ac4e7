"""The review report: what conversion decided in each article, for an editor to confirm.

Two kinds of finding, per article and per edition it is converted into:

- vocabulary substitutions: places where the edition's text is not the plain character
  conversion of the source (特朗普 -> 川普, 软件 -> 軟體), found by comparing the profile's
  output with the character-only configuration's (s2twp with s2tw) and naming the rule that
  fired: a glossary entry (which file and group) or one of OpenCC's regional phrase tables;
- ambiguous characters: characters that OpenCC's character tables map to several characters
  (发 -> 發/髮, 后 -> 後/后, 干 -> 幹/乾/干) where no phrase of OpenCC or of the glossary covered
  them, so the conversion fell back to the table's first choice.

Each finding comes with its line and sentence, so the editor can pin it with ``-{…}-``.
This is separate from the build: it reads OpenCC's dictionaries (through the ``opencc_dict``
tool that ships with OpenCC's wheel) and runs only for ``sitegen check`` and ``build --report``.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .content import Article
from .convert import (
    OPENCC_SHARE,
    Chain,
    Converter,
    Direction,
    alt_text,
    opencc_dict_tool,
    shipped_dictionary,
    text_runs,
)
from .editor_markup import split_markup
from .settings import Settings

_SENTENCE_END = "。！？!?；;\n"
_MAX_PHRASE = 12  # longer dictionary phrases are rare; they bound the coverage search
# An alternative conversion of a character counts when OpenCC's phrase tables pick it at least
# this often, absolutely and as a share of the character's phrases.
_MIN_USES, _MIN_SHARE = 20, 0.05


class ReviewError(Exception):
    pass


@dataclass(frozen=True)
class Substitution:
    line: int
    source: str  # the phrase as written
    target: str  # what the edition shows
    plain: str  # what character conversion alone would have given
    rule: str  # "glossary" or "opencc"
    origin: str  # glossary file and group, or the OpenCC dictionary and its entry
    sentence: str


@dataclass(frozen=True)
class Ambiguity:
    line: int
    char: str
    chosen: str
    candidates: tuple[str, ...]
    sentence: str


@dataclass
class EditionReview:
    source: str
    target: str
    substitutions: list[Substitution] = field(default_factory=list)
    ambiguities: list[Ambiguity] = field(default_factory=list)


@dataclass
class ArticleReview:
    path: str
    lang: str
    editions: list[EditionReview] = field(default_factory=list)


@dataclass
class Review:
    articles: list[ArticleReview] = field(default_factory=list)

    def counts(self) -> tuple[int, int]:
        subs = sum(len(e.substitutions) for a in self.articles for e in a.editions)
        amb = sum(len(e.ambiguities) for a in self.articles for e in a.editions)
        return subs, amb

    def to_json(self) -> str:
        subs, amb = self.counts()
        data = {"substitutions": subs, "ambiguities": amb, "articles": [asdict(a) for a in self.articles]}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"

    def to_text(self) -> str:
        lines: list[str] = []
        for article in self.articles:
            for edition in article.editions:
                lines.append(f"{article.path}: {edition.source} -> {edition.target}: "
                             f"{len(edition.substitutions)} vocabulary substitutions, "
                             f"{len(edition.ambiguities)} ambiguous characters")
                for sub in edition.substitutions:
                    lines.append(f"  {article.path}:{sub.line}: vocabulary {sub.source} -> {sub.target} "
                                 f"(characters alone: {sub.plain}; {sub.origin}) in 「{sub.sentence}」")
                for amb in edition.ambiguities:
                    others = "/".join(c for c in amb.candidates if c != amb.chosen)
                    lines.append(f"  {article.path}:{amb.line}: ambiguous {amb.char} -> {amb.chosen} "
                                 f"(could be {others}) in 「{amb.sentence}」")
        subs, amb = self.counts()
        lines.append(f"{len(self.articles)} articles: {subs} vocabulary substitutions, "
                     f"{amb} ambiguous characters to confirm")
        return "\n".join(lines) + "\n"


class Dictionaries:
    """OpenCC's own dictionaries, read as text (see convert.read_dictionary)."""

    def __init__(self) -> None:
        if opencc_dict_tool() is None:
            raise ReviewError("the review report needs OpenCC's opencc_dict tool, which is neither in the "
                              "opencc wheel nor on PATH")

    def get(self, name: str) -> dict[str, tuple[str, ...]]:
        try:
            return shipped_dictionary(OPENCC_SHARE / name)
        except OSError as exc:
            raise ReviewError(str(exc)) from None


def _dict_files(node: dict[str, Any]) -> list[str]:
    if node.get("type") == "group":
        return [f for d in node["dicts"] for f in _dict_files(d)]
    return [node["file"]] if "file" in node else []


def _config_files(configs: Sequence[str]) -> list[str]:
    files: list[str] = []
    for name in configs:
        config = json.loads((OPENCC_SHARE / f"{name}.json").read_text(encoding="utf-8"))
        for step in config["conversion_chain"]:
            files.extend(_dict_files(step["dict"]))
    return files


class DirectionReviewer:
    """Everything needed to review one conversion direction, loaded once per run."""

    def __init__(self, direction: Direction, dictionaries: Dictionaries, source_script: str,
                 target_script: str) -> None:
        self.direction = direction
        profile_files = _config_files(direction.configs)
        plain_files = _config_files(direction.character_configs)
        # OpenCC's vocabulary: phrase tables the profile uses and character conversion does not.
        self.vocabulary = [(f, dictionaries.get(f)) for f in dict.fromkeys(profile_files)
                           if f not in plain_files and "Phrases" in f]
        # Phrase tables that settle a character from its context.
        resolving = [dictionaries.get(f) for f in dict.fromkeys(plain_files) if "Phrases" in f]
        self.phrases: set[str] = {k for table in resolving for k in table if len(k) > 1}
        self.phrases.update(k for _, table in self.vocabulary for k in table if len(k) > 1)
        self.phrases.update(k for k in direction.rules if len(k) > 1)
        self.characters: dict[str, tuple[str, ...]] = {}
        if source_script != target_script:
            table = dictionaries.get("STCharacters.ocd2" if source_script == "hans" else "TSCharacters.ocd2")
            variants = _variant_chain(direction.configs) if target_script == "hant" else None
            used = _uses(resolving, {c for c, v in table.items() if len(v) > 1})
            for char, candidates in table.items():
                if len(candidates) < 2:
                    continue
                shown = tuple(dict.fromkeys(variants(c) if variants else c for c in candidates))
                # Only alternatives that OpenCC's own phrases choose often enough are real
                # ambiguities (发: 發/髮); rare variants (果: 菓) would bury them in noise.
                total = sum(used.get((char, c), 0) for c in candidates) or 1
                real = [c for c in shown[1:] if sum(used.get((char, o), 0) for o in candidates
                                                    if (variants(o) if variants else o) == c)
                        >= max(_MIN_USES, _MIN_SHARE * total)]
                if real:
                    self.characters[char] = (shown[0], *real)

    def review(self, units: Sequence[tuple[int, str]]) -> tuple[list[Substitution], list[Ambiguity]]:
        """Findings for the texts of one article: (line, free text without markup) pairs."""
        units = [(line, text) for line, text in units if text.strip()]
        if not units:
            return [], []
        joined = "\n".join(text for _, text in units)
        profile = self.direction.chain(joined).split("\n")
        plain = self.direction.plain_chain(joined).split("\n")
        substitutions: list[Substitution] = []
        ambiguities: list[Ambiguity] = []
        for (line, text), converted, characters in zip(units, profile, plain, strict=True):
            covered: list[tuple[int, int]] = []
            for start, end, target, rule, origin in self._substitutions(text, characters, converted):
                covered.append((start, end))
                substitutions.append(Substitution(line, text[start:end], target, characters[start:end], rule,
                                                  origin, _sentence(text, start)))
            if len(characters) != len(text):
                continue  # not aligned character by character: cannot tell which character became what
            for i, char in enumerate(text):
                candidates = self.characters.get(char)
                if candidates is None or any(s <= i < e for s, e in covered):
                    continue
                chosen = characters[i]
                if chosen != candidates[0] or self._in_phrase(text, i):
                    continue  # a phrase of OpenCC or of the glossary settled it
                ambiguities.append(Ambiguity(line, char, chosen, candidates, _sentence(text, i)))
        return substitutions, ambiguities

    def _substitutions(self, text: str, plain: str,
                       converted: str) -> Iterator[tuple[int, int, str, str, str]]:
        """Spans of the source whose conversion differs from character conversion, with their rule.

        A difference covers only the characters that changed (软件: 件 -> 體); it is widened to
        the whole phrase of the rule that made it, so the editor sees 軟件 -> 軟體.
        """
        if plain == converted:
            return
        if len(plain) != len(text):
            yield 0, len(text), converted, "opencc", "OpenCC phrase conversion"
            return
        opcodes = difflib.SequenceMatcher(None, plain, converted, autojunk=False).get_opcodes()
        regions: list[list[Any]] = []
        for tag, i1, i2, _, _ in opcodes:
            if tag == "equal":
                continue
            found = self._origin(text, plain, i1, max(i2, i1 + 1))
            if found is None and i1 == i2 and i1 > 0:  # an insertion: the phrase may end just before it
                found = self._origin(text, plain, i1 - 1, i1)
            start, end, rule, origin = i1, i2, "opencc", "OpenCC phrase conversion"
            if found is not None:
                (a, b), rule, origin = found
                start, end = min(start, a), max(end, b)
            if regions and start < regions[-1][1]:
                regions[-1][1] = max(regions[-1][1], end)
            else:
                regions.append([start, end, rule, origin])
        for start, end, rule, origin in regions:
            j1, j2 = _map(opcodes, start, "start"), _map(opcodes, end, "end")
            yield start, end, converted[j1:j2], rule, origin

    def _origin(self, text: str, plain: str, start: int,
                end: int) -> tuple[tuple[int, int], str, str] | None:
        rules = self.direction.rules
        best = _covering(text, start, end, rules)
        if best is not None:
            key = text[best[0]:best[1]]
            return best, "glossary", f"{rules[key][1]}: {key} -> {rules[key][0]}"
        for name, table in self.vocabulary:
            for sample in (text, plain):
                best = _covering(sample, start, end, table)
                if best is not None:
                    key = sample[best[0]:best[1]]
                    return best, "opencc", f"OpenCC {name.removesuffix('.ocd2')}: {key} -> {'/'.join(table[key])}"
        return None

    def _in_phrase(self, text: str, i: int) -> bool:
        for start in range(max(0, i - _MAX_PHRASE + 1), i + 1):
            for end in range(max(i + 1, start + 2), min(len(text), start + _MAX_PHRASE) + 1):
                if text[start:end] in self.phrases:
                    return True
        return False


def _map(opcodes: Sequence[tuple[str, int, int, int, int]], i: int, side: str) -> int:
    """Where position ``i`` of the character conversion falls in the profile's output."""
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 <= i <= i2:
            if tag == "equal":
                return j1 + (i - i1)
            if i == i1 and side == "start":
                return j1
            if i == i2 and side == "end":
                return j2
            if i1 < i < i2:
                return j1 if side == "start" else j2
    return opcodes[-1][4] if opcodes else i


def _covering(text: str, start: int, end: int, table: dict[str, Any]) -> tuple[int, int] | None:
    """The longest entry of ``table`` found in ``text`` that overlaps ``[start, end)``."""
    best: tuple[int, int] | None = None
    for a in range(max(0, start - _MAX_PHRASE + 1), min(end, len(text))):
        for b in range(max(a + 1, start + 1), min(len(text), a + _MAX_PHRASE) + 1):
            if text[a:b] in table and (best is None or b - a > best[1] - best[0]):
                best = (a, b)
    return best


def _uses(tables: Sequence[dict[str, tuple[str, ...]]], chars: set[str]) -> dict[tuple[str, str], int]:
    """How many phrases convert each of ``chars`` into each of its candidates."""
    used: dict[tuple[str, str], int] = {}
    for table in tables:
        for key, values in table.items():
            value = values[0]
            if len(key) != len(value):
                continue
            for a, b in zip(key, value, strict=True):
                if a in chars:
                    used[(a, b)] = used.get((a, b), 0) + 1
    return used


def _variant_chain(configs: Sequence[str]) -> Chain | None:
    """Traditional characters as the target region writes them (裏 -> 裡 in Taiwan)."""
    first = configs[0] if configs else ""
    if "tw" in first:
        return Chain(["t2tw"], {})
    if "hk" in first:
        return Chain(["t2hk"], {})
    return None


def _sentence(text: str, i: int, limit: int = 60) -> str:
    start = max((text.rfind(c, 0, i) for c in _SENTENCE_END), default=-1) + 1
    ends = [e for e in (text.find(c, i) for c in _SENTENCE_END) if e >= 0]
    end = min(ends) + 1 if ends else len(text)
    sentence = text[start:end].strip()
    if len(sentence) > limit:
        # Long sentences are cut around the finding so that the line stays readable.
        offset = i - start
        lo = max(0, offset - limit // 2)
        sentence = ("…" if lo else "") + sentence[lo:lo + limit] + ("…" if lo + limit < len(sentence) else "")
    return sentence


def article_units(article: Article, front_line: dict[str, int]) -> list[tuple[int, str]]:
    """Every converted text of an article, with its line: title, summary, terms, body, alts."""
    units: list[tuple[int, str]] = [(front_line.get("title", 1), article.title)]
    if article.meta.get("summary"):
        units.append((front_line.get("summary", 1), article.summary))
    for tag in article.tags:
        units.append((front_line.get("tags", 1), tag))
    for path in article.categories:
        units.extend((front_line.get("categories", 1), name) for name in path)
    runs = text_runs(article.tokens)
    for group, line in zip(runs.groups, runs.lines, strict=True):
        units.append((article.body_line + line, "".join(t.content for t in group)))
    for image, line in zip(runs.alts, runs.alt_lines, strict=True):
        units.append((article.body_line + line, alt_text(image)))
    for token, line in zip(runs.titles, runs.title_lines, strict=True):
        units.append((article.body_line + line, str(token.attrGet("title"))))
    free: list[tuple[int, str]] = []
    for line, text in units:
        # Pinned text is the editor's decision: only the free text around it is reviewed.
        for part in split_markup(text):
            if isinstance(part, str):
                free.extend((line + n, piece) for n, piece in enumerate(part.split("\n")))
    return free


def _front_matter_lines(path: Path) -> dict[str, int]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, int] = {}
    if lines and lines[0].strip() == "---":
        for n, line in enumerate(lines[1:], 2):
            if line.strip() == "---":
                break
            key = line.split(":", 1)[0].strip()
            if key and ":" in line and not line.startswith((" ", "-")):
                found.setdefault(key, n)
    return found


def review_articles(articles: Sequence[Article], converter: Converter, settings: Settings,
                    display: Any = str) -> Review:
    """The report for every article, into every other edition of the site."""
    dictionaries = Dictionaries()
    scripts = {e.lang: e.script for e in settings.editions}
    reviewers: dict[tuple[str, str], DirectionReviewer] = {}
    review = Review()
    for article in sorted(articles, key=lambda a: a.key):
        units = article_units(article, _front_matter_lines(article.path))
        own = converter.with_glossary(article.glossary) if article.glossary is not None else converter
        result = ArticleReview(display(article.path), article.lang)
        for edition in settings.editions:
            if edition.lang == article.lang:
                continue
            direction = own.direction(article.lang, edition.lang)
            key = (article.lang, edition.lang)
            if article.glossary is not None or key not in reviewers:
                reviewer = DirectionReviewer(direction, dictionaries, scripts.get(article.lang, "hans"),
                                             edition.script)
                if article.glossary is None:
                    reviewers[key] = reviewer
            else:
                reviewer = reviewers[key]
            subs, ambs = reviewer.review(units)
            result.editions.append(EditionReview(article.lang, edition.lang, subs, ambs))
        review.articles.append(result)
    return review
