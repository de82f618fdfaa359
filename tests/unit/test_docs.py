"""The docs are the model's and the repository's: a key added, renamed or re-defaulted, or a page or file that a
doc points at and that is gone, fails here."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from langgraph_infra.reference import reference_markdown

LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
FILE_MENTION = re.compile(r"\b((?:docs|examples|scripts|tests|components)/[\w./-]+\.(?:md|py|sh|yaml))\b")


def pages(root: Path) -> list[Path]:
    return [root / "README.md", root / "components" / "README.md", root / "tests" / "README.md",
            *sorted((root / "docs").glob("*.md"))]


def test_config_reference_matches_the_model(root):
    page = (root / "docs" / "config.md").read_text()
    assert reference_markdown("aws") in page, "regenerate the table: make docs"


def test_readme_is_a_landing_page_with_the_quick_start_commands(root):
    readme = (root / "README.md").read_text()
    assert "## Quick start" in readme and "make plan" in readme and "make test" in readme
    assert "## Where to go next" in readme
    for page in ("docs/aws.md", "docs/gcp.md", "docs/local.md", "docs/config.md", "docs/security.md",
                 "components/README.md"):
        assert f"({page})" in readme, f"the README does not point at {page}"


@pytest.mark.parametrize("page", ["README.md", "components/README.md", "tests/README.md", "docs/aws.md",
                                  "docs/gcp.md", "docs/local.md", "docs/app.md", "docs/config.md", "docs/ci-cd.md",
                                  "docs/plan.md", "docs/security.md", "docs/library.md", "docs/kubernetes.md"])
def test_every_local_link_of_a_page_exists(root, page):
    path = root / page
    assert path.is_file(), f"{page} is missing"
    missing = [link for link in LINK.findall(path.read_text())
               if not link.startswith(("http://", "https://", "mailto:")) and not (path.parent / link).exists()]
    assert not missing, f"{page} links to missing files: {missing}"


def test_files_named_in_stack_files_and_docs_exist(root):
    texts = [p.read_text() for p in [*root.glob("Pulumi*.yaml"), *pages(root)] if p.is_file()]
    missing = sorted({m for text in texts for m in FILE_MENTION.findall(text) if not (root / m).exists()})
    assert not missing, f"named but missing: {missing}"


def test_no_page_claims_the_server_authenticates_on_its_own(root):
    """The server authenticates only through the app's auth handler: no doc may promise more."""
    for page in pages(root):
        text = " ".join(page.read_text().split())
        assert "does its own auth" not in text and "server authenticates requests" not in text, page
