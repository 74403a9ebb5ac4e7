"""`sitegen deploy` against a real git repository, with a local bare repository as the remote."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Site, make_site
from selectolax.lexbor import LexborHTMLParser as HTMLParser


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout.strip()


def has_branch(repo: Path, branch: str) -> bool:
    proc = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=repo,
                          capture_output=True, text=True)
    return proc.returncode == 0


def deploy(site: Site, *args: str) -> subprocess.CompletedProcess[str]:
    """The real command in a child process, as a user runs it from the site folder."""
    return subprocess.run([sys.executable, "-m", "sitegen.cli", "deploy", *args], cwd=site.root,
                          capture_output=True, text=True)


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Site, Path]:
    """A site in a git repository whose origin is a bare repository in tmp_path."""
    site = make_site(tmp_path / "site", 'base_url = "https://news.example.org/"\n', {
        "a.md": "---\ntitle: 甲\ndate: 2026-01-01 08:00:00\n---\n\n正文。\n",
    })
    (site.root / ".gitignore").write_text("build/\n")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    git(site.root, "init", "-q", "-b", "main")
    git(site.root, "config", "user.email", "editor@example.org")
    git(site.root, "config", "user.name", "Editor")
    git(site.root, "add", "-A")
    git(site.root, "commit", "-q", "-m", "articles")
    git(site.root, "remote", "add", "origin", str(remote))
    return site, remote


def test_deploy_push_commits_the_build_to_gh_pages_on_the_remote(repo: tuple[Site, Path]) -> None:
    site, remote = repo
    source = git(site.root, "rev-parse", "HEAD")
    run = deploy(site, "--push", "--cname", "news.example.org")
    assert run.returncode == 0, run.stderr
    assert "deployed: committed" in run.stdout
    message = git(remote, "log", "-1", "--format=%B", "gh-pages")
    assert source[:12] in message.splitlines()[0]
    assert f"Source commit: {source}" in message
    files = set(git(remote, "ls-tree", "-r", "--name-only", "gh-pages").splitlines())
    assert {"CNAME", ".nojekyll", "index.html", "zh-hans/a/index.html", "zh-hant/a/index.html",
            "sitemap.xml", "zh-hans/feeds/atom.xml"} <= files
    assert git(remote, "show", "gh-pages:CNAME") == "news.example.org"
    page = HTMLParser(git(remote, "show", "gh-pages:zh-hans/a/index.html"))
    assert page.css_first("h1").text(strip=True) == "甲"
    # The working tree and its branch are untouched.
    assert git(site.root, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(site.root, "status", "--porcelain") == ""


def test_a_second_deploy_adds_a_commit_naming_the_new_source(repo: tuple[Site, Path]) -> None:
    site, remote = repo
    assert deploy(site, "--push").returncode == 0
    site.write("b.md", "---\ntitle: 乙\ndate: 2026-01-02 08:00:00\n---\n\n正文。\n")
    git(site.root, "add", "-A")
    git(site.root, "commit", "-q", "-m", "another article")
    second = git(site.root, "rev-parse", "HEAD")
    assert deploy(site, "--push").returncode == 0
    log = git(remote, "log", "--format=%s", "gh-pages").splitlines()
    assert len(log) == 2 and second[:12] in log[0]
    assert "zh-hant/b/index.html" in git(remote, "ls-tree", "-r", "--name-only", "gh-pages")
    # No CNAME unless a domain is set.
    assert "CNAME" not in git(remote, "ls-tree", "--name-only", "gh-pages").splitlines()


def test_cname_comes_from_the_setting(repo: tuple[Site, Path]) -> None:
    site, remote = repo
    with (site.root / "pyproject.toml").open("a") as f:
        f.write('cname = "zh.example.org"\n')
    assert deploy(site, "--push").returncode == 0
    assert git(remote, "show", "gh-pages:CNAME") == "zh.example.org"


def test_without_push_the_branch_is_only_local(repo: tuple[Site, Path]) -> None:
    site, remote = repo
    assert deploy(site).returncode == 0
    assert has_branch(site.root, "gh-pages")
    assert not has_branch(remote, "gh-pages")


def test_dry_run_builds_but_commits_and_pushes_nothing(repo: tuple[Site, Path]) -> None:
    site, remote = repo
    run = deploy(site, "--push", "--dry-run")
    assert run.returncode == 0, run.stderr
    assert "dry run: nothing committed; would commit" in run.stdout
    assert (site.out / "zh-hans/a/index.html").is_file()
    assert not has_branch(site.root, "gh-pages")
    assert not has_branch(remote, "gh-pages")


def test_a_build_with_errors_is_refused_and_nothing_is_pushed(repo: tuple[Site, Path]) -> None:
    site, remote = repo
    site.write("bad.md", "---\ntitle: 坏\ndate: not a date\n---\n\n正文。\n")
    run = deploy(site, "--push")
    assert run.returncode == 2
    assert "bad.md:3: cannot read date" in run.stderr
    assert "build failed: 1 error; deploy refused: nothing was committed or pushed" in run.stderr
    assert "Traceback" not in run.stderr
    assert not has_branch(site.root, "gh-pages")
    assert not has_branch(remote, "gh-pages")


def test_an_unknown_remote_is_a_clear_error_before_building(repo: tuple[Site, Path]) -> None:
    site, _ = repo
    run = deploy(site, "--push", "--remote", "upstream")
    assert run.returncode == 2
    assert "no git remote named 'upstream'" in run.stderr
    assert not site.out.exists()


def test_outside_a_git_repository_deploy_says_so(tmp_path: Path) -> None:
    site = make_site(tmp_path / "plain", "", {"a.md": "---\ntitle: 甲\n---\n正文。\n"})
    run = deploy(site)
    assert run.returncode == 2
    assert "deploy: git rev-parse HEAD failed" in run.stderr and "Traceback" not in run.stderr
