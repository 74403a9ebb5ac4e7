"""The theme and search in a real browser: Debian's Chromium driven by Playwright.

The demo is built under a base path (/news/) and served on 127.0.0.1, the way a project site on
a static host is. Screenshots are saved under .artifacts/screenshots (SITEGEN_ARTIFACTS).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import ARTIFACTS, DEMO_SETTINGS, Served, launch, serve
from conftest import make_site

playwright_api = pytest.importorskip("playwright.sync_api")

ARTICLE = "001_75a6d564d30899f2/"  # says 人工智能 in Simplified, 人工智慧 in Traditional
PAGES = {  # every page type of an edition
    "home": "", "article": ARTICLE, "tags": "tags/", "tag": "tags/anthropic/", "categories": "categories/",
    "category": "categories/tech/", "sources": "sources/", "authors": "authors/", "archive": "archive/",
    "year": "archive/2026/", "page 2": "page/2/", "404": "no-such-page/", "search": "search/?q=融资",
}


@pytest.fixture(scope="module")
def www(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    # Two articles a page, so the demo's three have a second home page (pagination is a page type too).
    site = make_site(root / "src", DEMO_SETTINGS + 'base_url = "http://127.0.0.1/news/"\npage_size = 2\n',
                     demo=True)
    run = site.build("--out", str(root / "www" / "news"))
    assert run.exit_code in (0, 1), run.stderr
    return root / "www"


@pytest.fixture(scope="module")
def served(www: Path) -> Iterator[Served]:
    with serve(www, "/news/") as served:
        yield served


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


def new_page(browser, **options):  # type: ignore[no-untyped-def]
    context = browser.new_context(**options)
    page = context.new_page()
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:"))
            else None)
    page.outside = outside  # requests to any other host: a theme must make none
    return page


@pytest.mark.parametrize(("locale", "edition"), [("zh-TW", "zh-hant"), ("zh-CN", "zh-hans"),
                                                  ("zh-HK", "zh-hant"), ("en-US", "zh-hans")])
def test_root_page_follows_the_browser_language(served: Served, browser, locale: str, edition: str) -> None:
    page = new_page(browser, locale=locale)
    page.goto(served.url())
    page.wait_for_url(re.compile(f"/news/{edition}/$"))
    assert page.locator("html").get_attribute("lang").lower() == edition
    page.context.close()


def test_the_switch_keeps_the_tag_page_and_is_remembered_for_the_root(served: Served, browser) -> None:
    page = new_page(browser, locale="zh-CN")
    page.goto(served.url("zh-hans/tags/anthropic/"))
    page.click(".edition-switch a[hreflang=zh-Hant]")
    page.wait_for_url(served.url("zh-hant/tags/anthropic/"))
    assert page.locator("main h1").inner_text() == "Anthropic"
    assert page.locator(".sections a[aria-current]").inner_text() == "標籤"
    # A zh-CN browser that chose 繁 comes back to the Traditional edition from the root page.
    page.goto(served.url())
    page.wait_for_url(served.url("zh-hant/"))
    page.click(".edition-switch a[hreflang=zh-Hans]")
    page.wait_for_url(served.url("zh-hans/"))
    page.goto(served.url())
    page.wait_for_url(served.url("zh-hans/"))
    assert page.outside == []
    page.context.close()


def test_the_switch_keeps_the_pagination_page(served: Served, browser) -> None:
    page = new_page(browser)
    page.goto(served.url("zh-hant/page/2/"))
    page.click(".edition-switch a[hreflang=zh-Hans]")
    page.wait_for_url(served.url("zh-hans/page/2/"))
    assert page.locator(".pager span").inner_text().replace(" ", "") == "第2/2页"
    page.context.close()


def test_the_switch_keeps_the_address_of_a_missing_page(served: Served, browser) -> None:
    page = new_page(browser)
    response = page.goto(served.url("zh-hant/2019/old-story/"))
    assert response.status == 404 and page.locator("html").get_attribute("lang") == "zh-Hant"
    page.click(".edition-switch a[hreflang=zh-Hans]")
    page.wait_for_url(served.url("zh-hans/2019/old-story/"))
    assert page.locator("main h1").inner_text() == "页面不存在"
    page.context.close()


def test_the_site_404_offers_the_same_address_in_each_edition(www: Path, browser) -> None:
    """On a host with one 404 page for the whole site (GitHub Pages), it still keeps the address."""
    with serve(www, "/news/", edition_404=False) as single:
        page = new_page(browser)
        response = page.goto(single.url("zh-hant/2019/old-story/"))
        assert response.status == 404 and page.locator("body.kind-404 [data-root]").count() == 1
        links = page.locator(".same-address a")
        assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
            "/news/zh-hans/2019/old-story/", "/news/zh-hant/2019/old-story/"]
        assert links.nth(0).is_visible() and links.nth(0).inner_text() == "在简体中文版中打开这个地址"
        links.nth(0).click()
        page.wait_for_url(single.url("zh-hans/2019/old-story/"))
        page.goto(single.url("elsewhere/"))  # outside every edition: only the way home is offered
        assert not page.locator(".same-address a").first.is_visible()
        from axe_playwright_python.sync_playwright import Axe

        assert Axe().run(page).violations_count == 0
        page.context.close()


def search(page, served: Served, edition: str, query: str) -> list[dict[str, str]]:  # type: ignore[no-untyped-def]
    page.goto(served.url(f"{edition}/tags/"))
    page.fill("#masthead-q", query)
    page.press("#masthead-q", "Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    page.wait_for_function("document.getElementById('search-status').textContent.length > 0 && "
                           "!document.getElementById('search-status').textContent.includes('…')")
    return page.eval_on_selector_all("#search-results li", """items => items.map(li => ({
        href: li.querySelector('a').getAttribute('href'), title: li.querySelector('h2').textContent,
        date: (li.querySelector('.meta') || {}).textContent || '',
        excerpt: li.querySelector('.excerpt').innerHTML}))""")


@pytest.mark.parametrize("edition", ["zh-hant", "zh-hans"])
def test_a_query_in_either_script_finds_the_same_article(served: Served, browser, edition: str) -> None:
    page = new_page(browser)
    simplified = search(page, served, edition, "人工智能")
    traditional = search(page, served, edition, "人工智慧")
    target = served.base + f"{edition}/{ARTICLE}"
    assert target in [r["href"] for r in simplified] and target in [r["href"] for r in traditional]
    assert simplified[0]["href"] == traditional[0]["href"] == target
    hit = simplified[0]
    # Title, date and a highlighted excerpt, all in the reader's edition.
    if edition == "zh-hant":
        assert hit["title"].startswith("這是科技產業") and "<mark>" in hit["excerpt"] and "智慧" in hit["excerpt"]
    else:
        assert hit["title"].startswith("这是科技产业") and "<mark>" in hit["excerpt"] and "智能" in hit["excerpt"]
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", hit["date"])
    assert page.outside == []
    page.context.close()


def test_search_page_fetches_little(served: Served, browser) -> None:
    page = new_page(browser)
    sizes: dict[str, int] = {}
    page.on("response", lambda r: sizes.__setitem__(r.url, len(r.body())) if r.ok else None)
    page.goto(served.url("zh-hant/search/?q=融資"))
    page.wait_for_selector("#search-results li")
    fold = [size for url, size in sizes.items() if url.endswith("fold.json")]
    assert fold and fold[0] < 100 * 1024
    page.context.close()


SHOTS = [("home", ""), ("article", ARTICLE), ("tag", "tags/anthropic/")]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("edition", ["zh-hans", "zh-hant"])
def test_screenshots_and_layout(served: Served, browser, edition: str, width: int, scheme: str) -> None:
    page = new_page(browser, viewport={"width": width, "height": 900}, color_scheme=scheme,
                    device_scale_factor=1)
    folder = ARTIFACTS / "screenshots"
    (folder / "viewport").mkdir(parents=True, exist_ok=True)
    for name, path in SHOTS:
        page.goto(served.url(f"{edition}/{path}"))
        page.wait_for_load_state("load")
        # Nothing wider than the phone: no sideways scrolling at 390 px (or 360, below).
        assert page.evaluate("document.documentElement.scrollWidth") <= width, (name, width)
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        dark = sum(int(v) for v in re.findall(r"\d+", background)[:3]) < 200
        assert dark == (scheme == "dark"), background
        page.screenshot(path=str(folder / f"{edition}-{name}-{width}-{scheme}.png"), full_page=True)
        page.screenshot(path=str(folder / "viewport" / f"{edition}-{name}-{width}-{scheme}.png"))
    assert page.outside == []
    page.context.close()


def test_narrowest_phone_has_no_sideways_scroll_and_images_keep_their_box(served: Served, browser) -> None:
    page = new_page(browser, viewport={"width": 360, "height": 740})
    for path in PAGES.values():
        page.goto(served.url(f"zh-hant/{path}"))
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    page.context.close()


@pytest.mark.parametrize("edition", ["zh-hans", "zh-hant"])
def test_cjk_text_is_drawn_with_the_edition_glyph_forms(served: Served, browser, edition: str) -> None:
    """The browser picks Noto CJK SC for Simplified and TC for Traditional (Debian's fonts-noto-cjk)."""
    page = new_page(browser)
    page.goto(served.url(f"{edition}/{ARTICLE}"))
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    document = cdp.send("DOM.getDocument")
    fonts = {}
    for selector in (".article h1", ".article .body p"):
        node = cdp.send("DOM.querySelector", {"nodeId": document["root"]["nodeId"], "selector": selector})
        used = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node["nodeId"]})["fonts"]
        fonts[selector] = max(used, key=lambda f: f["glyphCount"])["familyName"]
    region = "SC" if edition == "zh-hans" else "TC"
    assert fonts[".article h1"] == f"Noto Serif CJK {region}", fonts
    assert fonts[".article .body p"] == f"Noto Sans CJK {region}", fonts
    # Emphasis in Chinese is never a slanted (faux italic) glyph.
    assert page.evaluate("""() => { const em = document.createElement('em'); em.textContent = '重点';
        document.querySelector('.article .body p').appendChild(em); return getComputedStyle(em).fontStyle; }""") \
        == "normal"
    page.context.close()


