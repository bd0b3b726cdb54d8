"""Rendering an executed notebook into the reports a client and a reviewer read.

A run leaves two HTML files per notebook: the client's, with code, parameters and
technical messages hidden, and the reviewer's, which keeps the code so the analysis can
be checked. Both are scrubbed of what must not leave the consultant's machine: absolute
local paths (the engagement, the run folder, the Python installation, the home folder),
the user name, and the values of environment variables.
"""

from __future__ import annotations

import copy
import functools
import getpass
import html
import os
import re
import secrets
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat

#: cells papermill or the kit tag as plumbing, hidden from the client
HIDDEN_CELL_TAGS = frozenset({"parameters", "injected-parameters"})
#: the tag papermill puts on the red "execution stopped here" banner cells
PAPERMILL_ERROR_TAG = "papermill-error-cell-tag"
#: output mime types holding binary data (base64): never rewritten
BINARY_MIME_PREFIXES = ("image/png", "image/jpeg", "image/gif", "application/pdf")
#: mime types where a replacement token must be HTML-escaped
MARKUP_MIME_TYPES = frozenset({"text/html", "image/svg+xml", "text/markdown"})
#: environment variable values shorter than this are too common to scrub reliably
MIN_ENV_VALUE_LENGTH = 8
#: user names shorter than this would match ordinary words
MIN_USER_NAME_LENGTH = 2
#: nbconvert template for both reports
HTML_TEMPLATE = "lab"
#: tokens replacing local paths (see :meth:`Sanitiser.for_run`)
RUN_TOKEN = "<run>"
ENGAGEMENT_TOKEN = "."
PYTHON_TOKEN = "<python>"
KIT_TOKEN = "<kit>"
HOME_TOKEN = "~"
USER_TOKEN = "<user>"


@dataclass(frozen=True)
class Sanitiser:
    """Replaces confidential local strings in text by neutral tokens.

    ``paths`` are replaced wherever they occur, longest first (so the run folder, inside
    the engagement, becomes ``<run>`` rather than ``./reports/...``); ``words`` (user
    names) only as whole words, so a user called ``ana`` does not turn "analysis" into
    "<user>lysis".
    """

    paths: tuple[tuple[str, str], ...] = ()
    words: tuple[tuple[str, str], ...] = ()

    @classmethod
    def for_run(
        cls,
        *,
        engagement_dir: str | Path,
        run_dir: str | Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> Sanitiser:
        """The sanitiser of one run: engagement, run folder, Python, home, user, environment.

        Parameters
        ----------
        engagement_dir
            The engagement folder; becomes ``.``.
        run_dir
            The run folder; becomes ``<run>``.
        environ
            The environment whose values are scrubbed (default: ``os.environ``); values
            shorter than ``MIN_ENV_VALUE_LENGTH`` characters are left alone.
        """
        env = dict(os.environ if environ is None else environ)
        pairs: dict[str, str] = {}

        def add(path: str | Path | None, token: str) -> None:
            if not path:
                return
            for variant in _path_variants(path):
                if len(variant) > 1:  # never replace "/" alone
                    pairs.setdefault(variant, token)

        if run_dir is not None:
            add(run_dir, RUN_TOKEN)
        add(engagement_dir, ENGAGEMENT_TOKEN)
        kit_src = Path(__file__).resolve().parent.parent
        add(kit_src, KIT_TOKEN)
        for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}:
            add(prefix, PYTHON_TOKEN)
        add(os.path.dirname(sys.executable), PYTHON_TOKEN)
        home = env.get("HOME") or os.path.expanduser("~")
        add(home, HOME_TOKEN)
        for name, value in sorted(env.items()):
            parts = value.split(os.pathsep) if os.pathsep in value else []
            for part in [value, *parts]:
                if _looks_private(part):
                    pairs.setdefault(part, f"<env:{name}>")
        users = {env.get(k, "") for k in ("USER", "LOGNAME", "USERNAME", "LNAME")}
        try:
            users.add(getpass.getuser())
        except (KeyError, OSError):  # no user name in the password database
            pass
        words = tuple((u, USER_TOKEN) for u in sorted(users) if len(u) >= MIN_USER_NAME_LENGTH)
        ordered = tuple(sorted(pairs.items(), key=lambda kv: (-len(kv[0]), kv[0])))
        return cls(paths=ordered, words=words)

    def __call__(self, text: str, *, markup: bool = False, words: bool = True) -> str:
        """Return ``text`` with every confidential string replaced.

        ``markup=True`` escapes the tokens for HTML (``<run>`` becomes ``&lt;run&gt;``).
        ``words=False`` leaves user names alone (code, where ``eng.root`` is not the
        user ``root``); paths are always replaced.
        """
        for value, token in self.paths:
            spellings = {value, html.escape(value)} if markup else {value}
            for spelling in spellings:
                if spelling in text:
                    # not followed by a name character: /tmp/eng is not /tmp/eng2
                    pattern = re.escape(spelling) + r"(?![\w-])"
                    replacement = html.escape(token) if markup else token
                    text = re.sub(pattern, lambda _m, r=replacement: r, text)
        for word, token in self.words if words else ():
            pattern = rf"(?<![\w.-]){re.escape(word)}(?![\w-])"
            text = re.sub(pattern, html.escape(token) if markup else token, text)
        return text

    def value(self, obj: Any) -> Any:
        """Sanitise every string inside a JSON-like value (dicts, lists, strings)."""
        if isinstance(obj, str):
            return self(obj)
        if isinstance(obj, Mapping):
            return {k: self.value(v) for k, v in obj.items()}
        if isinstance(obj, list | tuple):
            return [self.value(v) for v in obj]
        return obj


