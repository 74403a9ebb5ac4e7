"""Rendering one edition: article bodies from tokens, then every page through Jinja."""

from __future__ import annotations

import functools
import hashlib
import math
import traceback
from collections import UserString
from collections.abc import Callable, Container, Hashable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, NamedTuple, TypeVar

import jinja2
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import OptionsDict
from markupsafe import Markup

from .content import Article
from .convert import Converter, convert_tokens, title_key
from .editor_markup import strip_markup
from .feeds import ATOM_FILE, ATOM_TYPE, FEED_KINDS, FeedLink, feed_folder, feed_links
from .images import LocalImages
from .markdown import make_parser
from .search import FOLD_FILE, INDEX_DIR
from .seo import iso_datetime, news_article, og_locale, script_json
from .settings import Edition, Settings
from .taxonomy import KINDS, Taxonomy, Term
from .urls import Urls

THEME = Path(__file__).parent / "theme"
Source = TypeVar("Source")
Made = TypeVar("Made")
# UI strings in templates are written once, in Simplified, and converted like any text.
UI_SOURCE = "zh-Hans"


class ArticleLink(NamedTuple):
    """Where a body links another article: a part of the rendered body that is not yet text, since
    pages link it by path and feeds by full URL. One render serves both (see BodyRenderer.parts)."""

    key: str
    fragment: str

    def tag(self, href_of: Callable[[str], str]) -> str:
        href = href_of(self.key)
        return f'<a href="{escapeHtml(href + "#" + self.fragment if self.fragment else href)}">'


Part = str | ArticleLink


def join_parts(parts: Sequence[Part], href_of: Callable[[str], str]) -> str:
    """A body's HTML from its parts, with each linked article's ``href_of(key)``."""
    return "".join(part if type(part) is str else part.tag(href_of) for part in parts)  # type: ignore[union-attr]


class BodyRenderer(RendererHTML):
    """HTML for one edition of a body; the shared tokens are read, never changed."""

    def render(self, tokens: Sequence[Token], options: OptionsDict, env: dict[str, Any]) -> str:
        return join_parts(self.parts(tokens, options, env), env["article_href"])

    def renderInline(self, tokens: Sequence[Token], options: OptionsDict, env: dict[str, Any]) -> str:
        out: list[Part] = []
        self._inline_parts(tokens, options, env, out)
        return join_parts(out, env["article_href"])

    def parts(self, tokens: Sequence[Token], options: OptionsDict, env: dict[str, Any]) -> list[Part]:
        """The body as text with its links to other articles left open (RendererHTML.render's loop)."""
        out: list[Part] = []
        rules = self.rules
        for i, token in enumerate(tokens):
            if token.type == "inline":
                if token.children:
                    self._inline_parts(token.children, options, env, out)
            elif token.type in rules:
                out.append(rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return out

    def _inline_parts(self, tokens: Sequence[Token], options: OptionsDict, env: dict[str, Any],
                      out: list[Part]) -> None:
        rules = self.rules
        for i, token in enumerate(tokens):
            if token.type in rules:
                out.append(rules[token.type](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))

    def text(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]) -> str:
        token = tokens[idx]
        return escapeHtml(env["texts"].get(id(token), token.content))

    def template_tag(self, tokens: Sequence[Token], idx: int, options: OptionsDict,
                     env: dict[str, Any]) -> str:
        # An unsupported tag stays visible exactly as the author wrote it.
        return escapeHtml(tokens[idx].content)

    def link_title(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]) -> str:
        """A tag link without text (``{% post_url x %}``) shows the linked article's title."""
        opening = tokens[idx - 1] if idx > 0 else None
        if opening is not None and "article" in opening.meta:
            return escapeHtml(env["article_title"](opening.meta["article"]))
        ref = opening.meta.get("ref") if opening is not None else None
        return escapeHtml(ref[1] if ref else "")

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]) -> str:
        token = tokens[idx]
        alt = env["texts"].get(id(token))
        if alt is None:
            alt = self.renderInlineAsText(token.children, options, env)
        src = str(token.attrGet("src") or "")
        attrs = [("src", src), ("alt", alt)]
        if token.attrGet("title"):
            attrs.append(("title", self._title(token, env)))
        # Width and height reserve the image's box before it loads: no layout shift.
        # An {% asset_img %} is looked up among its article's files, any other image under static/.
        size = env["asset_size"](token.meta["asset"]) if "asset" in token.meta else env["image_size"](src)
        if size:
            attrs += [("width", str(size[0])), ("height", str(size[1]))]
        attrs += [("loading", "lazy"), ("decoding", "async")]
        return "<img" + "".join(f' {k}="{escapeHtml(v)}"' for k, v in attrs) + ">"

    def link_open(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]) -> str:
        token = tokens[idx]
        if "unresolved" in token.meta:
            title = env["ui"]("链接的文章尚不存在：") + token.meta["unresolved"]
            return f'<span class="unresolved-link" title="{escapeHtml(title)}">'
        if "article" in token.meta:
            return ArticleLink(token.meta["article"], token.meta.get("fragment") or "")  # type: ignore[return-value]
        if token.attrGet("title"):
            # The shared token is never changed: a shallow copy would share its attrs dict.
            shown = token.copy(attrs=dict(token.attrs))
            shown.attrSet("title", self._title(token, env))
            return self.renderToken([shown], 0, options, env)
        return self.renderToken(tokens, idx, options, env)

    @staticmethod
    def _title(token: Token, env: dict[str, Any]) -> str:
        """A title as this edition reads it: converted, or in the article's own edition as written
        with only the editor's markup resolved."""
        title = str(token.attrGet("title"))
        return env["texts"].get(title_key(token)) or strip_markup(title, env["lang"])

    def link_close(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: dict[str, Any]) -> str:
        return "</span>" if "unresolved" in tokens[idx].meta else "</a>"


