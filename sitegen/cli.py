"""The command line: thin wrappers that read options and call the pipeline."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from . import __version__
from .convert import GlossaryError
from .deploy import DeployError, deploy, plan
from .diagnostics import BuildFailed, Diagnostics
from .pipeline import BuildResult, build, check
from .progress import Bar, BuildProgress, Lines, Silent
from .review import Review
from .settings import SettingsError, load

EXIT_WARNINGS, EXIT_ERRORS = 1, 2


def _console() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


def report(diagnostics: Diagnostics, console: Console) -> None:
    for item in sorted(diagnostics.items, key=lambda d: (d.path, d.line)):
        style = "red" if item.severity == "error" else "yellow"
        console.print(f"{item}", style=style, markup=False)


def summary(result: BuildResult) -> str:
    pages = ", ".join(f"{lang} {n} pages" for lang, n in result.pages.items())
    warnings = len(result.diagnostics.warnings)
    return (f"built {result.articles} articles: {pages}; {warnings} warning{'s' if warnings != 1 else ''}; "
            f"{result.seconds:.2f} s -> {result.out_dir}")


def progress_for(console: Console, quiet: bool) -> BuildProgress:
    """A bar on a terminal; plain lines in CI and when output is not a terminal."""
    if quiet:
        return Silent()
    if console.is_terminal and not os.environ.get("CI"):
        return Bar(console)
    return Lines(console)


def load_settings(source: Path, overrides: dict[str, Any]) -> Any:
    try:
        return load(source, overrides)
    except SettingsError as exc:
        _console().print(str(exc), style="red", markup=False)
        sys.exit(EXIT_ERRORS)


source_option = click.option(
    "--source", "source", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
    help="The site folder (with content/ and pyproject.toml).")


def errors(count: int) -> str:
    return f"{count} error{'s' if count != 1 else ''}"


def build_or_exit(settings: Any, out: Path, console: Console, refused: str, **options: Any) -> BuildResult:
    """Build; on errors or Ctrl-C, report and exit, saying what the failure left undone (``refused``)."""
    diagnostics = Diagnostics()
    try:
        return build(settings, out, diagnostics=diagnostics, **options)
    except KeyboardInterrupt:
        console.print(f"interrupted: {refused}", style="bold red")
        sys.exit(130)
    except BuildFailed as failed:
        report(failed.diagnostics, console)
        console.print(f"build failed: {errors(len(failed.diagnostics.errors))}; {refused}", style="bold red")
        sys.exit(EXIT_ERRORS)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sitegen")
def main() -> None:
    """Build a Chinese news site in Simplified and Traditional editions from one source."""


@main.command("build")
@source_option
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to write the site [default: SOURCE/build].")
@click.option("--base-url", default=None, help="Override the base_url setting, e.g. https://user.github.io/repo/.")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@click.option("--quiet", "-q", is_flag=True, help="Print errors only.")
@click.option("--keep-going", "-k", is_flag=True,
              help="Build and write every article without errors, leave out the others, and still exit 2.")
@click.option("--report", "report_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the conversion review report (see 'sitegen check') to this file.")
@click.option("--report-format", type=click.Choice(["text", "json"]), default=None,
              help="Format of --report [default: json for a .json file, else text].")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Worker processes for the per-article work [default: one per core].")
@click.option("--no-cache", is_flag=True, help="Build from scratch: neither read nor write .sitegen-cache/.")
def build_command(source: Path, out: Path | None, base_url: str | None, strict: bool, quiet: bool,
                  keep_going: bool, report_file: Path | None, report_format: str | None, jobs: int | None,
                  no_cache: bool) -> None:
    """Build the site into the output folder (default build/)."""
    console = _console()
    settings = load_settings(source, {"base_url": base_url} if base_url else {})
    result = build_or_exit(settings, out or settings.site_dir / "build", console, "the previous output is untouched",
                           keep_going=keep_going, with_review=report_file is not None,
                           progress=progress_for(console, quiet), jobs=jobs, cache=not no_cache)
    # The process ends with this command, and the OS takes its memory back at once: the collector's
    # last pass at exit would free the build's objects one by one (most of a second at 10,000
    # articles), so it is told they stay.
    gc.freeze()
    if result.cache_note:
        console.print(result.cache_note, style="yellow", markup=False)
    if result.diagnostics.errors:
        report(result.diagnostics, console)
        click.echo(summary(result))
        console.print(f"{errors(len(result.diagnostics.errors))}: the articles with errors were left out "
                      "(--keep-going)", style="bold red")
        sys.exit(EXIT_ERRORS)
    if report_file is not None and result.review is not None:
        fmt = report_format or ("json" if report_file.suffix.lower() == ".json" else "text")
        try:
            report_file.write_text(_format_review(result.review, fmt), encoding="utf-8")
        except OSError as exc:
            console.print(f"{report_file}:1: cannot write the report: {exc.strerror or exc}", style="red",
                          markup=False)
            sys.exit(EXIT_ERRORS)
    if not quiet:
        report(result.diagnostics, console)
        click.echo(summary(result))
        if result.review is not None:
            subs, amb = result.review.counts()
            click.echo(f"review report: {subs} vocabulary substitutions, {amb} ambiguous characters "
                       f"-> {report_file}")
    if strict and result.diagnostics.warnings:
        if quiet:
            report(result.diagnostics, console)
        sys.exit(EXIT_WARNINGS)


def _format_review(review: Review, fmt: str) -> str:
    return review.to_json() if fmt == "json" else review.to_text()


@main.command("check")
@source_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Plain text for reading, JSON for tools.")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
def check_command(source: Path, fmt: str, strict: bool) -> None:
    """Check the site and report how conversion treated each article.

    Lists every vocabulary-level substitution (not plain character conversion) and every
    character with several possible conversions that no phrase settled, with its sentence, so
    that an editor can confirm it or pin it with -{...}- markup. Nothing is written.
    """
    console = _console()
    settings = load_settings(source, {})
    diagnostics = Diagnostics()
    try:
        review = check(settings, diagnostics)
    except BuildFailed as failed:
        report(failed.diagnostics, console)
        console.print(f"check failed: {errors(len(failed.diagnostics.errors))}", style="bold red")
        sys.exit(EXIT_ERRORS)
    report(diagnostics, console)
    click.echo(_format_review(review, fmt), nl=False)
    if strict and diagnostics.warnings:
        sys.exit(EXIT_WARNINGS)


@main.command("serve")
@source_option
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in the web browser.")
def serve_command(source: Path, port: int, host: str, open_browser: bool) -> None:
    """Preview the site: build, serve, rebuild on every change, and reload open pages."""
    from .serve import serve

    console = _console()
    status = serve(source, host, port, open_browser,
                   echo=lambda line: print(line, flush=True),
                   error=lambda line: console.print(line, style="red", markup=False))
    sys.exit(status)


@main.command("new")
@click.argument("title")
@source_option
@click.option("--slug", default=None, help="URL slug [default: the title's Latin words and a short hash].")
@click.option("--lang", default=None, help="Edition the article is written in, e.g. zh-Hans or zh-Hant "
              "[default: detected from the title].")
def new_command(title: str, source: Path, slug: str | None, lang: str | None) -> None:
    """Write a new article, content/<date>-<slug>.md, with its front-matter filled in."""
    from .new_article import NewArticleError, create_article
    from .pipeline import make_converter

    settings = load_settings(source, {})
    try:
        path = create_article(settings, make_converter(settings), title, slug, lang)
    except (NewArticleError, GlossaryError) as exc:
        _console().print(str(exc), style="red", markup=False)
        sys.exit(EXIT_ERRORS)
    try:
        shown = path.relative_to(Path.cwd())
    except ValueError:
        shown = path
    click.echo(shown)


@main.command("deploy")
@click.option("--source", "source", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="The site folder, inside a git repository.")
@click.option("--base-url", default=None, help="Override the base_url setting, e.g. https://user.github.io/repo/.")
@click.option("--branch", default="gh-pages", show_default=True, help="The branch to commit the site to.")
@click.option("--remote", default="origin", show_default=True, help="The remote to push to.")
@click.option("--push", is_flag=True, help="Push the branch to the remote after committing.")
@click.option("--cname", default=None, help="Custom domain written to CNAME [default: the cname setting].")
@click.option("--dry-run", is_flag=True, help="Build and say what would be committed; commit and push nothing.")
def deploy_command(source: Path, base_url: str | None, branch: str, remote: str, push: bool,
                   cname: str | None, dry_run: bool) -> None:
    """Build the site, then commit build/ to the gh-pages branch (and push it with --push)."""
    console = _console()
    settings = load_settings(source, {"base_url": base_url} if base_url else {})
    out = settings.site_dir / "build"
    try:
        deployment = plan(settings.site_dir, out, branch=branch, remote=remote, push=push,
                          cname=settings.cname if cname is None else cname)
    except DeployError as exc:
        console.print(f"deploy: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_ERRORS)
    result = build_or_exit(settings, out, console, "deploy refused: nothing was committed or pushed")
    report(result.diagnostics, console)
    click.echo(summary(result))
    if dry_run:
        click.echo(f"dry run: nothing committed; would commit {deployment.describe()}")
        return
    try:
        deploy(deployment)
    except DeployError as exc:
        console.print(f"deploy: {exc}", style="bold red", markup=False)
        sys.exit(EXIT_ERRORS)
    click.echo(f"deployed: committed {deployment.describe()}")


if __name__ == "__main__":
    main()
