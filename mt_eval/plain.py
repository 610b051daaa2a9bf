"""Names and texts as plain text, whatever they hold.

Every output format has characters that mean something to it: rich markup
(``[bold]``), Markdown table syntax (``|``, newlines, raw HTML), XML (C0
control characters are not allowed at all), a terminal (ESC sequences). The
functions here make a string inert for one of them; names with control
characters are refused at input (``check_name``), so these are the second
line of defence, for texts such as file paths and reasons.
"""

from __future__ import annotations

import html
import re
from typing import Optional

from .errors import ConfigError

# C0 controls (except tab), DEL and C1 controls: never part of a name.
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
# Never in a name: every C0/C1 control (tab and newline too), DEL, and the
# Unicode line and paragraph separators.
_NOT_IN_NAME = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# Never in a metric's label either: besides the above, the invisible and
# direction-changing characters (zero-width, bidi embeddings, overrides and
# isolates, BOM) that would make a column header lie about what it says.
_NOT_IN_LABEL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
# What XML 1.0 cannot hold, even escaped.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def check_name(key: str, name: object) -> str:
    """A system or test-set name: non-empty, no control characters."""
    text = str(name)
    if not text.strip():
        raise ConfigError(f"{key}: a name is empty. Give every system and test set a visible name.")
    found = _NOT_IN_NAME.search(text)
    if found:
        raise ConfigError(f"{key}: the name {visible(text)!r} contains the control character {found.group()!r}. Use plain text for names.")
    return text


def label_problem(label: object) -> Optional[str]:
    """Why ``label`` cannot be a metric's label (one visible line of plain
    text, at most 40 characters), or None when it can."""
    if not isinstance(label, str) or not label.strip():
        return f"must be a non-empty line of plain text, found {label!r}"
    if len(label) > 40:
        return f"must be at most 40 characters, found {len(label)}"
    found = _NOT_IN_LABEL.search(label)
    if found:
        return f"contains the control or invisible character {found.group()!r}"
    return None


def visible(text: str) -> str:
    """Control characters (ESC above all) shown as escapes, so that nothing
    a file name or input holds can drive the terminal."""
    return _CONTROL.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), str(text))


def markdown_cell(text: str) -> str:
    """Text for a GitHub-flavoured Markdown table cell or list item: HTML
    escaped, pipes escaped, line breaks and controls made visible."""
    text = visible(str(text).replace("\r\n", " ").replace("\n", " ").replace("\r", " "))
    return html.escape(text, quote=False).replace("|", "\\|")


def markdown_code(text: str) -> str:
    """``text`` as one CommonMark/GFM code span, outside a table: it shows
    ``visible(text)`` exactly and nothing in it can end the span or become
    markup. The fence is one backtick longer than the longest run of
    backticks inside (a span closes only at a run of its own length); a
    space pads content that starts or ends with a backtick or a space (the
    parser removes exactly one from each end); line breaks and other
    controls are made visible, since a line break inside a span becomes a
    space and a blank line would end it. Inside a span nothing is HTML."""
    shown = visible(str(text))
    if not shown.strip(" "):
        return f"`{shown or ' '}`"  # only spaces: the parser keeps them all
    fence = "`" * (max(len(run) for run in re.findall(r"`+", shown) or [""]) + 1)
    pad = " " if shown[0] in "` " or shown[-1] in "` " else ""
    return f"{fence}{pad}{shown}{pad}{fence}"


def xml_text(text: str) -> str:
    """Text XML 1.0 can hold: characters it forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(text))
