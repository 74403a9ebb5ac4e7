"""Tags, categories, sources, authors and yearly archives, one across both scripts.

Spellings that any edition shows alike are one term: 人工智能 written in a Simplified article and
人工智慧 written in a Traditional one, or 矽谷 and 硅谷 both written in Simplified (the Traditional
edition shows both as 矽谷). A term is keyed by the Simplified form of its most used spelling; its
slug comes from that key and therefore stays the same in every edition.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from .content import Article
from .settings import Edition

KINDS = ("tags", "categories", "sources", "authors")
_UNSAFE = re.compile(r"[^\w\-]+")


@dataclass(eq=False)  # terms are compared by identity: one object per term
class Term:
    kind: str
    key: str
    slug: str  # URL path below the kind's folder; categories nest ("tech/ai")
    spellings: Counter[tuple[str, str]]  # (lang written in, spelling) -> count
    articles: list[Article] = field(default_factory=list)
    parent: Term | None = None
    children: list[Term] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # edition lang -> display name

    @property
    def depth(self) -> int:
        return 0 if self.parent is None else self.parent.depth + 1


@dataclass
class Taxonomy:
    """Every term of the site and the articles under each.

    Its articles stand for their keys, terms and dates, which is all a taxonomy is made from: a
    rebuild after body edits keeps the last one with the objects it had (see pipeline.build), so
    anything else of an article is read from the site's own (render.Site.by_key).
    """

    terms: dict[str, list[Term]]  # kind -> terms in display order
    article_terms: dict[str, dict[str, list[Term]]]  # article key -> kind -> its terms
    years: dict[int, list[Article]]
    # article key -> articles sharing its tags, most related first
    related: dict[str, list[Article]] = field(default_factory=dict)

    def over(self, articles: list[Article]) -> Taxonomy:
        """The same taxonomy over other objects of the same articles, with the same terms, dates and
        order (a rebuild that parsed some bodies again): copied, so that this one stays as it is."""
        by_key = {a.key: a for a in articles}
        copies = {id(term): replace(term, articles=[by_key[a.key] for a in term.articles], children=[])
                  for kind in self.terms.values() for term in kind}
        for kind in self.terms.values():
            for term in kind:
                copy = copies[id(term)]
                copy.parent = copies[id(term.parent)] if term.parent is not None else None
                copy.children = [copies[id(child)] for child in term.children]
        return Taxonomy(
            {kind: [copies[id(t)] for t in terms] for kind, terms in self.terms.items()},
            {key: {kind: [copies[id(t)] for t in terms] for kind, terms in kinds.items()}
             for key, kinds in self.article_terms.items()},
            {year: [by_key[a.key] for a in members] for year, members in self.years.items()},
            {key: [by_key[a.key] for a in others] for key, others in self.related.items()},
        )


def slugify(key: str) -> str:
    slug = _UNSAFE.sub("-", key.casefold().replace("_", "-")).strip("-")
    slug = re.sub(r"-{2,}", "-", slug)
    return slug or "t-" + hashlib.sha1(key.encode()).hexdigest()[:8]


def _names(article: Article) -> dict[str, list[tuple[str, ...]]]:
    """Each kind's names of an article, as paths (categories nest), each once."""
    return {
        "tags": [(tag,) for tag in dict.fromkeys(article.tags)],
        "categories": list(article.categories),
        "sources": [(article.source_name,)] if article.source_name else [],
        "authors": [(author,) for author in dict.fromkeys(article.authors)],
    }


def _keys(spellings: Counter[tuple[str, str]], editions: tuple[Edition, ...],
          convert: Callable[[str, str, str], str]) -> dict[tuple[str, str], str]:
    """Each (name, language written in) of one kind -> the key of its term.

    Two spellings that one edition shows alike (case aside) are one term, and so, in turn, is any
    spelling shown like either: an edition never lists two tags, sources or authors of one name (nor
    two categories of one name under the same parent). The key is the Simplified form of the term's
    most used spelling (the least in sort order among equals).
    """
    hans = next((e.lang for e in editions if e.script == "hans"), None)
    group = {pair: pair for pair in spellings}

    def find(pair: tuple[str, str]) -> tuple[str, str]:
        while group[pair] != pair:
            group[pair] = pair = group[group[pair]]
        return pair

    # Each spelling as every edition shows it, converted once.
    shown_as = {(name, lang): {e.lang: convert(name, lang, e.lang).casefold() for e in editions}
                for name, lang in spellings}
    first_shown: dict[tuple[str, str], tuple[str, str]] = {}
    for pair in sorted(spellings):
        for edition_lang, form in shown_as[pair].items():
            first, mine = find(first_shown.setdefault((edition_lang, form), pair)), find(pair)
            group[max(first, mine)] = min(first, mine)
    members: dict[tuple[str, str], Counter[str]] = {}
    for pair, count in spellings.items():
        form = shown_as[pair][hans] if hans is not None else pair[0].casefold()
        members.setdefault(find(pair), Counter())[form] += count
    keys = {root: min(forms, key=lambda form: (-forms[form], form)) for root, forms in members.items()}
    return {pair: keys[find(pair)] for pair in spellings}