def _looks_private(value: str) -> bool:
    """Whether an environment value is specific enough to scrub without hitting prose.

    Paths, host names, tokens and keys are (they hold a separator or a digit); plain words
    such as ``stratbook`` or ``bash`` are not, as reports legitimately contain them.
    """
    if len(value) < MIN_ENV_VALUE_LENGTH or value.isspace():
        return False
    return any(c.isdigit() or c in "/\\=:@" for c in value)


def _path_variants(path: str | Path) -> list[str]:
    """The spellings of one path a notebook may print: as given, absolute, resolved."""
    raw = str(path).rstrip("/\\") or str(path)
    variants = {raw, os.path.abspath(raw), os.path.realpath(raw)}
    more = set()
    for v in variants:
        more.add(v.replace("\\", "/"))
        more.add(v.replace("/", "\\"))
        more.add(Path(v).as_uri() if os.path.isabs(v) else v)
    return sorted(variants | more, key=len, reverse=True)


def _join(text: str | list[str]) -> str:
    return "".join(text) if isinstance(text, list) else text


def sanitise_notebook(
    nb: nbformat.NotebookNode,
    sanitiser: Sanitiser,
    *,
    client: bool,
) -> nbformat.NotebookNode:
    """A scrubbed copy of an executed notebook, ready for nbconvert.

    Parameters
    ----------
    nb
        The executed notebook (not modified).
    sanitiser
        Replaces local paths, user names and environment values.
    client
        ``True`` for the client's version: drop the parameters and injected-parameters
        cells and every stderr stream (warnings, logs), and shorten error tracebacks to
        their last line. ``False`` for the reviewer: keep everything, scrubbed.
    """
    out = copy.deepcopy(nb)
    cells = []
    for cell in out.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if client and tags & HIDDEN_CELL_TAGS:
            continue
        if "injected-parameters" in tags and "id" in cell:
            cell["id"] = "injected-parameters"  # papermill's id is random: keep pages stable
        # sources are the analyst's own text: scrub paths, but a word that happens to be
        # the user name (eng.root for user root) is code, not a leak
        is_markup = cell.cell_type == "markdown"
        cell.source = sanitiser(_join(cell.source), markup=is_markup, words=False)
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in (_sanitise_output(o, sanitiser, client=client) for o in cell.outputs)
                if o is not None
            ]
        cells.append(cell)
    out.cells = cells
    # metadata holds papermill's input/output paths and parameters: not rendered, but
    # scrubbed anyway so nothing local can reach a template that starts showing it
    out.metadata = nbformat.from_dict(sanitiser.value(dict(out.metadata)))
    return out


