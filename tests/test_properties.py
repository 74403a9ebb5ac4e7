"""Property tests: whatever front-matter, Markdown and text in either script, no traceback, sane pages.

Each example is a whole build (in-process, through the pipeline): it either succeeds or fails with
``file:line: message`` diagnostics; any other exception is a bug. Example counts stay small so that
the suite stays fast; hypothesis remembers and replays failures.
"""

from __future__ import annotations

import json
import re
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.rules_core.inline import inline as markdown_it_inline
from markdown_it.token import Token

from sitegen.diagnostics import BuildFailed, Diagnostics
from sitegen.markdown import make_parser
from sitegen.pipeline import build
from sitegen.settings import load

SIMPLIFIED = "简体中文人工智能软件开发网络数据库信息资讯发布会议这里那里还是后来为什么"
TRADITIONAL = "繁體中文人工智慧軟體開發網路資料庫資訊發佈會議這裡那裡還是後來為什麼"
SPECIAL = "<>&\"'`*_[](){}#!|\\-~=+:;%$@^\u00a0\u3000\u2028\t"
chars = st.text(alphabet=SIMPLIFIED + TRADITIONAL + SPECIAL + "abcXYZ019 \n", max_size=60)
words = st.text(alphabet=SIMPLIFIED + TRADITIONAL + "abcXYZ019", min_size=1, max_size=12)
PROFILE = settings(max_examples=20, deadline=None, derandomize=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
DIAGNOSTIC = re.compile(r"^\S.*:\d+: .+")


class Balance(HTMLParser):
    """Every element that is opened is closed, in order: the page's tree is what it says."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        pass

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


def assert_parses(path: Path) -> None:
    checker = Balance()
    checker.feed(path.read_text(encoding="utf-8"))
    checker.close()
    assert not checker.problems and not checker.stack, (path, checker.problems, checker.stack)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the examples' sites go: pytest's own temporary folder, which it cleans up."""
    return tmp_path_factory.mktemp("properties")


def build_site(scratch: Path, files: dict[str, str], trusted_html: bool = True) -> tuple[Path | None, Diagnostics]:
    """Build in a fresh folder; (output, diagnostics), output None when the build failed cleanly."""
    root = Path(tempfile.mkdtemp(prefix="site-", dir=scratch))
    (root / "content").mkdir()
    (root / "pyproject.toml").write_text(f"[tool.sitegen]\nunsafe_html = {str(trusted_html).lower()}\n",
                                         encoding="utf-8")
    for name, text in files.items():
        (root / "content" / name).write_text(text, encoding="utf-8")
    diagnostics = Diagnostics(root)
    try:
        build(load(root), root / "build", diagnostics=diagnostics)
    except BuildFailed:
        assert diagnostics.errors
        assert all(DIAGNOSTIC.match(str(d)) for d in diagnostics.items)
        return None, diagnostics
    return root / "build", diagnostics


def check_pages(out: Path) -> None:
    for path in sorted(out.rglob("*.html")):
        assert_parses(path)
    for path in sorted(out.rglob("*.json")):
        json.loads(path.read_text(encoding="utf-8"))


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**13), chars, words,
                    st.dates().map(str), st.datetimes().map(str))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                      | st.dictionaries(words, inner, max_size=3), max_leaves=8)
KEYS = ["title", "date", "updated", "tags", "tag", "categories", "category", "author", "slug", "permalink",
        "url", "aliases", "published", "draft", "lang", "summary", "source_url", "layout", "weight"]
front_matters = st.dictionaries(st.sampled_from(KEYS) | words, values, max_size=8)


@st.composite
def front_matter_texts(draw: st.DrawFn) -> str:
    meta = draw(front_matters)
    style = draw(st.sampled_from(["yaml", "json", "bare", "garbage"]))
    if style == "yaml":
        return "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n"
    if style == "json":
        return ";;;\n" + json.dumps(meta, ensure_ascii=False, default=str)[1:-1] + "\n;;;\n"
    if style == "bare":
        return yaml.safe_dump(meta, allow_unicode=True) + "---\n"
    return "---\n" + draw(chars) + "\n---\n"


@given(front=front_matter_texts(), body=chars)
@PROFILE
def test_any_front_matter_builds_or_is_reported(scratch: Path, front: str, body: str) -> None:
    other = "---\ntitle: 另一篇\ndate: 2022-01-01\n---\n正文\n"
    out, _ = build_site(scratch, {"a.md": front + body + "\n", "b.md": other})
    if out is not None:
        check_pages(out)