def build_taxonomy(
    articles: list[Article], editions: tuple[Edition, ...], convert: Callable[[str, str, str], str],
    related: dict[str, list[Article]] | None = None,
    lang_of: Callable[[str, str], str] = lambda name, lang: lang,
) -> Taxonomy:
    """Group articles (newest first) by every term (see _keys); ``convert(text, source, target)``
    converts names between editions (Converter.text, which also strips editor markup), and
    ``lang_of(name, article_lang)`` tells the language a name is written in (Converter.lang_of).

    ``related`` is a related-articles map computed earlier for the same articles, tags and dates
    (a rebuild after a body edit): it is reused, since computing it is quadratic in a tag's size.
    """
    terms: dict[str, dict[str, Term]] = {kind: {} for kind in KINDS}
    article_terms: dict[str, dict[str, list[Term]]] = {}
    years: dict[int, list[Article]] = {}
    names = {article.key: _names(article) for article in articles}
    # Each (name, article language): the language it is written in. A site has hundreds of names,
    # written thousands of times.
    written: dict[tuple[str, str], str] = {}
    spellings: dict[str, Counter[tuple[str, str]]] = {kind: Counter() for kind in KINDS}
    for article in articles:
        for kind, paths in names[article.key].items():
            for path in paths:
                for name in path:
                    lang = written.get((name, article.lang))
                    if lang is None:
                        lang = written[name, article.lang] = lang_of(name, article.lang)
                    spellings[kind][name, lang] += 1
    keys = {kind: _keys(counted, editions, convert) for kind, counted in spellings.items()}

    def add(kind: str, names: tuple[str, ...], article: Article) -> Term:
        parent: Term | None = None
        term: Term | None = None
        path: list[str] = []
        for name in names:
            lang = written[name, article.lang]
            path.append(keys[kind][name, lang])
            key = "/".join(path)
            term = terms[kind].get(key)
            if term is None:
                term = Term(kind, key, "", Counter(), parent=parent)
                terms[kind][key] = term
                if parent is not None:
                    parent.children.append(term)
            term.spellings[(lang, name)] += 1
            if not term.articles or term.articles[-1] is not article:
                term.articles.append(article)
            parent = term
        assert term is not None
        return term

    for article in articles:
        mine = {kind: [add(kind, path, article) for path in paths] for kind, paths in names[article.key].items()}
        article_terms[article.key] = {k: list(dict.fromkeys(v)) for k, v in mine.items()}
        years.setdefault(article.date.year, []).append(article)

    ordered: dict[str, list[Term]] = {}
    for kind, by_key in terms.items():
        used: set[str] = set()
        for key in sorted(by_key):
            term = by_key[key]
            own = slugify(key.rsplit("/", 1)[-1])
            slug = own if term.parent is None else f"{term.parent.slug}/{own}"
            base, n = slug, 2
            while slug in used:
                slug, n = f"{base}-{n}", n + 1
            used.add(slug)
            term.slug = slug
            term.names = {e.lang: _display(term, e, convert) for e in editions}
        # Most-used first, then by key: the order readers expect on an index page.
        ordered[kind] = sorted(by_key.values(), key=lambda t: (-len(t.articles), t.key))
    taxonomy = Taxonomy(ordered, article_terms, dict(sorted(years.items(), reverse=True)))
    taxonomy.related = related if related is not None else related_articles(articles, article_terms)
    return taxonomy


def related_articles(articles: list[Article], article_terms: dict[str, dict[str, list[Term]]],
                     limit: int = 4) -> dict[str, list[Article]]:
    """For each article, the ones sharing its tags: a rare shared tag counts more than a common
    one (sharing "Anthropic" says more than sharing "AI"); ties go to the newer article.

    A candidate's score is the sum of 1/size over the tags it shares. Scoring every article of
    every shared tag is quadratic in a tag's size (seconds at 10,000 articles), so only two kinds
    of candidate are scored: those sharing two or more tags (found by set intersections), and,
    for each tag, the newest few sharing that tag alone, which all score the same.
    """
    order = {a.key: i for i, a in enumerate(articles)}  # articles come newest first
    by_key = {a.key: a for a in articles}
    members: dict[int, frozenset[str]] = {}
    out: dict[str, list[Article]] = {}
    for article in articles:
        tags = article_terms[article.key]["tags"]
        sets = []
        for tag in tags:
            found = members.get(id(tag))
            if found is None:
                found = members[id(tag)] = frozenset(a.key for a in tag.articles)
            sets.append(found)
        several: set[str] = set()
        for first, second in itertools.combinations(sets, 2):
            several |= first & second
        several.discard(article.key)
        scores: dict[str, float] = dict.fromkeys(several, 0.0)
        # Each candidate's tags summed in the article's tag order, as ever (the same floats), over
        # the intersections (in C) rather than asking every tag about every candidate.
        for tag, keys in zip(tags, sets, strict=True):
            weight = 1.0 / len(tag.articles)
            for key in several & keys:
                scores[key] += weight
        for tag in tags:
            weight, taken = 1.0 / len(tag.articles), 0
            for other in tag.articles:  # newest first
                if taken == limit:
                    break
                if other is not article and other.key not in several:
                    scores[other.key] = weight
                    taken += 1
        ranked = sorted(scores, key=lambda k: (-scores[k], order[k]))
        out[article.key] = [by_key[k] for k in ranked[:limit]]
    return out


def _display(term: Term, edition: Edition, convert: Callable[[str, str, str], str]) -> str:
    """How an edition shows a term: as its own writers spelled it, else converted."""
    mine = [(n, s) for (lang, s), n in term.spellings.items() if lang == edition.lang]
    if mine:
        # Converting into its own edition only takes editor markup away.
        return convert(max(mine, key=lambda pair: pair[0])[1], edition.lang, edition.lang)
    # Converted from a Simplified spelling when there is one: the term's key is Simplified, and
    # conversion out of Simplified knows every edition's vocabulary (a Hong Kong edition gets
    # 人工智能 from 人工智能, where from Taiwan's 人工智慧 it would keep Taiwan usage).
    ranked = sorted(term.spellings.items(), key=lambda item: (not item[0][0].startswith("zh-Hans"), -item[1]))
    (lang, spelling), _ = ranked[0]
    return convert(spelling, lang, edition.lang)
