"""The command line checked before Hydra writes anything.

Hydra writes ``.hydra/`` (config.yaml, hydra.yaml, overrides.yaml) into a
job's folder, and ``multirun.yaml`` into a sweep's folder, before the task
function (and so any check inside it) runs; and it answers a bad override
with its own multi-line message, advising '+' for a key that does not
exist. So ``check_command_line`` composes the config first, through
Hydra's own loader with the same search path, overrides and run mode, and
for a sweep every job's config as the basic sweeper will make it, then:

- says what is wrong with an override in one message (a misspelt or
  invented key gets "did you mean" and the real keys, never "add '+'");
- checks each job's config against the schema (``config.check_config``:
  keys added with '+' or '++' included, every interpolation resolved) and
  the gate's and statistics' settings;
- checks that every folder Hydra will write into (the run folder, the
  sweep folder, the ``.hydra`` folder, a job log's folder) is a folder of
  its own: not the root, the home folder, the working directory or one
  above it, or a repository (the rule report folders follow).

Everything it sets up (Hydra's global state) is put back before the real
run starts; nothing is written.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import os
import re
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple

from omegaconf import AnyNode, DictConfig, OmegaConf, open_dict, read_write
from omegaconf.errors import OmegaConfBaseException

from .config import PLUS_NOTE, check_config, known_keys, removed_key_message, unknown_key_message, unresolved_message
from .errors import ConfigError
from .gate import check_settings as check_gate_settings
from .reports.folders import not_a_folder_of_its_own

CONFIG_MODULE = "pkg://mt_eval.conf"
BASIC_SWEEPER = "hydra._internal.core_plugins.basic_sweeper.BasicSweeper"


def check_command_line(arguments: Sequence[str], task_function: Callable[..., Any], config_name: str = "config") -> None:
    """Compose and check what ``mt-eval ARGUMENTS`` would run; a ConfigError
    says the first problem. Help, --info and shell completion are Hydra's."""
    from hydra._internal.utils import get_args_parser

    args = get_args_parser().parse_args(list(arguments))  # a malformed option: argparse's usage line, exit 2
    if args.help or args.hydra_help or args.info or args.shell_completion or args.experimental_rerun:
        return
    if args.run + args.multirun + (args.cfg is not None) > 1:  # Hydra would raise this with a traceback
        raise ConfigError("give only one of --run, --multirun (-m) and --cfg.")
    if args.resolve and not args.cfg:
        raise ConfigError("--resolve works only with --cfg (mt-eval --cfg job --resolve).")
    overrides = list(args.overrides)
    _check_syntax(overrides)
    with _hydra(args, task_function) as hydra:
        name = args.config_name or config_name
        if args.cfg:  # shown, not run: the config is checked, no folder is written
            _check_job(_compose(lambda: hydra.compose_config(name, overrides, run_mode=_run_mode().RUN), overrides), "hydra.run.dir", None, folders=False)
            return
        mode = _mode(hydra, name, overrides, bool(args.multirun))
        if mode == _run_mode().RUN:
            _check_job(_compose(lambda: hydra.compose_config(name, overrides, run_mode=mode), overrides), "hydra.run.dir", None)
            return
        master = _compose(lambda: hydra.compose_config(name, overrides, run_mode=mode), overrides)
        _check_folder("hydra.sweep.dir", _selected(master, "hydra.sweep.dir"))  # multirun.yaml goes there
        jobs = _sweep_jobs(master, hydra.config_loader)
        if jobs is None:  # another sweeper makes its jobs as it goes: each is checked again when it starts
            _check_job(master, "hydra.sweep.dir", None, folders=False)
        for number, job in enumerate(jobs or []):
            try:
                config = _compose(functools.partial(hydra.config_loader.load_sweep_config, master, list(job)), job)
                with open_dict(config):
                    config.hydra.job.id = number
                    config.hydra.job.num = number
                _check_job(config, "hydra.sweep.dir", "hydra.sweep.subdir")
            except ConfigError as error:  # the sweep starts only if every job can run
                raise ConfigError(f"multirun job {number} ({' '.join(job)}): {error}") from None


def _run_mode() -> Any:
    from hydra.types import RunMode

    return RunMode


def _mode(hydra: Any, name: str, overrides: List[str], multirun: bool) -> Any:
    """Run or multirun, and the override Hydra adds to say which (as
    ``hydra._internal.utils._run_app`` does)."""
    RunMode = _run_mode()
    mode = hydra.get_mode(config_name=name, overrides=overrides)
    if mode is None or (multirun and mode == RunMode.RUN):
        mode = RunMode.MULTIRUN if multirun else RunMode.RUN
        overrides.append(f"hydra.mode={mode.name}")
    return mode


