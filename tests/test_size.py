"""Very large and very deep articles build, whole, without a crash (timings: bench/size_scaling.py)."""

from __future__ import annotations

from pathlib import Path

from conftest import Site, make_site

PARAGRAPH = "人工智能公司周三宣布完成新一轮融资，投资者包括多家风险投资基金。分析人士认为，这反映出市场对大模型的信心。"
FRONT = "---\ntitle: 大文章\ndate: 2022-01-01 08:00:00\n---\n"


def build_one(tmp_path: Path, body: str) -> Site:
    site = make_site(tmp_path / "s", files={"big.md": FRONT + body})
    run = site.build_process("-q")
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr
    return site


def test_a_5_mb_article(tmp_path: Path) -> None:
    count = 5 * 1024 * 1024 // len(f"{PARAGRAPH}第00000段。\n\n".encode()) + 1
    body = "\n\n".join(f"{PARAGRAPH}第{i:05d}段。" for i in range(count)) + "\n"
    assert len(body.encode()) >= 5 * 1024 * 1024
    site = build_one(tmp_path, body)
    for prefix, financing in (("zh-hans", "融资"), ("zh-hant", "融資")):
        paragraphs = site.html(f"{prefix}/big/").css(".body > p")
        assert len(paragraphs) == count
        last = paragraphs[-1].text()
        assert financing in last and last.endswith(f"信心。第{count - 1:05d}段。")


def test_an_article_of_10000_paragraphs(tmp_path: Path) -> None:
    body = "\n\n".join(f"第{i}段：{PARAGRAPH[:30]}，见 [链接](https://example.com/{i})。" for i in range(10_000))
    site = build_one(tmp_path, body + "\n")
    page = site.html("zh-hans/big/")
    assert len(page.css(".body > p")) == 10_000
    assert page.css(".body > p")[9_999].text().startswith("第9999段")
    assert page.css(".body a")[-1].attributes["href"] == "https://example.com/9999"


def depth_of(node) -> int:  # type: ignore[no-untyped-def]
    depth = 0
    while node is not None and node.tag != "div":
        depth += node.tag == "ul"
        node = node.parent
    return depth


def test_a_list_nested_200_deep(tmp_path: Path) -> None:
    body = "".join("  " * i + f"- 第{i}层\n" for i in range(200))
    site = build_one(tmp_path, body)
    page = site.html("zh-hans/big/")
    items = page.css(".body li")
    assert len(items) == 200
    deepest = next(li for li in items if li.text(deep=False).strip() == "第199层")
    assert depth_of(deepest) == 200


def test_deeper_nesting_keeps_every_line_and_says_so(tmp_path: Path) -> None:
    # Past what markdown-it (and Python's stack) allow, lines become paragraphs: nothing is lost.
    body = "".join("  " * i + f"- 第{i}层\n" for i in range(1000)) + "\n" + ">" * 3000 + " 引用最深处\n"
    site = make_site(tmp_path / "s", files={"big.md": FRONT + body})
    run = site.build_process()
    assert run.exit_code == 0, run.stderr
    assert "Traceback" not in run.stderr
    assert "blocks nested more than" in run.stderr and "content/big.md:" in run.stderr
    text = site.html("zh-hans/big/").css_first(".body").text()
    assert all(f"第{i}层" in text for i in range(1000))
    assert "引用最深处" in text