@dataclass(frozen=True)
class Link:
    name: str
    href: str  # root-relative, for pages
    url: str = ""  # absolute, for feeds and metadata read off the site


@dataclass(frozen=True)
class ArticleView:
    """An article as one edition shows it in lists and on its page."""

    key: str
    title: str
    href: str
    url: str
    summary: str
    date: datetime
    date_text: str
    updated: datetime | None
    lang: str
    tags: tuple[Link, ...]
    categories: tuple[tuple[Link, ...], ...]
    authors: tuple[Link, ...]
    source: Link | None
    source_url: str
    cjk_chars: int
    latin_words: int
    reading_minutes: int
    meta: dict[str, Any]

    def __str__(self) -> str:
        # A template printing a whole view shows its length too (see counts_read).
        _note_count(self)
        return repr(self)


class Deferred(UserString):
    """A string made only when a template first uses it: what not every theme shows (JSON-LD) costs
    nothing on the pages of a theme that does not. It is the str it stands for in every other way
    (printed, ``| safe``, ``| length``, compared, sliced), through collections.UserString."""

    def __init__(self, make: Callable[[], str] | str) -> None:
        # No super().__init__(): it would set ``data`` now. A str is what UserString's own methods
        # hand over (a slice, a replaced copy): made already.
        self._text = make if isinstance(make, str) else None
        self._make = None if isinstance(make, str) else make

    @property  # type: ignore[override]
    def data(self) -> str:
        if self._text is None:
            assert self._make is not None
            self._text = self._make()
        return self._text


class OnDemand(Mapping[str, Made], Generic[Source, Made]):
    """Values by key, each made from its source when first asked for: a warm build renders the few
    pages a change reaches and needs the views (or links) of only the articles they show.
    ``known``: values already made, for keys of ``sources`` only."""

    def __init__(self, sources: Mapping[str, Source], make: Callable[[Source], Made],
                 known: Mapping[str, Made] | None = None) -> None:
        self._sources, self._make = sources, make
        self._made = dict(known or {})

    def __getitem__(self, key: str) -> Made:
        if key in self._made:
            return self._made[key]
        made = self._made[key] = self._make(self._sources[key])
        return made

    def __contains__(self, key: object) -> bool:
        return key in self._sources

    def __iter__(self) -> Iterator[str]:
        return iter(self._sources)

    def __len__(self) -> int:
        return len(self._sources)


def newest(views: Sequence[ArticleView]) -> datetime | None:
    """When the newest change among some articles was made: what a list page's lastmod is."""
    return max([v.updated or v.date for v in views], default=None)


def chinese_date(when: datetime) -> str:
    return f"{when.year}年{when.month}月{when.day}日"


@dataclass(frozen=True)
class ArticleTexts:
    """An article's own texts as each edition shows them (edition lang -> text)."""

    titles: dict[str, str]
    summaries: dict[str, str]
    body_digests: dict[str, str]  # what each edition's body HTML hashes to: pages are keyed by it
    # The same with articles linked by absolute URL, as feeds need; only for articles in a feed.
    feed_digests: dict[str, str]


def ui_strings(converter: Converter, lang: str) -> Callable[[str], str]:
    return lambda s: converter.text(s, UI_SOURCE, lang)


