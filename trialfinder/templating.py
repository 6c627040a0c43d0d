"""Jinja2 templates: the packaged ones, optionally overridden from a folder of the user's."""

from __future__ import annotations

import textwrap
from importlib import resources
from pathlib import Path
from typing import Any

from trialfinder.errors import ConfigError
from trialfinder.output import phase_text, status_text

PACKAGE = "trialfinder.templates"


def _packaged(name: str) -> str | None:
    resource = resources.files(PACKAGE).joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


def _indent(text: str, width: int = 4, wrap: int = 88) -> str:
    """Wrap each paragraph of ``text`` and indent it, keeping bullet structure readable."""
    lines = []
    for line in (text or "").splitlines():
        stripped = line.rstrip()
        if not stripped:
            lines.append("")
            continue
        lead = len(stripped) - len(stripped.lstrip())
        prefix = " " * (width + lead)
        lines.extend(
            textwrap.wrap(
                stripped.lstrip(),
                wrap - len(prefix),
                initial_indent=prefix,
                subsequent_indent=prefix + "  ",
            )
            or [prefix]
        )
    return "\n".join(lines)


def environment(folder: str | Path | None = None):
    """A Jinja2 environment; templates in ``folder`` win over the packaged ones."""
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise ConfigError(f"template folder {str(folder)!r} does not exist")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.FunctionLoader(_packaged))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        # HTML templates (*.html.j2) escape every value; text templates stay as they are.
        autoescape=jinja2.select_autoescape(("html", "html.j2", "htm", "xml"), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(status_text=status_text, phase_text=phase_text, indent_wrap=_indent)
    return env


def render(name: str, folder: str | Path | None = None, **context: Any) -> str:
    """Render template ``name``; a missing or broken template is a :class:`ConfigError`."""
    import jinja2

    try:
        return environment(folder).get_template(name).render(**context)
    except jinja2.TemplateNotFound:
        raise ConfigError(f"template {name!r} was not found", hint="check --templates") from None
    except jinja2.TemplateSyntaxError as exc:
        raise ConfigError(
            f"template {exc.filename or name} is broken at line {exc.lineno}: {exc.message}"
        ) from None
    except jinja2.TemplateError as exc:
        raise ConfigError(f"template {name!r} could not be rendered: {exc}") from None