inline = st.one_of(
    words, chars.map(lambda s: s.replace("\n", " ")),
    words.map(lambda w: f"**{w}**"), words.map(lambda w: f"`{w}`"),
    words.map(lambda w: f"[{w}](https://example.com/{w})"), words.map(lambda w: f"{{% post_link {w} %}}"),
    words.map(lambda w: f"{{{{< ref \"{w}.md\" >}}}}"), words.map(lambda w: f"{{% youtube {w} %}}"),
    words.map(lambda w: f"<span>{w}</span>"), words.map(lambda w: f"-{{{w}}}-"), st.just("<!-- more -->"),
)
blocks = st.one_of(
    st.lists(inline, min_size=1, max_size=5).map(" ".join),
    st.lists(inline, min_size=1, max_size=3).map(lambda xs: "\n".join(f"- {x}" for x in xs)),
    st.lists(inline, min_size=1, max_size=3).map(lambda xs: "\n".join(f"> {x}" for x in xs)),
    words.map(lambda w: f"## {w}"), chars.map(lambda c: f"```\n{c}\n```"),
    st.lists(words, min_size=2, max_size=3).map(lambda ws: "| " + " | ".join(ws) + " |\n|"
                                                + "---|" * len(ws) + "\n| " + " | ".join(ws) + " |"),
)


@given(body=st.lists(blocks, max_size=8).map("\n\n".join), trusted=st.booleans())
@PROFILE
def test_any_markdown_builds_and_every_page_parses(scratch: Path, body: str, trusted: bool) -> None:
    out, diagnostics = build_site(scratch, {"a.md": "---\ntitle: 标题\ndate: 2022-01-01\n---\n" + body + "\n"}, trusted)
    if out is None:
        # The only errors Markdown alone can cause are ambiguous links; nothing else fails a build.
        assert all("ambiguous link" in d.message for d in diagnostics.errors), diagnostics.errors
        return
    check_pages(out)


