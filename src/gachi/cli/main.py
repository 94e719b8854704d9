"""`gachi` — the command-line entry point.

Each command group lives in its own module and registers itself on `app`. `run()` is the
console-script entry: it turns every `GachiError` into its rendered lines on stderr and exit
code 1, so no library error ever reaches a person as a traceback.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from gachi.errors import GachiError
from gachi.kernel.i18n import Lang, set_lang, t

app = typer.Typer(
    name="gachi",
    help="gachi (가치·같이): measure social value with published, reproducible formulas.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _root(
    lang: Annotated[
        str | None,
        typer.Option("--lang", help="Language of messages: ko (default) or en. Env: GACHI_LANG."),
    ] = None,
) -> None:
    """gachi (가치·같이): measure social value with published, reproducible formulas."""
    if lang is not None:
        if lang not in ("ko", "en"):
            raise typer.BadParameter("ko | en", param_hint="--lang")
        set_lang(lang)  # type: ignore[arg-type]


def _register() -> None:
    # Imported for their side effect of adding commands to `app`.
    from gachi.cli import catalog, db, explain, measure, report, serve, sroi  # noqa: F401


def render_error(err: GachiError, lang: Lang | None = None) -> str:
    return err.render(lang)


def run(argv: list[str] | None = None) -> int:
    """Console entry point; returns the exit code (also used by tests).

    Usage errors are Typer's own (printed with usage, exit code 2); a `GachiError` from the
    library is rendered as its lines on stderr with exit code 1.
    """
    _register()
    try:
        app(args=argv, prog_name="gachi", standalone_mode=True)
    except GachiError as err:
        print(render_error(err), file=sys.stderr)
        return 1
    except SystemExit as ex:
        code = ex.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    except KeyboardInterrupt:
        print(t("cli.interrupted"), file=sys.stderr)
        return 130
    except Exception as ex:
        # A bug of ours, not a mistake of the user's: one line that says so, never a traceback,
        # unless GACHI_DEBUG asks for it.
        if os.environ.get("GACHI_DEBUG"):
            raise
        print(
            f"internal-error: {t('cli.internal-error', None, kind=type(ex).__name__, detail=ex)}",
            file=sys.stderr,
        )
        return 1
    return 0


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
