"""Create engagement folders from the kit's cookiecutter template.

An engagement starts as a folder made from ``template/``: ``engagement.yaml``, the data
folders, the six notebooks and, on request, the bundled sample client. This module is what
``stratbook new`` calls; plain ``cookiecutter <kit>`` gives the same folder through the
root ``cookiecutter.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from helpers.config import ISO_4217, MONTH_PATTERN, SLUG_PATTERN
from helpers.errors import TemplateError

TEMPLATE_DIR = "template"
#: the variables a user may set, in prompt order
VARIABLES = (
    "client_name",
    "engagement_slug",
    "currency",
    "language",
    "period_start",
    "sample_data",
)
#: private variables that callers of the Python API may set too
PRIVATE_VARIABLES = ("_sample_seed", "_sample_scale")
_JINJA_CHARS = re.compile(r"[{}]")


def kit_dir() -> Path:
    """The kit's folder: the one holding ``cookiecutter.json``, ``template/`` and ``notebooks/``."""
    root = Path(__file__).resolve().parents[2]
    if not (root / "cookiecutter.json").exists() or not (root / TEMPLATE_DIR).is_dir():
        raise TemplateError(
            f"the stratbook kit's template is not next to the helpers package ({root}); "
            "install the kit from its source tree (pip install -e <kit>)"
        )
    return root


def template_defaults() -> dict[str, Any]:
    """The template's variables with their defaults (first choice for choice variables)."""
    raw = json.loads((kit_dir() / TEMPLATE_DIR / "cookiecutter.json").read_text(encoding="utf-8"))
    return {k: (v[0] if isinstance(v, list) else v) for k, v in raw.items() if k in VARIABLES}


def slugify(text: str) -> str:
    """The slug cookiecutter derives from a client name (``Société Générale`` ->
    ``societe-generale``): lower-case ASCII letters, digits and single hyphens."""
    from slugify import slugify as _slugify

    return _slugify(str(text))


def validate_context(extra_context: dict[str, Any] | None = None) -> dict[str, Any]:
    """The template's variables after applying ``extra_context``, checked like the
    pre-generation hook does.

    Raises
    ------
    TemplateError
        Naming the first bad value and what is expected.
    """
    values = template_defaults()
    extra = dict(extra_context or {})
    unknown = sorted(set(extra) - set(VARIABLES) - set(PRIVATE_VARIABLES))
    if unknown:
        raise TemplateError(
            f"unknown template variable(s) {', '.join(unknown)}; use {', '.join(VARIABLES)}"
        )
    values.update({k: v for k, v in extra.items() if k in VARIABLES})
    if "engagement_slug" not in extra:
        values["engagement_slug"] = slugify(values["client_name"])
    values = {k: str(v) for k, v in values.items()}
    if not values["client_name"].strip():
        raise TemplateError("client_name is empty; give the client's name")
    if not SLUG_PATTERN.match(values["engagement_slug"]):
        raise TemplateError(_slug_error(values["engagement_slug"]))
    if values["currency"] not in ISO_4217:
        raise TemplateError(
            f"currency {values['currency']!r} is not an ISO 4217 code (e.g. EUR, USD, GBP, CHF)"
        )
    if values["language"] not in ("en", "fr"):
        raise TemplateError(f"language {values['language']!r} is not supported: choose en or fr")
    if not MONTH_PATTERN.match(values["period_start"]):
        raise TemplateError(
            f"period_start {values['period_start']!r} is not a month YYYY-MM (e.g. 2023-01)"
        )
    if values["sample_data"] not in ("yes", "no"):
        raise TemplateError(f"sample_data {values['sample_data']!r} must be yes or no")
    return values


def _slug_error(slug: str) -> str:
    return (
        f"engagement_slug {slug!r} is not valid: use lower-case letters, digits and single "
        "hyphens (e.g. 'acme-2026')"
    )


