"""The benchmark's templates like Hugo's layouts (bench/minimal-theme): the like-for-like row of
bench/RESULTS.md is worth something only if they build a whole, working site that shows what the
Hugo site's layouts show, no less and no more."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import REPO, SIMPLIFIED_SEED, TRADITIONAL_SEEDS, make_site

MINIMAL = REPO / "bench" / "minimal-theme" / "templates"


def test_the_minimal_bench_templates_build_the_demo_with_what_hugos_layouts_show(tmp_path: Path) -> None:
    site = make_site(tmp_path / "demo", demo=True)
    shutil.copytree(MINIMAL, site.root / "templates")
    run = site.build_process("-q")
    # The build checked every link of every page it wrote, as with the default theme.
    assert run.exit_code == 0, run.stderr

    # An article page (Hugo's single.html): title, date, body, a link to the other edition.
    slug = Path(SIMPLIFIED_SEED).stem
    page = site.html(f"zh-hant/{slug}/")
    assert page.css_first("html").attributes["lang"] == "zh-Hant"
    assert page.css_first("article h1").text() == "瘋狂的軍備競賽：Anthropic 擬融資 200 億美元，估值直衝 3500 億"
    assert page.css_first("article h1 + p").text() == "2026年2月10日"
    assert len(page.css("article > p")) > 5
    assert [a.attributes["href"] for a in page.css("article > a")] == [f"/zh-hans/{slug}/"]
    # No more than Hugo's: no navigation, no metadata in the head.
    assert page.css("nav, header, footer, script, link") == []

    # The home page (Hugo's index.html): every article, newest first, by title and summary. (The
    # Traditional seeds have no date: they take their files' times, later than the Simplified one's.)
    home = site.html("zh-hans/")
    links = [a.attributes["href"] for a in home.css("ol > li > a")]
    assert sorted(links) == sorted(f"/zh-hans/{Path(s).stem}/" for s in (SIMPLIFIED_SEED, *TRADITIONAL_SEEDS))
    assert links[-1] == f"/zh-hans/{slug}/"
    item = next(li for li in home.css("ol > li")
                if li.css_first("a").attributes["href"] == f"/zh-hans/{Path(TRADITIONAL_SEEDS[1]).stem}/")
    # Its title (converted from the Traditional seed), then its summary.
    assert item.css_first("a").text() == "Anthropic 在 12 日宣布完成 300 亿美元的 G 轮融资"
    assert item.text().startswith("Anthropic 在 12 日宣布完成 300 亿美元的 G 轮融资 Anthropic 在 12 日宣布")

    # A term page (Hugo's list.html) and the list of terms with counts (terms.html).
    tag = site.html("zh-hans/tags/anthropic/")
    assert tag.css_first("h1") is not None and len(tag.css("ol > li > a")) >= 1
    tags = site.html("zh-hans/tags/")
    entry = next(li for li in tags.css("ul > li") if li.css_first("a").attributes["href"] == "/zh-hans/tags/anthropic/")
    assert entry.text().split()[-1].isdigit()
