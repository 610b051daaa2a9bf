"""mt-eval: machine-translation evaluation with sacrebleu and COMET.

Library use::

    from mt_eval import evaluate, load_testset, RunResult
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("mt-eval")
except metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

from .pipeline import evaluate  # noqa: E402
from .results import RunResult  # noqa: E402
from .testset import load_testset  # noqa: E402

__all__ = ["evaluate", "load_testset", "RunResult", "__version__"]