def _escape_jinja(value: Any) -> Any:
    """Make a user value literal for cookiecutter, which renders every value as a Jinja
    template: each brace becomes an expression printing that brace."""
    if not isinstance(value, str):
        return value
    return _JINJA_CHARS.sub(lambda m: "{{ " + repr(m.group(0)) + " }}", value)


@contextlib.contextmanager
def _captured_stderr() -> Iterator[list[str]]:
    """Capture what the hooks (subprocesses) print on file descriptor 2."""
    lines: list[str] = []
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as tmp:
        os.dup2(tmp.fileno(), 2)
        try:
            yield lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            tmp.seek(0)
            lines.extend(tmp.read().decode("utf-8", "replace").splitlines())


def _hook_reason(lines: list[str]) -> str | None:
    for line in reversed(lines):
        if line.startswith("Error: "):
            return line.removeprefix("Error: ").strip()
    return None


def new_engagement(
    output_dir: str | Path = ".",
    *,
    extra_context: dict[str, Any] | None = None,
    no_input: bool = True,
    overwrite: bool = False,
) -> Path:
    """Create an engagement folder from the kit's template and return its path.

    Parameters
    ----------
    output_dir
        Folder in which the engagement folder (named after the slug) is created.
    extra_context
        Values of the template's variables (client_name, engagement_slug, currency,
        language, period_start, sample_data); the others keep their defaults. Values are
        taken literally: braces in a client name are not Jinja.
    no_input
        Do not prompt (the default, for scripts); ``False`` asks for each variable.
    overwrite
        Write into an existing folder of the same name.

    Raises
    ------
    TemplateError
        With the pre-generation hook's one-line reason when an input is refused (nothing
        is left on disk), or when the folder already exists.
    """
    from cookiecutter.exceptions import (
        CookiecutterException,
        FailedHookException,
        OutputDirExistsException,
    )
    from cookiecutter.main import cookiecutter

    extra = {k: _escape_jinja(v) for k, v in (extra_context or {}).items()}
    output_dir = Path(output_dir)
    if no_input:
        # An empty slug would make cookiecutter write into output_dir itself; the hook
        # refuses every other bad slug.
        client = (extra_context or {}).get("client_name", template_defaults()["client_name"])
        slug = (extra_context or {}).get("engagement_slug", slugify(client))
        if not str(slug):
            raise TemplateError(_slug_error(""))
    with tempfile.TemporaryDirectory(prefix="stratbook-cc-") as tmp:
        # keep cookiecutter's replay file (which holds the client name) out of $HOME
        config = Path(tmp) / "config.yaml"
        config.write_text(
            f"cookiecutters_dir: {json.dumps(str(Path(tmp) / 'cookiecutters'))}\n"
            f"replay_dir: {json.dumps(str(Path(tmp) / 'replay'))}\n",
            encoding="utf-8",
        )
        try:
            with _captured_stderr() as lines:
                result = cookiecutter(
                    str(kit_dir()),
                    directory=TEMPLATE_DIR,
                    extra_context=extra,
                    no_input=no_input,
                    output_dir=str(output_dir),
                    overwrite_if_exists=overwrite,
                    config_file=str(config),
                )
        except FailedHookException:
            reason = _hook_reason(lines) or "the template's hook failed: " + " ".join(lines[-3:])
            raise TemplateError(reason) from None
        except OutputDirExistsException as exc:
            said = str(exc).removeprefix("Error: ").replace('"', "")
            raise TemplateError(
                f"{said}; choose another engagement_slug or output folder, or overwrite"
            ) from None
        except (CookiecutterException, ValueError) as exc:
            raise TemplateError(f"the template refused the inputs: {exc}") from None
    for line in lines:  # what the hooks said on success (warnings) is not swallowed
        sys.stderr.write(line + "\n")
    return Path(result)


__all__ = ["kit_dir", "new_engagement", "slugify", "template_defaults", "validate_context"]