class BodyWriter:
    """Renders article bodies for any edition: one markdown-it renderer with every plugin's rules."""

    def __init__(self, converter: Converter) -> None:
        markdown = make_parser(renderer_cls=BodyRenderer)
        self.renderer, self.options = markdown.renderer, markdown.options
        self.converter = converter

    def converted(self, article: Article, lang: str) -> dict[int, str]:
        """The converted text of every text token, for rendering the body in ``lang``."""
        if article.lang == lang:
            return {}
        converter = self.converter
        if article.glossary is not None:
            converter = converter.with_glossary(article.glossary)
        return convert_tokens(article.tokens, converter.direction(article.lang, lang))

    def parts(self, article: Article, lang: str, texts: dict[int, str], title_of: Callable[[str], str],
              image_size: Callable[[str], tuple[int, int] | None],
              asset_size: Callable[[str], tuple[int, int] | None]) -> list[Part]:
        """The body in ``lang``, its links to other articles open (join_parts makes the HTML).
        ``title_of(key)``: a linked article's title in this edition; ``image_size(src)``: the size of
        a local image; ``asset_size(name)``: the size of an image copied beside the article
        ({% asset_img name %})."""
        env = {"texts": texts, "lang": lang, "ui": ui_strings(self.converter, lang),
               "article_title": title_of, "image_size": image_size, "asset_size": asset_size}
        return self.renderer.parts(article.tokens, self.options, env)


@dataclass(frozen=True)
class PageOut:
    path: str  # site path inside the edition ("tags/ai/", "404.html")
    html: str
    # When what the page shows last changed (for the sitemap); None for pages without articles.
    lastmod: datetime | None = None


@dataclass(frozen=True)
class PageJob:
    """A page before it is rendered, with what it shows, so that a rebuild can tell whether it changed.

    The page's HTML is a function of its ``shape`` (which articles in which order, its pagination,
    the names it lists), of the views and bodies of the articles in ``deps``, and of the templates and
    settings: a rebuild whose shape and deps did not change keeps the page it wrote last time.
    """

    path: str
    shape: Hashable
    deps: frozenset[str]  # keys of the articles whose views or bodies the page shows
    render: Callable[[], str | bytes] = field(compare=False)
    lastmod: datetime | None = None
    # The keys among deps whose bodies the page shows (an article's own page, feeds): of every
    # other article in deps it shows only the view, which a body edit may leave as it was.
    bodies: frozenset[str] = frozenset()

    def at(self, path: str) -> PageJob:
        """The same page written to ``path`` (dataclasses.replace's work without its introspection:
        a build moves every page into its edition's folder)."""
        return PageJob(path, self.shape, self.deps, self.render, self.lastmod, self.bodies)


def edition_path(edition: Edition, path: str) -> str:
    """Where a site path of one edition is in the output."""
    return f"{edition.prefix}/{path}"


def view_key(view: ArticleView, body_digest: str) -> str:
    """What a page shows of an article it depends on: its view and the digest of its body."""
    return hashlib.blake2b(repr(view).encode(), digest_size=16).hexdigest() + body_digest


class ViewMaker:
    """Articles as one edition shows them (ArticleView), with the term links their views share.

    Needs no page and not the whole list of articles: a build makes the views of the articles its
    workers render while they render the rest (see pipeline._build)."""

    def __init__(self, urls: Urls, edition: Edition, taxonomy: Taxonomy, paths: dict[str, str]) -> None:
        self.urls, self.edition, self.taxonomy, self.paths = urls, edition, taxonomy, paths
        self._term_links: dict[Term, Link] = {}

    def href(self, path: str) -> str:
        return self.urls.href(edition_path(self.edition, path))

    def absolute(self, path: str) -> str:
        return self.urls.absolute(edition_path(self.edition, path))

    def term_link(self, term: Term) -> Link:
        link = self._term_links.get(term)
        if link is None:
            path = f"{term.kind}/{term.slug}/"
            link = self._term_links[term] = Link(term.names[self.edition.lang], self.href(path), self.absolute(path))
        return link

    def view(self, article: Article, title: str, summary: str) -> ArticleView:
        """``title`` and ``summary`` as this edition shows them (converted, by the article's glossary)."""
        terms = self.taxonomy.article_terms[article.key]
        categories = []
        for term in terms["categories"]:
            chain: list[Term] = []
            node: Term | None = term
            while node is not None:
                chain.insert(0, node)
                node = node.parent
            categories.append(tuple(self.term_link(t) for t in chain))
        path = self.paths[article.key]
        sources = terms["sources"]
        return ArticleView(
            key=article.key,
            title=title,
            href=self.href(path),
            url=self.absolute(path),
            summary=summary,
            date=article.date,
            date_text=chinese_date(article.date),
            updated=article.updated,
            lang=article.lang,
            tags=tuple(self.term_link(t) for t in terms["tags"]),
            categories=tuple(categories),
            authors=tuple(self.term_link(t) for t in terms["authors"]),
            source=self.term_link(sources[0]) if sources else None,
            source_url=article.source_url,
            cjk_chars=article.cjk_chars,
            latin_words=article.latin_words,
            reading_minutes=article.reading_minutes,
            meta=article.meta,
        )