def _sanitise_output(
    output: nbformat.NotebookNode, sanitiser: Sanitiser, *, client: bool
) -> nbformat.NotebookNode | None:
    kind = output.get("output_type")
    if kind == "stream":
        if client and output.get("name") == "stderr":
            return None
        output["text"] = sanitiser(_join(output.get("text", "")))
        return output
    if kind == "error":
        if client:
            output["traceback"] = [f"{output.get('ename', '')}: {output.get('evalue', '')}"]
        output["traceback"] = [sanitiser(line) for line in output.get("traceback", [])]
        output["evalue"] = sanitiser(str(output.get("evalue", "")))
        return output
    data = output.get("data")
    if isinstance(data, Mapping):
        for mime in list(data):
            if mime.startswith(BINARY_MIME_PREFIXES):
                continue
            value = data[mime]
            if isinstance(value, str | list):
                data[mime] = sanitiser(_join(value), markup=mime in MARKUP_MIME_TYPES)
            elif isinstance(value, Mapping):  # application/json and the like
                data[mime] = sanitiser.value(dict(value))
    return output


#: the alternative text nbconvert gives an image that has none
MISSING_ALT_TEXT = "No description has been provided for this image"
#: the class of the element (the page's body) inside which inputs and outputs are focusable
NOTEBOOK_CLASS = "jp-Notebook"
#: classes of the divs nbconvert makes reachable with the keyboard (``tabindex="0"``)
FOCUSABLE_DIV_CLASSES = frozenset({"jp-Cell-inputWrapper", "jp-OutputArea-output"})

# An HTML page cut into the pieces Python's html.parser (the parser nbconvert's
# BeautifulSoup uses) sees: a value is quoted only right after "=", an attribute name
# follows a quote, a space or a slash, script and style hold raw text to their end tag
# (or the end of the page), and comments, marked sections, declarations and end tags hold
# no tags. What opens like a tag, comment or section but is not closed is text up to the
# next ">". Start tags and that text are captured.
_ATTR_NAME = r"""(?<=['"\s/])[^\s/>][^\s/=>]*"""
_ATTR_VALUE = r"""'[^']*'|"[^"]*"|(?!['"])[^>\s]*"""
_START_TAG_REST = rf"""(?:[\s/]*{_ATTR_NAME}(?:\s*=+\s*(?:{_ATTR_VALUE}))?)*[\s/]*"""
_NAME_END = r"(?![-_.a-zA-Z0-9])"
_MARKUP = re.compile(
    rf"""
      <!--.*?--\s*>                                            # comment
    | <!\[(?:cdata|temp|ignore|include|rcdata){_NAME_END}.*?\]\s*\]\s*>  # CDATA section
    | <!\[(?:if|else|endif){_NAME_END}.*?\]\s*>                # MS Office section
    | <(?P<raw>script|style)(?=[\t\n\r\f />\x00]){_START_TAG_REST}(?<!/)>
      .*?(?:</\s*(?P=raw)\s*>|\Z)                               # raw text element
    | <(?P<tag>[a-zA-Z][^\t\n\r\f />\x00]*)(?P<attrs>{_START_TAG_REST})>  # start tag
    | (?P<text><(?:!--|!\[|[a-zA-Z])[^>]*>)                    # not closed: text
    | <[!?/][^>]*>                                             # doctype, instruction, end tag
    """,
    re.VERBOSE | re.DOTALL | re.IGNORECASE,
)
_ATTRIBUTE = re.compile(rf"(?P<name>{_ATTR_NAME})(?:\s*=+\s*(?P<value>{_ATTR_VALUE}))?")

