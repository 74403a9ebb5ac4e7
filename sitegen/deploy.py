"""Publishing from a branch, like ``mkdocs gh-deploy``: build, commit build/ to gh-pages, push.

The commit is made with ghp-import (git fast-import), so the working tree and the checked-out
branch are never touched. Its message names the source commit, so a published page can always
be traced back to the sources it was built from.
"""

from __future__ import annotations

import contextlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

import ghp_import

from . import __version__


class DeployError(Exception):
    pass


@dataclass(frozen=True)
class Plan:
    site_dir: Path
    build_dir: Path
    branch: str
    remote: str
    push: bool
    cname: str
    source_commit: str

    @property
    def message(self) -> str:
        return f"Deploy {self.source_commit[:12]} with sitegen {__version__}\n\nSource commit: {self.source_commit}"

    def describe(self) -> str:
        files = sum(1 for p in self.build_dir.rglob("*") if p.is_file())
        pushed = f", pushed to {self.remote}" if self.push else " (not pushed)"
        cname = f", CNAME {self.cname}" if self.cname else ""
        return (f"{files} files from {self.build_dir} to branch {self.branch}{pushed}{cname}; "
                f"message: {self.message.splitlines()[0]}")


def _git(site_dir: Path, *args: str) -> str:
    try:
        proc = subprocess.run(["git", *args], cwd=site_dir, capture_output=True, text=True, check=False)
    except OSError as exc:
        raise DeployError(f"cannot run git: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise DeployError(f"git {' '.join(args)} failed: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


def plan(site_dir: Path, build_dir: Path, *, branch: str, remote: str, push: bool, cname: str) -> Plan:
    """Check that the site is in a git repository (and the remote exists) before anything is built."""
    commit = _git(site_dir, "rev-parse", "HEAD")
    if push and remote not in _git(site_dir, "remote").split():
        raise DeployError(f"no git remote named {remote!r} (see `git remote -v`)")
    return Plan(site_dir, build_dir, branch, remote, push, cname.strip(), commit)


def deploy(deployment: Plan) -> None:
    """Commit the built site to the branch and push it when asked."""
    # ghp-import runs git in the current directory; it has to be the site's repository.
    with contextlib.chdir(deployment.site_dir):
        try:
            ghp_import.ghp_import(
                str(deployment.build_dir), mesg=deployment.message, branch=deployment.branch,
                remote=deployment.remote, push=deployment.push, nojekyll=True,
                cname=deployment.cname or None,
            )
        except ghp_import.GhpError as exc:
            raise DeployError(f"ghp-import: {exc.message}") from None
        except subprocess.CalledProcessError:
            raise DeployError(f"git push {deployment.remote} {deployment.branch} failed (see git's message "
                              "above)") from None