@dataclass
class Site:
    """Everything every page of a build may show: made once, read by each edition."""

    settings: Settings
    urls: Urls
    articles: list[Article]  # newest first
    taxonomy: Taxonomy
    converter: Converter
    paths: dict[str, str]  # article key -> site path inside an edition, e.g. "slug/"
    images: LocalImages | None = None  # sizes of the site's own images, read once per build
    # article key -> the files copied beside its page ({% asset_img %}), by the name the body uses
    assets: dict[str, dict[str, Path]] = field(default_factory=dict)
    # article key -> what its body's links resolved to (keys, or "?target" when unresolved)
    links: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Bodies kept between builds (see BuildState): (lang, key, absolute) -> (article, what its links
    # showed, html). A rebuild renders again only the bodies whose article or link targets changed
    # (the build drops those whose asset files changed).
    kept_bodies: dict[tuple[str, str, bool], tuple[Article, tuple[Any, ...], str]] | None = None
    # From a build whose bodies were rendered by worker processes (pipeline.build without state):
    # article key -> its titles, summaries and body digests in every edition, and the bodies by
    # (key, edition lang, absolute). Without them, pages are rendered from the articles' tokens.
    texts: dict[str, ArticleTexts] | None = None
    body: Callable[[str, str, bool], str] | None = None

    def edition_path(self, edition: Edition, path: str) -> str:
        return edition_path(edition, path)

    @functools.cached_property
    def by_key(self) -> dict[str, Article]:
        return {a.key: a for a in self.articles}

    def converter_for(self, article: Article) -> Converter:
        """The converter for everything of one article: its title, summary and body (one per
        glossary, made once: see Converter.with_glossary)."""
        return self.converter if article.glossary is None else self.converter.with_glossary(article.glossary)


# An article's length, as its view gives it. Paragraphs written while previewing change it on every
# save, and few pages show it (the article's own, the theme's home page for its lead article): a
# rebuild renders a page again for a new length only when the page read it (see counts_read).
COUNT_FIELDS = frozenset({"cjk_chars", "latin_words", "reading_minutes"})
# While counts_read renders a page: the keys of the articles whose length the templates read. A
# context variable, not an attribute of the environment, which every page of an edition shares.
_COUNTS_READ: ContextVar[set[str] | None] = ContextVar("sitegen_counts_read", default=None)
T = TypeVar("T")


def counts_read(render: Callable[[], T]) -> tuple[T, frozenset[str]]:
    """What ``render`` returns, and the articles whose length (COUNT_FIELDS) its templates read."""
    read: set[str] = set()
    token = _COUNTS_READ.set(read)
    try:
        return render(), frozenset(read)
    finally:
        _COUNTS_READ.reset(token)


class SiteEnvironment(jinja2.Environment):
    """Jinja's environment, noting which articles' lengths templates read (see counts_read).

    Templates reach an attribute through getattr (``view.reading_minutes``, the ``attr`` filter) or
    getitem (``view["reading_minutes"]``, filters given ``attribute=``); both are Jinja's own but for
    the note. (Printing a whole view is noted by ArticleView.__str__.)
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if attribute in COUNT_FIELDS and isinstance(obj, ArticleView):
            _note_count(obj)
        try:
            return getattr(obj, attribute)
        except AttributeError:
            pass
        try:
            return obj[attribute]
        except (TypeError, LookupError, AttributeError):
            return self.undefined(obj=obj, name=attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, ArticleView) and isinstance(argument, str) and argument in COUNT_FIELDS:
            _note_count(obj)
        return super().getitem(obj, argument)


def _note_count(view: ArticleView) -> None:
    _note_counts((view.key,))


def _note_counts(keys: Iterable[str]) -> None:
    read = _COUNTS_READ.get()
    if read is not None:
        read.update(keys)


def make_environment(settings: Settings) -> jinja2.Environment:
    loaders: list[jinja2.BaseLoader] = []
    if settings.templates_path.is_dir():
        loaders.append(jinja2.FileSystemLoader(settings.templates_path))
    loaders.append(jinja2.FileSystemLoader(THEME / "templates"))
    env = SiteEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        # A build reads the templates once; serve makes a new environment when they change. Checking
        # each template file's time on every page took a stat() per template per page.
        auto_reload=False,
    )
    env.filters["iso"] = iso_datetime
    return env


def page_count(items: int, size: int) -> int:
    """How many pages a list of ``items`` takes: one at least, an empty list's."""
    return max(1, math.ceil(items / size))


def page_path(base: str, number: int) -> str:
    return base if number == 1 else f"{base}page/{number}/"


class EditionRenderer:
    """Renders every page of one edition."""

    def __init__(self, site: Site, edition: Edition, env: jinja2.Environment,
                 views: dict[str, ArticleView] | None = None, maker: ViewMaker | None = None,
                 dep_keys: dict[str, str] | None = None) -> None:
        """``views``: views known to be right for this site (a rebuild's unchanged articles), made by
        ``maker`` when given; ``dep_keys``: their dep_key()s, when known."""
        self.site, self.edition, self.env = site, edition, env
        self.lang = edition.lang
        self.maker = maker or ViewMaker(site.urls, edition, site.taxonomy, site.paths)
        markdown = make_parser(renderer_cls=BodyRenderer)
        self.body, self.markdown_options = markdown.renderer, markdown.options
        converter = site.converter
        # A theme's strings repeat on every page (about 20 on an article page): each converted once.
        ui_texts: dict[str, str] = {}

        def ui(text: str) -> str:
            found = ui_texts.get(text)
            if found is None:
                found = ui_texts[text] = converter.text(text, UI_SOURCE, self.lang)
            return found

        self.ui: Callable[[str], str] = ui
        # A cold build has made every view already (see pipeline._build): then a plain dict, which
        # making the page jobs reads some 300,000 times at 10,000 articles.
        self.views: Mapping[str, ArticleView] = (
            views if views is not None and views.keys() == site.by_key.keys()
            else OnDemand(site.by_key, self._view, views))
        self._dep_keys: dict[str, str] = dict(dep_keys or {})
        self.site_title = self.convert(site.settings.title, UI_SOURCE)
        self.site_description = self.convert(site.settings.description, UI_SOURCE)
        # Converted texts per article: pages and feeds both render a body, each text is converted once.
        self._texts: dict[str, dict[int, str]] = {}
        self.feeds = feed_links(self, self.site_title, feed_folder())
        # Each article's list entry, rendered once per heading (see article_item); by the view's id,
        # with the view kept so that the id stays its own.
        self._items: dict[tuple[int, str], tuple[ArticleView, Markup, frozenset[str]]] = {}
        self._item_macro: Any = None
        self._shared_context: Mapping[str, Any] | None = None  # see _edition_context

    # -- helpers ---------------------------------------------------------------
    def href(self, path: str) -> str:
        return self.maker.href(path)

    def convert(self, text: str, source: str) -> str:
        return self.site.converter.text(text, source, self.lang)

    def absolute(self, path: str) -> str:
        return self.maker.absolute(path)

    def term_link(self, term: Term) -> Link:
        return self.maker.term_link(term)

    def _view(self, article: Article) -> ArticleView:
        texts = self.site.texts[article.key] if self.site.texts is not None else None
        if texts is not None:
            return self.maker.view(article, texts.titles[self.lang], texts.summaries[self.lang])
        own = self.site.converter_for(article)
        return self.maker.view(article, own.text(article.title, article.lang, self.lang),
                               own.text(article.summary, article.lang, self.lang))

    def _converted(self, article: Article) -> dict[int, str]:
        texts = self._texts.get(article.key)
        if texts is None:
            if article.lang == self.lang:
                texts = {}
            else:
                direction = self.site.converter_for(article).direction(article.lang, self.lang)
                texts = convert_tokens(article.tokens, direction)
            self._texts[article.key] = texts
        return texts

    def body_html(self, article: Article, *, absolute: bool = False) -> str:
        """The body in this edition; ``absolute`` links articles by full URL, as feeds need."""
        if self.site.body is not None:
            return self.site.body(article.key, self.lang, absolute)
        memo = self.site.kept_bodies
        if memo is None:
            return self._body_html(article, absolute)
        views = self.views
        shown = tuple((k, views[k].url if absolute else views[k].href, views[k].title)
                      for k in self.site.links.get(article.key, ()) if k in views)
        known = memo.get((self.lang, article.key, absolute))
        if known is not None and known[0] is article and known[1] == shown:
            return known[2]
        html = self._body_html(article, absolute)
        memo[(self.lang, article.key, absolute)] = (article, shown, html)
        return html

    def _body_html(self, article: Article, absolute: bool) -> str:
        env = {
            "texts": self._converted(article),
            "lang": self.lang,
            "ui": self.ui,
            "article_href": (lambda key: self.views[key].url) if absolute else (lambda key: self.views[key].href),
            "article_title": lambda key: self.views[key].title,
            "image_size": self.site.images.size if self.site.images else lambda src: None,
            "asset_size": lambda name: self._asset_size(article.key, name),
        }
        return self.body.render(article.tokens, self.markdown_options, env)

    def _asset_size(self, key: str, name: str) -> tuple[int, int] | None:
        path = self.site.assets.get(key, {}).get(name)
        return self.site.images.file_size(path) if self.site.images and path else None

    def article_item(self, view: ArticleView, heading: str = "h2") -> Markup:
        """An article's entry in a list (the theme's _item.html), rendered once and shown on every
        page that lists it: an article is on several list pages of an edition (the home page's,
        each of its terms', the archive's, related articles), like Hugo's partialCached."""
        known = self._items.get((id(view), heading))
        if known is None or known[0] is not view:
            if self._item_macro is None:
                helpers = {"_": self.ui, "href": self.href, "asset": self.site.urls.href, "lang": self.lang}
                self._item_macro = self.env.get_template("_item.html").make_module(helpers).article_item
            html, read = counts_read(lambda: self._item_macro(view, heading))
            known = self._items[(id(view), heading)] = (view, html, read)
        if known[2]:
            _note_counts(known[2])  # the page shows the lengths the entry read
        return known[1]

    def forget_items(self) -> None:
        """Let the list entries go (see article_item): a page worker done with this edition."""
        self._items.clear()

    # -- pages -----------------------------------------------------------------
    def context(self, path: str, title: str, kind: str, **extra: Any) -> dict[str, Any]:
        site, urls = self.site, self.site.urls
        alternates = [
            {"edition": e, "href": urls.href(site.edition_path(e, path)),
             "url": urls.absolute(site.edition_path(e, path)), "current": e == self.edition}
            for e in site.settings.editions
        ]
        extra.setdefault("description", self.site_description)
        extra.setdefault("feeds", self.feeds)
        extra.setdefault("subscribe", [])
        return {
            **self._edition_context(),
            "alternates": alternates,
            "x_default": urls.absolute(site.edition_path(site.settings.default_edition, path)),
            "canonical": urls.absolute(site.edition_path(self.edition, path)),
            "page_title": title,
            "kind": kind,
            **extra,
        }

    def _edition_context(self) -> Mapping[str, Any]:
        """What every page of the edition is given alike: made once, not once a page. The same
        objects go to every page (of the same types as ever: a theme may pass them to ``tojson``)."""
        if self._shared_context is not None:
            return self._shared_context
        site, urls = self.site, self.site.urls
        self._shared_context = {
            "site": {
                "title": self.site_title,
                "description": self.site_description,
                "home": self.href(""),
                "root": urls.href(""),
                "theme_color": site.settings.theme_color,
            },
            "og_locale": og_locale(self.lang),
            "og_alternate_locales": [og_locale(e.lang) for e in site.settings.editions if e != self.edition],
            "edition": self.edition,
            "lang": self.lang,
            "_": self.ui,
            "href": self.href,
            "asset": urls.href,
            "search": self.href("search/") if site.settings.search else None,
            "edition_prefixes": [e.prefix for e in site.settings.editions],
            "article_item": self.article_item,
            "sections": [(k, self.ui(_SECTION_TITLES[k]), self.href(f"{k}/")) for k in (*KINDS, "archive")],
        }
        return self._shared_context

    def render(self, template: str, path: str, title: str, kind: str, **extra: Any) -> PageOut:
        html = self.env.get_template(template).render(self.context(path, title, kind, **extra))
        return PageOut(path, html)

    def job(self, template: str, path: str, title: str, kind: str, shape: Hashable, deps: frozenset[str],
            lastmod: datetime | None = None, **extra: Any) -> PageJob:
        return PageJob(path, (template, title, kind, shape), deps,
                       lambda: self.render(template, path, title, kind, **extra).html, lastmod)

    def listing(self, template: str, base: str, title: str, kind: str, articles: Sequence[Article],
                wanted: Callable[[str], bool], shape: Hashable = (), **extra: Any) -> Iterator[PageJob]:
        size = self.site.settings.page_size
        count = page_count(len(articles), size)
        for number in range(1, count + 1):
            path = page_path(base, number)
            if not wanted(path):
                continue
            # Sliced per page wanted: a rebuild wants a few pages of the home page's thousands.
            chunk = articles[(number - 1) * size:number * size]
            pagination = {
                "number": number,
                "count": count,
                "prev": self.href(page_path(base, number - 1)) if number > 1 else None,
                "next": self.href(page_path(base, number + 1)) if number < count else None,
            }
            keys = tuple(a.key for a in chunk)
            items = list(map(self.views.__getitem__, keys))
            yield self.job(template, path, title, kind, (shape, keys, number, count),
                           frozenset(keys), newest(items), items=items, pagination=pagination, **extra)

    def dep_key(self, key: str) -> str:
        """What a page shows of one article it depends on (PageJob.deps), as a digest: its view in
        this edition and the digest of its body; a dependency that is no article (a link leading
        nowhere, "?target") stands as it is. Needs Site.texts."""
        found = self._dep_keys.get(key)
        if found is None:
            if key not in self.views:
                return key
            assert self.site.texts is not None
            found = self._dep_keys[key] = view_key(self.views[key], self.site.texts[key].body_digests[self.lang])
        return found

    def deps_key(self, deps: frozenset[str]) -> str:
        """The dep_key() of each of a page's dependencies, in order, as one string: a part of the
        page's key (see pipeline._build). Keys hold no NUL, so the join cannot make two lists one."""
        known = self._dep_keys
        return "\0".join([known.get(k) or self.dep_key(k) for k in sorted(deps)])

    def json_ld(self, view: ArticleView) -> str:
        settings = self.site.settings
        publisher = self.convert(settings.publisher, UI_SOURCE) if settings.publisher else self.site_title
        return script_json(news_article(
            view, in_language=self.lang, publisher=publisher, publisher_url=self.absolute(""),
            logo=self.site.urls.absolute("static/favicon.svg"), description=view.summary,
        ))

    def pages(self) -> Iterator[PageOut]:
        for job in self.jobs():
            html = job.render()
            yield PageOut(job.path, html if isinstance(html, str) else html.decode(), job.lastmod)

    def jobs(self, only: Container[str] | None = None) -> Iterator[PageJob]:
        """Every page of the edition, unrendered: the build renders those it needs. With ``only``,
        just the pages at those paths (a warm build that knows which pages a change reaches)."""
        site, views = self.site, self.views
        wanted: Callable[[str], bool] = (lambda path: True) if only is None else only.__contains__
        articles = site.articles
        yield from self.listing("index.html", "", self.site_title, "home", articles, wanted, subscribe=self.feeds)
        for i, article in enumerate(articles):
            path = site.paths[article.key]
            if not wanted(path):
                continue
            view = views[article.key]
            newer = views[articles[i - 1].key] if i > 0 else None
            older = views[articles[i + 1].key] if i + 1 < len(articles) else None
            related = [views[a.key] for a in site.taxonomy.related.get(article.key, [])]
            links = site.links.get(article.key, ())
            neighbours = tuple(v.key for v in (newer, older) if v is not None)
            shown = (*neighbours, *(v.key for v in related), *(k for k in links if not k.startswith("?")))
            # The body is converted only when the page is rendered, not for pages a rebuild keeps.
            render = functools.partial(self._article_page, article, path, view, newer, older, related)
            yield PageJob(path, ("article.html", view.title, neighbours, tuple(v.key for v in related), links),
                          frozenset((article.key, *shown)), render, view.updated or view.date,
                          frozenset((article.key,)))
        size = site.settings.page_size
        for kind in KINDS:
            terms = site.taxonomy.terms[kind]
            if wanted(f"{kind}/"):
                entries = [{"link": self.term_link(t), "count": len(t.articles), "depth": t.depth} for t in terms]
                if kind == "categories":
                    entries = [self._category_entry(t) for t in self._tree(terms)]
                shape = tuple((e["link"], e["count"], e["depth"]) for e in entries)
                yield self.job("terms.html", f"{kind}/", self.ui(_KIND_TITLES[kind]), kind, shape, frozenset(),
                               newest([views[a.key] for t in terms for a in t.articles[:1]]),
                               terms=entries, section=kind)
            for term in terms:
                base = f"{kind}/{term.slug}/"
                if only is not None and not any(wanted(page_path(base, n))
                                                for n in range(1, page_count(len(term.articles), size) + 1)):
                    continue
                own: list[FeedLink] = []
                if kind in FEED_KINDS:
                    title = f"{term.names[self.lang]} · {self.site_title}"
                    own = feed_links(self, title, feed_folder(kind, term.slug))
                link = self.term_link(term)
                yield from self.listing("term.html", base, term.names[self.lang], kind, term.articles, wanted,
                                        link, term=link, section=kind, section_title=self.ui(_KIND_TITLES[kind]),
                                        feeds=[*own, *self.feeds], subscribe=own)
        if wanted("archive/"):
            years = [{"year": y, "count": len(a), "href": self.href(f"archive/{y}/")}
                     for y, a in site.taxonomy.years.items()]
            yield self.job("archive.html", "archive/", self.ui("归档"), "archive",
                           tuple((y["year"], y["count"]) for y in years), frozenset(),
                           newest([views[a.key] for a in articles[:1]]), years=years)
        for year, members in site.taxonomy.years.items():
            yield from self.listing("term.html", f"archive/{year}/", self.ui(f"{year}年"), "archive", members,
                                    wanted, term=None, section="archive", section_title=self.ui("归档"))
        if wanted("404.html"):
            yield self.job("404.html", "404.html", self.ui("页面不存在"), "404", (), frozenset())
        if site.settings.search and wanted("search/"):
            yield self.job("search.html", "search/", self.ui("搜索"), "search", (), frozenset(),
                           fold=self.site.urls.href(self.site.edition_path(self.edition, FOLD_FILE)),
                           pagefind=self.href(f"{INDEX_DIR}/pagefind.js"))

    def _article_page(self, article: Article, path: str, view: ArticleView, newer: ArticleView | None,
                      older: ArticleView | None, related: list[ArticleView]) -> str:
        return self.render("article.html", path, view.title, "article", article=view,
                           body=self.body_html(article), newer=newer, older=older, related=related,
                           description=view.summary or self.site_description,
                           json_ld=Deferred(functools.partial(self.json_ld, view))).html

    def _tree(self, terms: list[Term]) -> list[Term]:
        out: list[Term] = []

        def walk(term: Term) -> None:
            out.append(term)
            for child in sorted(term.children, key=lambda t: t.key):
                walk(child)

        for term in sorted((t for t in terms if t.parent is None), key=lambda t: (-len(t.articles), t.key)):
            walk(term)
        return out

    def _category_entry(self, term: Term) -> dict[str, Any]:
        return {"link": self.term_link(term), "count": len(term.articles), "depth": term.depth}


_KIND_TITLES = {"tags": "标签", "categories": "分类", "sources": "来源", "authors": "作者"}
_SECTION_TITLES = {**_KIND_TITLES, "archive": "归档"}


def render_root(site: Site, env: jinja2.Environment) -> Iterator[PageOut]:
    """The pages outside every edition: the chooser at / and the site-wide 404."""
    urls = site.urls
    editions = [
        {"edition": e, "href": urls.href(f"{e.prefix}/"), "url": urls.absolute(f"{e.prefix}/"),
         "title": site.converter.text(site.settings.title, UI_SOURCE, e.lang),
         "not_found": site.converter.text("页面不存在", UI_SOURCE, e.lang),
         "back": site.converter.text("返回首页", UI_SOURCE, e.lang),
         "same_address": site.converter.text(f"在{e.name}版中打开这个地址", UI_SOURCE, e.lang)}
        for e in site.settings.editions
    ]
    context = {"editions": editions, "default": editions[0], "root": urls.href(""),
               "canonical": urls.absolute(""), "asset": lambda p: urls.href(p),
               "theme_color": site.settings.theme_color,
               "feeds": [FeedLink(e["title"], urls.href(f"{e['edition'].prefix}/{feed_folder()}{ATOM_FILE}"),
                                  ATOM_TYPE, "Atom") for e in editions]}
    yield PageOut("index.html", env.get_template("root.html").render(context))
    yield PageOut("404.html", env.get_template("root_404.html").render(context))


def render_redirects(site: Site, env: jinja2.Environment, redirects: dict[str, str]) -> Iterator[PageOut]:
    """A page at each old path that sends readers and crawlers on to the article in its own edition."""
    editions = {e.lang: e for e in site.settings.editions}
    template = env.get_template("redirect.html")
    articles = {a.key: a for a in site.articles}
    for old_path, key in sorted(redirects.items()):
        article = articles[key]
        target = site.edition_path(editions.get(article.lang, site.settings.default_edition), site.paths[key])
        context = {"href": site.urls.href(target), "canonical": site.urls.absolute(target),
                   "title": article.title, "lang": article.lang}
        yield PageOut(old_path, template.render(context))


def template_error_location(exc: BaseException, folders: Sequence[Path]) -> tuple[str, int]:
    """Where a Jinja error happened, as (template file, line), for a ``file:line: message`` report."""
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return exc.filename, exc.lineno or 1
    # Jinja rewrites tracebacks so that template frames carry the template's file and line.
    roots = [str(f.resolve()) for f in folders]
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if any(frame.filename.startswith(root) for root in roots):
            return frame.filename, frame.lineno or 1
    name = getattr(exc, "name", None) or "templates"
    return str(name), 1