#: an attribute of a start tag: lower-case name, value, span in the tag's attribute text
Attribute = tuple[str, str, tuple[int, int]]
#: a change to a text: replace ``text[start:end]`` by ``new``
Edit = tuple[int, int, str]


def _attributes(attrs: str) -> list[Attribute]:
    """The attributes of a start tag, from its text after the name.

    Values are unquoted and unescaped as html.parser does; an attribute without a value
    has the value ``""``.
    """
    found = []
    for m in _ATTRIBUTE.finditer(attrs):
        value = m.group("value") or ""
        if len(value) > 1 and value[0] in "'\"" and value[-1] == value[0]:
            value = value[1:-1]
        found.append((m.group("name").lower(), html.unescape(value), m.span()))
    return found


def _classes(attributes: list[Attribute]) -> set[str]:
    """The class names of a tag (its last ``class`` attribute wins, as in BeautifulSoup)."""
    values = [value for name, value, _ in attributes if name == "class"]
    return set(values[-1].split()) if values else set()


def _apply(text: str, edits: list[Edit]) -> str:
    """``text`` with the edits (in order, not overlapping) made."""
    pieces = []
    done = 0
    for start, end, new in edits:
        pieces += [text[done:start], new]
        done = end
    pieces.append(text[done:])
    return "".join(pieces)


def add_accessibility_attributes(page: str) -> tuple[str, int]:
    """nbconvert's accessibility fix-ups of a rendered page, without a parse tree.

    nbconvert's ``HTMLExporter`` gives every ``<img>`` without ``alt`` the alternative
    text :data:`MISSING_ALT_TEXT`, and every ``div.jp-Cell-inputWrapper`` and
    ``div.jp-OutputArea-output`` inside the ``.jp-Notebook`` element ``tabindex="0"``, by
    parsing the whole page with BeautifulSoup and writing it out again: most of the cost
    of a page. Here the start tags are found by one regular expression that cuts the page
    as html.parser does, and the attributes are written into them; the rest of the page
    stays as the template wrote it. The result parses into the same tree as nbconvert's
    page (``tests/test_report.py`` checks it on real runs and on awkward HTML).

    "Inside ``.jp-Notebook``" is read as "after the start tag of an element of that
    class": the template puts the class on ``<body>``, which holds every cell.

    Returns
    -------
    tuple
        The page, and the number of images that had no alternative text.
    """
    edits: list[Edit] = []
    missing_alt = 0
    in_notebook = False
    for m in _MARKUP.finditer(page):
        if m.group("text") is not None:
            # text to html.parser; but a quote written into a later tag could close one
            # it holds and turn it into a tag: write it as the text it is
            edits.append((m.start(), m.end(), m.group("text").replace("<", "&lt;")))
            continue
        name = (m.group("tag") or "").lower()
        if not name or (in_notebook and name not in ("img", "div")):
            continue
        attributes = _attributes(m.group("attrs"))
        classes = _classes(attributes)
        at = m.start("attrs")
        if name == "img" and not any(n == "alt" for n, _, _ in attributes):
            missing_alt += 1
            edits.append((at, at, f' alt="{MISSING_ALT_TEXT}"'))
        elif name == "div" and in_notebook and classes & FOCUSABLE_DIV_CLASSES:
            spans = [span for n, _, span in attributes if n == "tabindex"]
            # every copy of the attribute, so that browsers (first wins) agree with
            # BeautifulSoup (last wins)
            edits += [(at + start, at + end, 'tabindex="0"') for start, end in spans]
            edits += [] if spans else [(at, at, ' tabindex="0"')]
        in_notebook = in_notebook or NOTEBOOK_CLASS in classes
    return _apply(page, edits), missing_alt


