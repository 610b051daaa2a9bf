"""mt-eval: machine-translation evaluation with sacrebleu and COMET.

Library use::

    import mt_eval
    result = mt_eval.score(source=src_lines, references=[ref_lines], systems={"mine": hyp_lines})
    result.table(); result.save("reports/x")

or, with the typed config: ``mt_eval.evaluate(RunConfig(...))``.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("mt-eval")
except metadata.PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0.0.0+unknown"

from .api import Result, score  # noqa: E402
from .config import RunConfig  # noqa: E402
from .errors import ConfigError, InputError, MtEvalError  # noqa: E402
from .pipeline import evaluate  # noqa: E402
from .results import RunResult  # noqa: E402
from .testset import load_testset  # noqa: E402

__all__ = ["score", "Result", "evaluate", "RunConfig", "load_testset", "RunResult",
           "MtEvalError", "InputError", "ConfigError", "__version__"]