@pytest.mark.parametrize("edition", ["zh-hans", "zh-hant"])
def test_axe_finds_no_violations_on_any_page_type(served: Served, browser, edition: str) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    problems = {}
    for scheme in ("light", "dark"):
        page = new_page(browser, color_scheme=scheme)
        for name, path in PAGES.items():
            page.goto(served.url(f"{edition}/{path}"))
            if name == "search":
                page.wait_for_selector("#search-results li")
            results = axe.run(page)
            if results.violations_count:
                problems[f"{scheme} {name}"] = [(v["id"], [n["target"] for n in v["nodes"]][:3])
                                                for v in results.response["violations"]]
        page.context.close()
    assert problems == {}


def test_print_style_hides_navigation(served: Served, browser) -> None:
    page = new_page(browser)
    page.goto(served.url(f"zh-hant/{ARTICLE}"))
    page.emulate_media(media="print")
    assert page.locator(".sections").is_hidden() and page.locator(".edition-switch").is_hidden()
    assert page.locator(".article h1").is_visible()
    page.context.close()


def test_related_and_neighbours_are_links_in_the_edition(served: Served, browser) -> None:
    page = new_page(browser)
    page.goto(served.url(f"zh-hant/{ARTICLE}"))
    hrefs = page.eval_on_selector_all(".related a, .prev-next a", "els => els.map(e => e.getAttribute('href'))")
    assert hrefs and all(h.startswith("/news/zh-hant/") for h in hrefs)
    page.context.close()