@functools.cache
def _page_exporter_class() -> type:
    """nbconvert's ``HTMLExporter`` with :func:`add_accessibility_attributes` as last step.

    Defined on first use: importing nbconvert takes a while and most commands need none.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PageExporter(HTMLExporter):
        """``HTMLExporter`` whose fix-ups of the rendered page skip BeautifulSoup."""

        def from_notebook_node(self, nb, resources=None, **kw):  # type: ignore[override]
            """Render ``nb``: ``HTMLExporter.from_notebook_node`` (nbconvert 7.17) up to
            its BeautifulSoup pass, then :func:`add_accessibility_attributes`."""
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)
            )
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources
            )
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            page, missing_alt = add_accessibility_attributes(page)
            if missing_alt:
                self.log.warning("Alternative text is missing on %s image(s).", missing_alt)
            return page, resources

    return PageExporter


#: code as nbconvert's highlighting filter (pygments) writes it: a div and a pre around
#: spans with classes, and text with no markup character (``<``, ``>``, a bare ``&``) and
#: none that HTML parsing rewrites (controls, carriage returns, surrogates, non-characters,
#: and, to keep the class short, anything past U+FFFD)
HIGHLIGHTED_CODE = re.compile(
    r'<div class="[a-z0-9 -]*"><pre>'
    r'(?:<span(?: class="[a-z0-9 -]+")?>|</span>|&(?:amp|lt|gt|quot|#39|#x27);'
    r"|[^<>&\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe-\U0010ffff]++)*+"
    r"</pre></div>\s*"
)


def clean_html(element: Any) -> str:
    """nbconvert's ``clean_html`` filter (bleach), skipped for highlighted code.

    The template runs every code cell's highlighted source through bleach. Pygments
    output that :data:`HIGHLIGHTED_CODE` matches holds only what bleach keeps, so it is
    returned as it is: bleach returned all 133 code cells of a demo run unchanged, and
    took half a second per run doing it. Anything else (markdown, HTML outputs when
    sanitising) still goes through bleach.
    """
    from nbconvert.filters.strings import clean_html as bleach_clean

    text = element.decode() if isinstance(element, bytes) else str(element)
    if HIGHLIGHTED_CODE.fullmatch(text):
        return text
    return bleach_clean(text)


def _exporter_options(client: bool) -> dict[str, Any]:
    """The settings of the exporter of the client's (``True``) or the reviewer's page.

    ``optimistic_validation``: the notebook is validated once, after all preprocessors,
    instead of after each of the dozen (most of them disabled), a second of schema
    checks per notebook for the same result. ``clean_html``: see :func:`clean_html`.
    """
    return {
        "filters": {"clean_html": clean_html},
        "optimistic_validation": True,
        "template_name": HTML_TEMPLATE,
        "exclude_input": client,
        "exclude_input_prompt": client,
        "exclude_output_prompt": client,
    }


@functools.lru_cache(maxsize=2)
def _exporter(client: bool) -> Any:
    """One exporter per kind, reused: loading the template dominates a page's cost."""
    return _page_exporter_class()(**_exporter_options(client))


#: mime types whose base64 payload is parked while nbconvert renders (see render_html)
PARKED_IMAGE_MIMES = ("image/png", "image/jpeg", "image/gif")


def _park_images(nb: nbformat.NotebookNode) -> tuple[nbformat.NotebookNode, dict[str, str]]:
    """A shallow-copied notebook whose image payloads are tokens, and token -> payload.

    Tokens are letters and digits only (nothing nbconvert escapes) and hold a random
    part, so no text of the notebook can be mistaken for one.
    """
    salt = secrets.token_hex(8)
    payloads: dict[str, str] = {}
    cells = []
    for cell in nb.cells:
        outputs = cell.get("outputs")
        if not outputs or not any(
            m in o.get("data", {}) for o in outputs for m in PARKED_IMAGE_MIMES
        ):
            cells.append(cell)
            continue
        new_outputs = []
        for output in outputs:
            data = output.get("data", {})
            if any(m in data for m in PARKED_IMAGE_MIMES):
                data = dict(data)
                for mime in PARKED_IMAGE_MIMES:
                    if mime in data and isinstance(data[mime], str | list):
                        token = f"stratbookimg{salt}n{len(payloads)}x"
                        payloads[token] = _join(data[mime])
                        data[mime] = token
                output = nbformat.from_dict({**output, "data": data})
            new_outputs.append(output)
        cells.append(nbformat.from_dict({**cell, "outputs": new_outputs}))
    if not payloads:
        return nb, payloads
    out = nbformat.from_dict({**nb, "cells": cells})
    return out, payloads


