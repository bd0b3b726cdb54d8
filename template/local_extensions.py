"""Jinja filters of the engagement template (loaded through ``_extensions``)."""

import json

from jinja2.ext import Extension

#: characters YAML treats as line breaks or refuses raw inside a quoted scalar
_YAML_ESCAPES = {"\u0085": "\\N", "\u2028": "\\L", "\u2029": "\\P", "\ufeff": "\\uFEFF"}


def yaml_str(value):
    """A YAML double-quoted scalar that loads back as exactly ``str(value)``.

    JSON string syntax is valid YAML; non-ASCII letters stay readable, quotes,
    backslashes and control characters are escaped, and nothing in the value
    (``{{ }}``, ``<script>``, ``$(...)``, ``#``, ``:``) can change the document.
    """
    text = json.dumps(str(value), ensure_ascii=False)
    for char, escape in _YAML_ESCAPES.items():
        text = text.replace(char, escape)
    return text


class YamlExtension(Extension):
    def __init__(self, environment):
        super().__init__(environment)
        environment.filters["yaml_str"] = yaml_str
