"""The README's configuration reference is the model's: a key added, renamed or re-defaulted fails here."""

from langgraph_infra.config import reference_markdown


def test_readme_config_reference_matches_the_model(root):
    readme = (root / "README.md").read_text()
    assert reference_markdown("aws") in readme, "regenerate the table: python -c 'from langgraph_infra.config " \
        "import reference_markdown; print(reference_markdown())'"


def test_readme_has_the_quick_start_commands(root):
    readme = (root / "README.md").read_text()
    assert "## Quick start" in readme and "make plan" in readme and "make test" in readme