def _restore_images(body: str, payloads: Mapping[str, str]) -> str:
    """Put the parked payloads back into the rendered page (each token occurs once)."""
    if not payloads:
        return body
    pattern = re.compile("|".join(re.escape(t) for t in payloads))
    return pattern.sub(lambda m: html.escape(payloads[m.group(0)]), body)


def render_html(
    nb: nbformat.NotebookNode,
    path: str | Path,
    *,
    client: bool,
    title: str,
) -> Path:
    """Render an (already sanitised) notebook as a self-contained HTML page.

    Images stay embedded as base64, as nbconvert outputs them, so the file can be sent
    on its own. The client's version hides code and prompts.

    nbconvert's ``HTMLExporter`` parses and re-serialises the whole page with
    BeautifulSoup (to add alt text and tabindex): with the charts' base64 inside, that
    was most of a page's cost. The image payloads are therefore swapped for short tokens
    while nbconvert works and put back into the finished page (the same bytes), and the
    exporter makes the same additions without BeautifulSoup
    (:func:`add_accessibility_attributes`): the demo's twelve pages render 2.5 times
    faster (``benchmarks/render_pages.py``).
    """
    nb, payloads = _park_images(nb)
    body, _ = _exporter(client).from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = _restore_images(body, payloads)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(body, encoding="utf-8")
    tmp.replace(path)
    return path


def render_reports(
    executed: str | Path | nbformat.NotebookNode,
    *,
    client_path: str | Path,
    reviewer_path: str | Path,
    sanitiser: Sanitiser,
    title: str,
    language: str = "en",
    currency: str = "EUR",
) -> tuple[Path, Path]:
    """Write the client and reviewer HTML of one executed notebook.

    Parameters
    ----------
    executed
        The executed notebook, or the path of its ``.ipynb``.
    client_path, reviewer_path
        Where to write the two pages.
    sanitiser
        See :meth:`Sanitiser.for_run`.
    title
        The page title (the notebook's name, e.g. ``01_diagnostic``).
    language
        The engagement's language: the client's page shows its tables in the client's
        words (:func:`helpers.i18n.localise_tables`); the reviewer's keeps the canonical
        names the code uses.
    currency
        The engagement's ISO currency code, for the money columns of the client's tables.

    Returns
    -------
    tuple of Path
        ``(client_path, reviewer_path)``.
    """
    nb = (
        executed
        if isinstance(executed, nbformat.NotebookNode)
        else nbformat.read(str(executed), as_version=4)
    )
    client_nb = localise_outputs(
        sanitise_notebook(nb, sanitiser, client=True), language, currency=currency
    )
    client = render_html(client_nb, client_path, client=True, title=title)
    reviewer = render_html(
        sanitise_notebook(nb, sanitiser, client=False), reviewer_path, client=False, title=title
    )
    return client, reviewer


def localise_outputs(
    nb: nbformat.NotebookNode, language: str, *, currency: str = "EUR"
) -> nbformat.NotebookNode:
    """``nb`` with the HTML tables of its outputs in the client's words and number formats,
    money in ``currency`` (in place)."""
    from helpers.i18n import localise_tables

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            if "text/html" in data:
                markup = _join(data["text/html"])
                data["text/html"] = localise_tables(markup, language, currency=currency)
    return nb


def find_leaks(text: str, secrets: Iterable[str]) -> list[str]:
    """The confidential strings (paths, names) that occur in ``text``; empty when clean."""
    return [s for s in secrets if s and s in text]


__all__ = [
    "HIDDEN_CELL_TAGS",
    "Sanitiser",
    "add_accessibility_attributes",
    "find_leaks",
    "render_html",
    "render_reports",
    "sanitise_notebook",
]