@contextlib.contextmanager
def _hydra(args: Any, task_function: Callable[..., Any]) -> Iterator[Any]:
    """Hydra as ``hydra.main`` sets it up (search path, --config-dir), and
    its global state restored afterwards."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_automatic_config_search_path, detect_calling_file_or_module_from_task_function, detect_task_name
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    calling_file, calling_module = detect_calling_file_or_module_from_task_function(task_function)
    search_path = create_automatic_config_search_path(calling_file, calling_module, args.config_path or CONFIG_MODULE)
    if args.config_dir is not None:
        directory = os.path.abspath(args.config_dir)
        if not os.path.isdir(directory):
            raise ConfigError(f"--config-dir {args.config_dir}: no such folder.")
        from hydra.core.config_search_path import SearchPathQuery

        search_path.prepend(provider="command-line", path=f"file://{directory}", anchor=SearchPathQuery(provider="schema"))
    previous = HydraConfig.instance().cfg
    try:
        yield _compose(lambda: Hydra.create_main_hydra2(task_name=detect_task_name(calling_file, calling_module), config_search_path=search_path))
    finally:
        GlobalHydra.instance().clear()
        HydraConfig.instance().cfg = previous


def _sweep_jobs(master: DictConfig, loader: Any) -> Optional[List[List[str]]]:
    """Each job's overrides, in the basic sweeper's order (its job numbers);
    None for another sweeper."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if OmegaConf.select(master, "hydra.sweeper._target_") != BASIC_SWEEPER:
        return None
    params = [f"{key}={value}" for key, value in (master.hydra.sweeper.params or {}).items()]
    task = [str(override) for override in OmegaConf.to_container(master.hydra.overrides.task, resolve=False)]  # type: ignore[union-attr]
    parsed = _compose(lambda: OverridesParser.create(config_loader=loader).parse_overrides(params + task))
    batches = _compose(lambda: BasicSweeper.split_arguments(parsed, master.hydra.sweeper.max_batch_size))
    return [job for batch in batches for job in batch]


def _check_job(config: DictConfig, dir_key: str, subdir_key: Optional[str], folders: bool = True) -> None:
    """One job's config as its task will get it, and the folders Hydra
    writes for it (``hydra.core.utils.run_job``)."""
    from hydra.core.hydra_config import HydraConfig

    HydraConfig.instance().set_config(config)
    output = Path(_selected(config, dir_key))
    if subdir_key is not None:
        output = output / _selected(config, subdir_key)
    with read_write(config.hydra.runtime), open_dict(config.hydra.runtime):
        config.hydra.runtime.output_dir = os.path.abspath(output)
    HydraConfig.instance().set_config(config)
    task = copy.deepcopy(config)
    with read_write(task), open_dict(task):
        del task["hydra"]
    check_config(task)
    check_gate_settings(task.gate, task.stats)
    if folders:
        _check_creatable(subdir_key or dir_key, str(output))  # made even when Hydra writes nothing into it
        for key, folder in _written_folders(config, output, subdir_key or dir_key):
            _check_folder(key, folder)


def _written_folders(config: DictConfig, output: Path, key: str) -> List[Tuple[str, str]]:
    """The folders Hydra writes files into for one job: the job's folder and
    its ``.hydra`` (unless hydra.output_subdir=null), and each job log's folder."""
    folders: List[Tuple[str, str]] = []
    subdir = config.hydra.output_subdir
    if subdir is not None:
        folders += [(key, str(output)), ("hydra.output_subdir", str(output / str(subdir)))]
    handlers = OmegaConf.select(config, "hydra.job_logging.handlers") or {}
    for name in handlers:
        filename = _selected(config, f"hydra.job_logging.handlers.{name}.filename", required=False)
        if filename:
            folders.append((f"hydra.job_logging.handlers.{name}.filename", os.path.dirname(os.path.abspath(filename))))
    return folders


def _check_folder(key: str, folder: str) -> None:
    """Hydra's files go into a folder of the run's own, never the root, the
    home folder, the working directory or one above it, or a repository
    (the rule report folders follow, in reports/report_set.py)."""
    resolved = Path(os.path.realpath(folder))
    if not_a_folder_of_its_own(resolved):
        raise ConfigError(
            f"{key}: Hydra would write its files (.hydra/, multirun.yaml, logs) into {resolved}, which is not a folder of its own "
            "(the root, your home, the working directory or above it, or a repository). Name a folder for the run, "
            "e.g. hydra.run.dir=reports/run1 (hydra.sweep.dir for -m), or keep Hydra's files out with hydra.output_subdir=null."
        )
    _check_creatable(key, folder)


def _check_creatable(key: str, folder: str) -> None:
    """Hydra makes the folder (and its parents) before anything else: a file
    in the way or an unwritable parent would end the run in Hydra's traceback."""
    resolved = Path(os.path.realpath(folder))
    existing = resolved
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"{key}: {existing} is a file, so Hydra cannot make its folder {resolved} there. Name a folder.")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ConfigError(f"{key}: {existing} is not writable, so Hydra cannot write its files into {resolved}. Name a writable folder.")


def _selected(config: DictConfig, key: str, required: bool = True) -> str:
    try:
        value = OmegaConf.select(config, key, throw_on_missing=True)
    except OmegaConfBaseException as error:
        raise ConfigError(unresolved_message(key, _node(config, key), error)) from None
    if value is None and required:
        raise ConfigError(f"{key} is not set. Name the folder: {key}=PATH.")
    return "" if value is None else str(value)


