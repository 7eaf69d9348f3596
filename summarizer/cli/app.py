"""The click group: commands listed in order, usage errors as one line, every failure turned into
a one-line message and an exit code (0 ok, 1 failed, 2 bad usage or input, 130 interrupted)."""

from __future__ import annotations

from typing import Any

import click

from summarizer.cli.messages import _DEBUG, PROG, _report, note
from summarizer.cli.options import debug_option


class _OneLineUsageError(click.UsageError):
    """A click usage error (bad option value, missing argument) shown as one line, like every other error."""

    def __init__(self, exc: click.UsageError, command: str) -> None:
        super().__init__(exc.message, exc.ctx)
        self.original = exc
        self.command = exc.ctx.command_path if exc.ctx is not None else command

    def show(self, file: Any = None) -> None:
        message = " ".join(self.original.format_message().split())
        if not message.endswith((".", "?", "!")):
            message += "."
        note(f"error: {message} See '{self.command} --help'.")


#: 'summarizer' alone shows the help through this error (click >= 8.2); it stays as it is.
_NO_ARGS_IS_HELP: tuple[type[Exception], ...] = tuple(
    t for t in [getattr(click.exceptions, "NoArgsIsHelpError", None)] if t is not None
)


def _one_line_usage(exc: click.UsageError, command: str) -> click.UsageError:
    if isinstance(exc, (_OneLineUsageError, *_NO_ARGS_IS_HELP)):
        return exc
    return _OneLineUsageError(exc, command)


_COMMAND = "summarizer.command"  # key in ctx.meta: the command path being parsed, for usage errors without a context


class _Group(click.Group):
    """Commands listed in the order they are defined; library and usage errors become one-line messages."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line_usage(exc, info_name or PROG) from exc

    def resolve_command(self, ctx: click.Context, args: list[str]) -> tuple[str | None, click.Command | None, list[str]]:
        name, command, rest = super().resolve_command(ctx, args)
        if command is not None:
            ctx.meta[_COMMAND] = f"{ctx.command_path} {command.name}"
        return name, command, rest

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line_usage(exc, ctx.meta.get(_COMMAND, ctx.command_path)) from exc
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except KeyboardInterrupt:
            ctx.exit(130)
        except Exception as exc:  # noqa: BLE001 - the one place every failure is turned into a message
            ctx.exit(_report(exc, debug=bool(ctx.meta.get(_DEBUG))))


@click.group(
    PROG,
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="""\b
Examples:
  summarizer summarize seeds/ukraine-istanbul-talks.txt
  summarizer summarize https://example.com/story.html --format html -o story.html
  summarizer config --check
  summarizer COMMAND --help

\b
Exit codes: 0 ok, 1 the summary failed (LLM or validation) or a batch input failed,
2 bad usage or input, 130 interrupted (Ctrl-C); batch with --via batch-api:
3 provider batch jobs still running (OUT not written yet).
""",
)
@click.version_option(package_name="summarizer", prog_name=PROG, message="%(prog)s %(version)s")
@debug_option
def cli() -> None:
    """Grounded, structured summaries of news about armed conflict.

    Every item (diplomacy, attacks, territory, sanctions) carries evidence copied
    verbatim from the article, with character offsets. Works with any
    OpenAI-compatible endpoint, or offline with the extractive backend.
    """
