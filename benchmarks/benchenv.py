"""What every benchmark that starts ``summarizer`` processes does first.

An editable install (``pip install -e``) imports the package from the checkout, where no bytecode
is cached when ``PYTHONDONTWRITEBYTECODE`` is set (as on this machine): every start-up then compiles
every module again, about 0.13 s of CPU that a user of ``pip install .`` (which compiles on install)
never pays. :func:`compile_package` writes the bytecode first, as pip does, so start-up is measured
as users see it.
"""

from __future__ import annotations

import compileall
from pathlib import Path

import summarizer


def compile_package() -> None:
    """Write (or refresh) the bytecode of the imported ``summarizer`` package, wherever it lives."""
    compileall.compile_dir(str(Path(summarizer.__file__).parent), quiet=1)
