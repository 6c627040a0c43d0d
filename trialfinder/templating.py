"""Jinja2 templates: the packaged ones, optionally overridden from a folder of the user's."""

from __future__ import annotations

import functools
import re
import textwrap
from collections.abc import Iterable, MutableMapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trialfinder.counting import counted
from trialfinder.errors import ConfigError
from trialfinder.geo import country_name
from trialfinder.wording import (
    category_words,
    other_names,
    phase_text,
    registry_text,
    status_text,
)

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

    import jinja2

PACKAGE = "trialfinder.templates"


@functools.cache
def _template_folder() -> Traversable:
    """The packaged templates; in a source checkout that is not installed, ``templates/``.

    setup.cfg maps the top-level ``templates/`` folder into the package as
    ``trialfinder.templates``; only an install makes that mapping, so code run straight from a
    checkout (``python -m trialfinder`` in its folder) finds the folder beside the package.
    """
    try:
        return resources.files(PACKAGE)
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / "templates"


def _packaged(name: str) -> str | None:
    resource = _template_folder().joinpath(name)
    return resource.read_text(encoding="utf-8") if resource.is_file() else None


_BULLET = re.compile(r"^([-*+•]|\d+[.)])\s")


# The width text is wrapped to when the template is not told one (``width`` in its context):
# lines longer than this are hard to follow, and it is what a file or a pipe gets.
TEXT_WIDTH = 88


def _indent(context: Any, text: str, width: int = 4, wrap: int | None = None, hang: int = 0) -> str:
    """Wrap each paragraph of ``text`` to ``wrap`` columns (by default the context's ``width``,
    else :data:`TEXT_WIDTH`) and indent it by ``width``, keeping bullet structure readable;
    with ``hang``, a paragraph's later lines go ``hang`` columns further in ("Conditions:
    ..."). A word longer than a line (a web address) is kept whole."""
    wrap = wrap or context.get("width") or TEXT_WIDTH
    lines = []
    for line in (text or "").splitlines():
        stripped = line.rstrip()
        if not stripped:
            lines.append("")
            continue
        body = stripped.lstrip()
        prefix = " " * (width + len(stripped) - len(body))
        # A list item's continuation lines line up with its text, after the bullet.
        hanging = "  " if _BULLET.match(body) else " " * hang
        lines.extend(
            textwrap.wrap(
                body,
                max(wrap - len(prefix), 20),
                initial_indent=prefix,
                subsequent_indent=prefix + hanging,
                break_long_words=False,
            )
            or [prefix]
        )
    return "\n".join(lines)


def _listed(items: Iterable[object], last: str = "and", quoted: bool = False) -> str:
    """ "A", "A and B", "A, B and C" ("or" for ``last``: "A, B or C"); with ``quoted``, each
    item in double quotes; "" for no items. A filter, so that a list costs no macro call."""
    said = [f'"{item}"' if quoted else str(item) for item in items]
    if len(said) <= 1:
        return "".join(said)
    return f"{', '.join(said[:-1])} {last} {said[-1]}"


def environment(folder: str | Path | None = None) -> jinja2.Environment:
    """A Jinja2 environment; templates in ``folder`` win over the packaged ones."""
    return _environment(None if folder is None else _resolved(str(folder)))


@functools.lru_cache(maxsize=8)
def _resolved(folder: str) -> str:
    """The user's template folder, checked and resolved once per process (not per summary)."""
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise ConfigError(
            f"template folder {str(path)!r} does not exist",
            hint="check --templates or TRIALFINDER_TEMPLATES",
        )
    return str(path.resolve())


@functools.lru_cache(maxsize=8)
def _environment(folder: str | None) -> jinja2.Environment:
    # One environment per folder, so that each template is compiled once per process (Jinja2
    # still reloads a user's template file when it changes).
    import jinja2

    loaders: list[jinja2.BaseLoader] = []
    if folder is not None:
        loaders.append(jinja2.FileSystemLoader(folder))
    loaders.append(jinja2.FunctionLoader(_packaged))
    env = _environment_class()(
        loader=jinja2.ChoiceLoader(loaders),
        # HTML templates (*.html.j2) escape every value; text templates stay as they are.
        autoescape=jinja2.select_autoescape(("html", "html.j2", "htm", "xml"), default=False),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(
        status_text=status_text,
        phase_text=phase_text,
        indent_wrap=jinja2.pass_context(_indent),
        counted=counted,
        country=country_name,
        category_words=category_words,
        other_names=other_names,
        registry_text=registry_text,
        listed=_listed,
    )
    return env


@functools.cache
def _environment_class() -> type[jinja2.Environment]:
    import jinja2

    class Environment(jinja2.Environment):
        """A Jinja2 environment whose templates' globals are one plain dict.

        Every render copies its template's globals into the new context: Jinja2's own globals,
        a chain of the template's over the environment's, are walked key by key in Python for
        that, a dict is copied in C. A copy sees what a chain does here: the environment's
        globals are set before any template is loaded and never changed.
        """

        def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
            return {**self.globals, **(d or {})}

    return Environment


def render(name: str, folder: str | Path | None = None, **context: Any) -> str:
    """Render template ``name``; a missing or broken template is a :class:`ConfigError`."""
    try:
        template = _packaged_template(name) if folder is None else _template(name, folder)
        text: str = template.render(**context)
    except Exception as exc:
        error = _config_error(exc, name, folder)
        if error is None:
            raise
        raise error from None
    return text


def check(names: Iterable[str], folder: str | Path | None = None) -> None:
    """Load (compile) templates up front, so a broken one stops a command before it starts."""
    for name in names:
        try:
            _template(name, folder)
        except Exception as exc:
            error = _config_error(exc, name, folder)
            if error is None:
                raise
            raise error from None


def _template(name: str, folder: str | Path | None) -> jinja2.Template:
    """Template ``name`` as the environment of ``folder`` has it: a user's template file is
    read again when it has changed since it was compiled."""
    return environment(folder).get_template(name)


@functools.lru_cache(maxsize=16)
def _packaged_template(name: str) -> jinja2.Template:
    """A packaged template, compiled once per process and then kept.

    The environment would give the same one each time (a packaged template is never reloaded:
    its loader gives no way to tell it has changed), but only after looking it up in its cache
    and checking it, on every call.
    """
    return _template(name, None)


def _config_error(exc: Exception, name: str, folder: str | Path | None) -> ConfigError | None:
    """The :class:`ConfigError` that ``exc``, raised loading or rendering template ``name``,
    is for the user; None when it is to be raised as it is (a ConfigError already, or a
    packaged template failing, which is a bug and not a configuration problem)."""
    import jinja2

    if isinstance(exc, jinja2.TemplateNotFound):
        missing = exc.name or name
        where = f" in {folder} or the built-in templates" if folder else ""
        return ConfigError(f"template {missing!r} was not found{where}", hint="check --templates")
    if isinstance(exc, jinja2.TemplateSyntaxError):
        return ConfigError(
            f"template {exc.filename or exc.name or name} is broken at line {exc.lineno}: "
            f"{exc.message}",
            hint="fix the template, or remove it to use the built-in one",
        )
    if isinstance(exc, jinja2.TemplateError):
        return ConfigError(f"template {name!r} could not be rendered: {exc}")
    if isinstance(exc, ConfigError) or folder is None:
        return None
    return ConfigError(
        f"template {name!r} could not be rendered: {exc.__class__.__name__}: {exc}",
        hint=f"check the templates in {folder}",
    )
