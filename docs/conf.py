"""Sphinx configuration: Pallets conventions (the ``flask`` theme, autodoc, no network)."""

import sys
from pathlib import Path

from pallets_sphinx_themes import ProjectLink, get_version

# Document the package of this checkout, even when another copy is installed.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The project's own directive: cors-options, the API page's list of options.
sys.path.insert(0, str(Path(__file__).resolve().parent / "_ext"))

# Project --------------------------------------------------------------

project = "flask-crossorigin"
copyright = "2026 The flask-crossorigin contributors"
author = "The flask-crossorigin contributors"
release, version = get_version("flask-crossorigin")

# General --------------------------------------------------------------

default_role = "code"
extensions = [
    "sphinx.ext.autodoc",
    "pallets_sphinx_themes",
    "cors_options",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_preserve_defaults = True
# No intersphinx: CI builds offline, and a failed inventory download is a warning (-W).
exclude_patterns = ["_build", "_ext"]
nitpicky = False

# HTML -----------------------------------------------------------------

html_theme = "flask"
html_theme_options = {"index_sidebar_logo": False}
html_context = {
    "project_links": [
        ProjectLink("PyPI Releases", "https://pypi.org/project/flask-crossorigin/"),
        ProjectLink("Source Code", "https://github.com/flask-crossorigin/flask-crossorigin/"),
        ProjectLink(
            "Issue Tracker", "https://github.com/flask-crossorigin/flask-crossorigin/issues/"
        ),
    ]
}
html_sidebars = {
    "index": ["project.html", "localtoc.html", "searchbox.html"],
    "**": ["localtoc.html", "relations.html", "searchbox.html"],
}
singlehtml_sidebars = {"index": ["project.html", "localtoc.html"]}
html_title = f"flask-crossorigin Documentation ({version})"
html_show_sourcelink = False
