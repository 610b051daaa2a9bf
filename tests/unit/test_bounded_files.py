"""bounded_files.py: what is opened is checked as it is opened, so a FIFO
put in place of a file after the check is refused, never waited on."""

from __future__ import annotations

import os
import threading

import pytest

from mt_eval.bounded_files import check_bounded, open_regular
from mt_eval.errors import InputError


def test_a_fifo_swapped_in_after_the_check_is_refused_without_waiting(tmp_path):
    path = tmp_path / "hyp.en"
    path.write_text("a line\n", encoding="utf-8")
    assert check_bounded(path, "testset.systems.mine", 100, "testset.max_input_bytes", "hint") == 7
    path.unlink()
    os.mkfifo(path)  # what a race between the check and the open would leave
    outcome = []
    worker = threading.Thread(target=lambda: outcome.append(_refusal(path)), daemon=True)
    worker.start()
    worker.join(10)
    assert outcome and "a FIFO (named pipe), not a regular file" in outcome[0] and "testset.systems.mine" in outcome[0]


def _refusal(path) -> str:
    with pytest.raises(InputError) as refused:
        open_regular(path, "testset.systems.mine", "hint")
    return str(refused.value)


def test_a_regular_file_opens_blocking_as_usual(tmp_path):
    path = tmp_path / "hyp.en"
    path.write_bytes(b"x\n" * 10)
    with open_regular(path, "key", "hint") as stream:
        assert os.get_blocking(stream.fileno()) and stream.read() == b"x\n" * 10
