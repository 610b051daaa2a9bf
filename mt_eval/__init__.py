"""mt-eval: machine-translation evaluation with sacrebleu and COMET.

Library use::

    import mt_eval
    result = mt_eval.score(source=src_lines, references=[ref_lines], systems={"mine": hyp_lines})
    result.table(); result.save("reports/x")

or, with the typed config: ``mt_eval.run(RunConfig(...))`` (one run, as
the command does it: scoring or merging, the gate, the report set) or
``mt_eval.evaluate(RunConfig(...))`` (scores only).
"""

from __future__ import annotations

from .api import Result, score
from .config import RunConfig
from .errors import ConfigError, InputError, MtEvalError
from .gate import GateResult, Verdict
from .metrics import Metric, MetricInfo
from .pipeline import evaluate
from .report_loader import load_report
from .results import MetricResult, RunResult
from .runner import Outcome, run
from .testset import load_testset
from .version import __version__

__all__ = ["score", "Result", "run", "Outcome", "evaluate", "RunConfig", "load_testset", "load_report", "RunResult",
           "MetricResult", "GateResult", "Verdict", "Metric", "MetricInfo", "MtEvalError", "InputError", "ConfigError", "__version__"]
