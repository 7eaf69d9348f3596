"""Prompt templates: Jinja files rendered with the article passed as data.

The templates live in the top-level ``prompts/`` folder and ship inside the
wheel as ``summarizer/prompts``. A user can point to their own folder
(``--prompts DIR``); it must hold ``system.j2`` and ``summarize.j2``.

The article's text is a *value* handed to the template, never template source,
so ``{{ 7*7 }}`` in an article reaches the LLM exactly as written. The rendered
messages are sent to instructor without ``context=``, so instructor never
renders them a second time.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

import jinja2

from summarizer.errors import UsageError
from summarizer.schema import Article

TEMPLATE_NAMES = ("system.j2", "summarize.j2")


def default_prompts_dir() -> Path:
    """The shipped templates: inside the installed package, or ``prompts/`` in a source checkout."""
    packaged = resources.files("summarizer") / "prompts"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "prompts"


@dataclass(frozen=True)
class Prompts:
    """A folder of templates, loaded once."""

    directory: Path

    @classmethod
    def load(cls, directory: str | Path | None = None) -> Prompts:
        """Templates from ``directory`` (a user's folder) or the shipped defaults."""
        path = Path(directory).expanduser() if directory else default_prompts_dir()
        missing = [name for name in TEMPLATE_NAMES if not (path / name).is_file()]
        if missing:
            raise UsageError(
                f"Prompt folder {path} lacks {', '.join(missing)}.",
                hint="Run 'summarizer prompts --export DIR' to get a complete set to edit.",
            )
        prompts = cls(path)
        prompts.templates  # parse now, so syntax errors surface before any request  # noqa: B018
        return prompts

    @cached_property
    def _env(self) -> jinja2.Environment:
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(self.directory)),
            undefined=jinja2.StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
        )

    @cached_property
    def templates(self) -> dict[str, jinja2.Template]:
        try:
            return {name: self._env.get_template(name) for name in TEMPLATE_NAMES}
        except jinja2.TemplateSyntaxError as exc:
            raise UsageError(
                f"Prompt template {exc.filename or exc.name} line {exc.lineno}: {exc.message}.",
                hint="Fix the template, or drop --prompts to use the defaults.",
            ) from exc

    @cached_property
    def version(self) -> str:
        """A short hash of the template sources: changes whenever a template changes."""
        digest = hashlib.sha256()
        for name in TEMPLATE_NAMES:
            digest.update((self.directory / name).read_bytes())
        return digest.hexdigest()[:12]

    def messages(self, article: Article) -> list[dict[str, str]]:
        """The chat messages for one article, with the article fenced as data."""
        variables = {"article": article, "fence": article.content_hash[:12]}
        try:
            system = self.templates["system.j2"].render(**variables)
            user = self.templates["summarize.j2"].render(**variables)
        except jinja2.UndefinedError as exc:
            raise UsageError(
                f"Prompt template uses an unknown variable: {exc.message}.",
                hint="Templates get 'article' (text, title, url, published, id) and 'fence'.",
            ) from exc
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]