def _node(config: DictConfig, key: str) -> Any:
    parent, _, leaf = key.rpartition(".")
    try:
        return OmegaConf.select(config, parent)._get_node(leaf)
    except Exception:  # only for the message: without the raw value it still names the key
        return None


# ------------------------------------------------------------------ Hydra's errors, said once
def _check_syntax(overrides: Sequence[str]) -> None:
    """Each override on its own through Hydra's grammar, so the message can
    name the one that cannot be read."""
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra.errors import HydraException

    parser = OverridesParser.create()
    for override in overrides:
        try:
            parsed = parser.parse_override(override)
        except HydraException as error:
            reason = " ".join(line.strip() for line in str(error).splitlines() if line.strip() and not line.startswith("See https"))
            reason = re.sub(r"^(LexerNoViableAltException|Error parsing override '.*?'):?\s*", "", reason)
            raise ConfigError(
                f"override {override!r} cannot be read ({reason or 'not KEY=VALUE'}). Write KEY=VALUE; quote a value holding spaces, "
                "commas, brackets or '$': KEY='a, b' (Hydra's override grammar: https://hydra.cc/docs/advanced/override_grammar/basic/)."
            ) from None
        if not parsed.key_or_group:
            raise ConfigError(f"override {override!r} names no key. Write KEY=VALUE, e.g. bleu.tokenize=intl.")


def _compose(step: Callable[[], Any], overrides: Sequence[str] = ()) -> Any:
    """Run one of Hydra's composition steps; its failure becomes one message."""
    try:
        return step()
    except ConfigError:
        raise
    except Exception as error:  # Hydra's composition answers a user's override with many kinds of exception
        raise ConfigError(hydra_error_message(error, overrides)) from None


def hydra_error_message(error: BaseException, overrides: Sequence[str] = ()) -> str:
    """Hydra's composition error in one line, naming the key; an unknown key
    gets mt-eval's "did you mean", never Hydra's advice to add it with '+'."""
    text = str(error)
    cause = error.__cause__
    cause_key = str(getattr(cause, "full_key", "") or "")
    cause_text = str(cause).splitlines()[0] if cause is not None and str(cause) else ""
    merging = re.match(r"Error merging override (\S+)", text)
    override = merging.group(1) if merging else ""
    missing = re.match(r"Could not override '([^']+)'", text) or re.match(r"Could not delete from config\. '([^']+)' does not exist", text)
    if override.startswith("~") or (missing and text.startswith("Could not delete")):
        key = override[1:] if override.startswith("~") else missing.group(1)  # type: ignore[union-attr]
        return removed_key_message(key) if key in known_keys() else f"{unknown_key_message(key)} There is nothing to remove."
    if missing or "not in" in cause_text and cause_key:
        key = cause_key or missing.group(1)  # type: ignore[union-attr]
        free = _free_mapping(key)
        if free:  # testset.systems.NAME: a free mapping, where '+' is the way to add an entry
            return f"{key}: {free} has no entry {key[len(free) + 1:]!r} to change. Add one with +{key}=VALUE, or give the whole mapping: {free}={{NAME:VALUE}}."
        return f"{unknown_key_message(key)} {PLUS_NOTE}"
    if cause_key and "is not a subclass of" in cause_text and _children(cause_key):
        children = _children(cause_key)
        return f"{cause_key} is a group of keys, not a value: set them one by one ({', '.join(children)}), e.g. {children[0]}=VALUE."
    if cause_key:
        return f"{override or cause_key}: {cause_text.rstrip('.')}."
    # E.g. a missing config group option: its choices, one a line, become a list.
    text = re.sub(r"^In '[^']*': ", "", text.split("Config search path", 1)[0])
    text = re.sub(r"\n\s*\n", ". ", text.strip())
    text = re.sub(r":?\n\t", lambda m: ": " if m.group(0).startswith(":") else ", ", text)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("See https")]
    said = " ".join(lines) or type(error).__name__
    # Name the override the message quotes (a config group's choice given as a failing interpolation, say).
    culprit = next((o for o in overrides if o.partition("=")[2] and o.partition("=")[2] in text), None)
    return f"override {culprit!r}: {said}" if culprit else said


def _free_mapping(key: str) -> Optional[str]:
    """The key of the schema's free mapping (typed Any, like testset.systems) that ``key`` is inside, if any."""
    from .config import RunConfig

    node: Any = OmegaConf.structured(RunConfig)
    parts = key.split(".")
    for end, part in enumerate(parts[:-1], start=1):
        node = node._get_node(part) if isinstance(node, DictConfig) and part in node.keys() else None
        if node is None:
            return None
        if isinstance(node, AnyNode):
            return ".".join(parts[:end])
    return None


def _children(section: str) -> List[str]:
    return [key for key in known_keys() if key.startswith(section + ".") and key.count(".") == section.count(".") + 1]


__all__ = ["check_command_line", "hydra_error_message"]
