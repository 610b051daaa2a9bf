"""testset.py, called directly: what a system's name may be."""

from __future__ import annotations

import codecs

import pytest

from conftest import DRAFT
from mt_eval.errors import ConfigError
from mt_eval.testset import _system_specs


@pytest.mark.parametrize("name, shown", [("a\\x01b", "control character"), ("bad\\x1b[31mred", "control character"), (" ", "empty")])
def test_names_with_control_characters_or_nothing_are_refused(name, shown):
    real = codecs.decode(name, "unicode_escape")
    with pytest.raises(ConfigError, match=shown):
        _system_specs({real: str(DRAFT)})
