"""How build time grows with the size of one article: it should grow linearly.

    python bench/size_scaling.py [--factors 1 2 4] [--runs 3]

Each shape is built at 1x, 2x, 4x its base size (the real command, in a child process, median of
the runs); the last column is seconds per unit of size relative to 1x, which stays near 1.0 when
the time is linear. Shapes: a 5 MB article of many paragraphs, one 10,000-paragraph article, a list
nested 200 levels deep, one paragraph with 20,000 soft line breaks.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from corpus import time_build

PARAGRAPH = "人工智能公司周三宣布完成新一轮融资，投资者包括多家风险投资基金。分析人士认为，这反映出市场对大模型的信心。"
FRONT = "---\ntitle: 大文章\ndate: 2022-01-01 08:00:00\ntags: [测试]\n---\n"


def paragraphs(count: int) -> str:
    return "\n\n".join(f"{PARAGRAPH}第{i}段，见 [链接](https://example.com/{i}) 与 `code_{i}`。" for i in range(count))


def five_mb(factor: int) -> str:
    per = len((PARAGRAPH + "第0000段，见 [链接](https://example.com/0000) 与 `code_0000`。\n\n").encode())
    return paragraphs(5 * 1024 * 1024 * factor // per)


def nested_list(factor: int) -> str:
    depth = 200 * factor
    return "".join("  " * i + f"- 第{i}层{PARAGRAPH[:12]}\n" for i in range(depth))


def soft_breaks(factor: int) -> str:
    return "\n".join(f"{PARAGRAPH[:20]}{i}" for i in range(20_000 * factor))


SHAPES: dict[str, Callable[[int], str]] = {
    "5 MB of paragraphs": five_mb,
    "10,000 paragraphs": lambda f: paragraphs(10_000 * f),
    "list nested 200 deep": nested_list,
    "20,000 soft breaks": soft_breaks,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--factors", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        empty = Path(tmp) / "empty"
        (empty / "content").mkdir(parents=True)
        (empty / "pyproject.toml").write_text("[tool.sitegen]\n", encoding="utf-8")
        (empty / "content" / "a.md").write_text(FRONT + "正文。\n", encoding="utf-8")
        baseline = time_build(empty, args.runs)[0]
        print(f"{'shape':24} {'x':>3} {'MB':>7} {'seconds':>8} {'minus start-up':>15} {'per unit vs 1x':>15}")
        for name, make in SHAPES.items():
            first = None
            for factor in args.factors:
                site = Path(tmp) / f"{name}-{factor}".replace(" ", "_").replace(",", "")
                (site / "content").mkdir(parents=True)
                (site / "pyproject.toml").write_text("[tool.sitegen]\n", encoding="utf-8")
                text = FRONT + make(factor) + "\n"
                (site / "content" / "big.md").write_text(text, encoding="utf-8")
                seconds = time_build(site, args.runs)[0]
                work = max(seconds - baseline, 1e-9)
                first = first or work / factor
                print(f"{name:24} {factor:>3} {len(text.encode()) / 2**20:>7.1f} {seconds:>8.2f} {work:>15.2f} "
                      f"{work / factor / first:>15.2f}")
        print(f"(start-up and an empty site: {baseline:.2f} s)")


if __name__ == "__main__":
    main()