class Collect(HTMLParser):
    """The text of <code> elements and the href of links inside the article body."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.depth, self.in_code, self.codes, self.hrefs = 0, False, [], []  # type: ignore[var-annotated]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "div" and ("class", "body") in attrs:
            self.depth = 1
        elif self.depth and tag == "div":
            self.depth += 1
        if self.depth and tag == "code":
            self.in_code = True
            self.codes.append("")
        if self.depth and tag == "a":
            self.hrefs.append(dict(attrs).get("href") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.depth and tag == "div":
            self.depth -= 1
        if tag == "code":
            self.in_code = False

    def handle_data(self, data: str) -> None:
        if self.in_code:
            self.codes[-1] += data


code_text = st.text(alphabet=SIMPLIFIED + TRADITIONAL + "<>&\"' abc012", min_size=1, max_size=30).map(
    str.strip).filter(bool)
url_path = st.text(alphabet=SIMPLIFIED + TRADITIONAL + "abc012-_", min_size=1, max_size=20)


@given(code=code_text, path=url_path, text=st.text(alphabet=SIMPLIFIED + TRADITIONAL, min_size=1, max_size=40))
@PROFILE
def test_code_and_urls_come_out_unchanged_in_both_editions(scratch: Path, code: str, path: str, text: str) -> None:
    url = f"https://example.com/{path}"
    body = f"{text}\n\n行内 `{code}` 代码。\n\n```\n{code}\n```\n\n[{text}]({url})\n"
    out, diagnostics = build_site(scratch, {"a.md": "---\ntitle: 代码\ndate: 2022-01-01\nslug: a\n---\n" + body})
    assert out is not None, diagnostics.items
    for prefix in ("zh-hans", "zh-hant"):
        collect = Collect()
        collect.feed((out / prefix / "a" / "index.html").read_text(encoding="utf-8"))
        assert collect.codes == [code, code + "\n"], prefix
        assert [unquote(h) for h in collect.hrefs] == [url], prefix


def _related_by_scoring_everyone(articles: list, article_terms: dict, limit: int = 4) -> dict[str, list[str]]:
    """The definition of related articles, scoring every article of every shared tag."""
    order = {a.key: i for i, a in enumerate(articles)}
    out = {}
    for article in articles:
        scores: dict[str, float] = {}
        for tag in article_terms[article.key]["tags"]:
            for other in tag.articles:
                if other is not article:
                    scores[other.key] = scores.get(other.key, 0.0) + 1.0 / len(tag.articles)
        out[article.key] = sorted(scores, key=lambda k: (-scores[k], order[k]))[:limit]
    return out


@settings(max_examples=300, deadline=None, derandomize=True)  # no build: many examples are cheap
@given(st.lists(st.lists(st.sampled_from("ABCDEFG"), max_size=5), min_size=1, max_size=40))
def test_related_articles_are_the_best_scored_whatever_the_tags(tag_lists: list[list[str]]) -> None:
    from datetime import UTC, datetime, timedelta

    from sitegen.content import Article
    from sitegen.taxonomy import build_taxonomy, related_articles

    start = datetime(2026, 1, 1, tzinfo=UTC)
    articles = [Article(Path(f"{i}.md"), f"{i}.md", f"t{i}", start - timedelta(hours=i), None, f"s{i}",
                        "zh-Hans", tuple(tags), (), (), "", "", "", [], 1, 0, 0)
                for i, tags in enumerate(tag_lists)]
    taxonomy = build_taxonomy(articles, (), lambda text, source, target: text, related={})
    found = related_articles(articles, taxonomy.article_terms)
    assert {k: [a.key for a in v] for k, v in found.items()} == _related_by_scoring_everyone(
        articles, taxonomy.article_terms)


def _tokens(tokens: list[Token]) -> list[tuple[object, ...]]:
    return [(t.type, t.tag, t.content, t.level, t.attrs, t.map, t.markup, t.info, t.meta, t.nesting,
             _tokens(t.children or [])) for t in tokens]


@given(body=st.lists(blocks, max_size=6).map("\n\n".join), plain_text=st.booleans())
@settings(max_examples=200, deadline=None, derandomize=True)
def test_text_with_nothing_to_parse_gives_the_tokens_markdown_it_would(body: str, plain_text: bool) -> None:
    # The parser makes a text token itself for inline content without markup characters
    # (markdown.inline_or_text); markdown-it's own inline rule is the reference.
    reference = make_parser(plain_text=plain_text)
    reference.core.ruler.at("inline", markdown_it_inline)
    assert _tokens(make_parser(plain_text=plain_text).parse(body)) == _tokens(reference.parse(body))


# Lines as an editor types them: sentences, and every way a block can start (markers, indentation,
# underlines, fences, quotes in lists), joined by single or double line breaks.
line_starts = st.sampled_from(["", "", "", "- ", "1. ", "> ", "    ", "  ", "\t", "# ", "```", "~~~", "***", "---",
                               "===", "| ", "[^1]: ", "[a]: /x", "<div>", "<!-- ", "\u3000", "“", "A", "é"])
lines = st.tuples(line_starts, chars).map("".join)


@given(body=st.lists(st.tuples(lines, st.sampled_from(["\n", "\n\n", "\n\n\n"])), max_size=12)
       .map(lambda parts: "".join(line + gap for line, gap in parts)))
@settings(max_examples=300, deadline=None, derandomize=True)
def test_lone_paragraphs_give_the_tokens_markdown_it_would(body: str) -> None:
    # A one-line paragraph is made directly (markdown.lone_paragraph); markdown-it's own block
    # rules are the reference.
    reference = make_parser()
    reference.block.ruler.disable("lone_paragraph")
    assert _tokens(make_parser().parse(body)) == _tokens(reference.parse(body))


# URLs as editors write them, and every way one can surprise a URL parser: schemes in either case,
# users, ports, IPv6 hosts, percent signs, non-ASCII hosts and paths, dot segments.
url_starts = st.sampled_from(["", "http://", "https://", "HTTP://", "//", "mailto:", "ftp://", "a:", "/", "./",
                              "../", "#", "?", "http://[::1]", "https://例子.中国", "https://Example.COM"])
url_rests = st.text(alphabet="abcXYZ019-._~:/?#@!$&'()*+,;=%[] 中文é\\", max_size=30)


@given(url=st.tuples(url_starts, url_rests).map("".join))
@settings(max_examples=2000, deadline=None, derandomize=True)
def test_links_are_normalized_as_markdown_it_would(url: str) -> None:
    # Links markdown-it's normalizeLink would give back unchanged skip it (markdown.normalize_link).
    from markdown_it.common.normalize_url import normalizeLink

    assert make_parser().normalizeLink(url) == normalizeLink(url)
