"""What the ``headcount`` commands print, made safe for a terminal and a closed pipe.

Names in the inputs reach the terminal (``no scenario named ...``, a market in a message):
control characters are removed from everything printed, so an ANSI escape sequence or a
carriage return in a name cannot recolour, rewrite or hide lines (tabs and newlines stay;
bidirectional overrides, which reorder what is shown, go too). When the reader of stdout
goes away (``headcount plan DATA | head -3``), the rest of the output is dropped and the
command still finishes its work and writes its files.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

#: C0 controls but tab and newline, DEL, C1 controls, and the bidi embeddings/overrides
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """``text`` without control characters (tab and newline kept)."""
    return CONTROL.sub("", text)


class SafeStream(io.TextIOBase):
    """A text stream writing cleaned text to ``stream``; silent once its reader is gone."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                self.stream.write(clean(text))
            except BrokenPipeError:
                self._gone()
        return len(text)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._gone()

    def _gone(self) -> None:
        """The reader closed the pipe: send what is left (and the interpreter's final flush)
        to the null device instead of failing."""
        self.broken = True
        try:
            null = os.open(os.devnull, os.O_WRONLY)
            os.dup2(null, self.stream.fileno())
            os.close(null)
        except (OSError, ValueError, io.UnsupportedOperation):
            pass

    def isatty(self) -> bool:
        return bool(getattr(self.stream, "isatty", lambda: False)())

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.stream, "encoding", "utf-8")


@contextmanager
def safe_streams() -> Iterator[None]:
    """sys.stdout and sys.stderr as :class:`SafeStream` for the duration of a command."""
    old = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(sys.stdout), SafeStream(sys.stderr)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            stream.flush()
        sys.stdout, sys.stderr = old
