"""Data files as text: byte-order marks, a named encoding, binary files refused, bad bytes marked.

UTF-8, with or without a byte-order mark, is the default; UTF-16 and UTF-32 with their
byte-order mark (what spreadsheet programs save as "Unicode text") are recognised by it; any
other encoding is named by the caller (``--encoding cp1252``, ``latin-1``, ``gb18030``). Bad
bytes come in two kinds:

- a file that is not text: a NUL character in its first 64 KiB, or bytes that do not decode
  before the end of its first line (the header) → :class:`InputError` naming the file, the byte
  offset and the ``--encoding`` hint;
- bytes that do not decode further on: each becomes a marker, the lone surrogate U+DC00 + byte
  (no decoder makes one from valid input), so that the row holding it is rejected
  (:func:`bad_character`) and the rest of the file is still read.
"""

from __future__ import annotations

import codecs
import io
from pathlib import Path
from typing import IO

from shopgraph.graphstore.core.errors import InputError

MARK = "shopgraph-mark-undecodable"
"""The codec error handler that turns each undecodable byte into its marker."""
HEAD_BYTES = 1 << 16
"""How much of the file's start is checked for being text."""
ENCODING_HINT = (
    "if the file is text in another encoding, name it with --encoding "
    "(e.g. --encoding cp1252 for Western European, latin-1, gb18030 for Chinese)"
)

# UTF-32's little-endian mark starts with UTF-16's, so it is tried first.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16-be"),
)
_MARKS = range(0xDC00, 0xDD00)
_SURROGATES = range(0xD800, 0xE000)


def _mark(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return "".join(chr(0xDC00 + b) for b in error.object[error.start : error.end]), error.end


codecs.register_error(MARK, _mark)


def check_encoding(name: str) -> str:
    """The codec name of the text encoding ``name`` (``latin-1`` → ``iso8859-1``).

    Raises:
        InputError: ``name`` is not a text encoding Python knows.
    """
    try:
        b"".decode(name)
        return codecs.lookup(name).name
    except LookupError:
        raise InputError(f"unknown text encoding {name!r} (e.g. utf-8, utf-16, cp1252, latin-1, gb18030)") from None


def _family(codec: str) -> str:
    return codec[:6] if codec.startswith(("utf-16", "utf-32")) else "utf-8" if codec.startswith("utf-8") else codec


def _choose(head: bytes, encoding: str | None) -> tuple[str, str, int]:
    """``(codec to read with, codec to check the head with, length of the byte-order mark)``."""
    bom = next(((mark, reading, plain) for mark, reading, plain in _BOMS if head.startswith(mark)), None)
    if encoding is None:
        return ("utf-8-sig", "utf-8", 0) if bom is None else (bom[1], bom[2], len(bom[0]))
    codec = check_encoding(encoding)
    if bom is not None and _family(codec) == _family(bom[2]):
        return bom[1], bom[2], len(bom[0])
    if _family(codec) == "utf-8":
        return "utf-8-sig", "utf-8", 0
    if codec in ("utf-16", "utf-32"):
        # Python's incremental decoders refuse these without a mark; Windows writes little-endian.
        return f"{codec}-le", f"{codec}-le", 0
    return codec, codec, 0


def _label(codec: str) -> str:
    return codec.upper() if codec.startswith("utf") else codec


def _nul_hint(head: bytes) -> str:
    """What a file with NUL bytes may be: UTF-16 without its mark has every other byte NUL."""
    sample = head[:512]
    odd, even = sample[1::2].count(0), sample[0::2].count(0)
    if odd > len(sample) // 4 and even == 0:
        return "it looks like UTF-16 without a byte-order mark: try --encoding utf-16-le"
    if even > len(sample) // 4 and odd == 0:
        return "it looks like UTF-16 without a byte-order mark: try --encoding utf-16-be"
    return ENCODING_HINT


def _check_head(path: Path, head: bytes, check: str, bom: int) -> None:
    """Raise InputError if ``head`` (the file's first bytes) is not text in the ``check`` codec."""
    body = head[bom:]
    final = len(head) < HEAD_BYTES
    try:
        text = codecs.getincrementaldecoder(check)("strict").decode(body, final=final)
    except UnicodeDecodeError as e:
        before = body[: e.start].decode(check, errors="replace")
        if "\n" in before or "\r" in before:
            # Past the header: the rows that hold such bytes are rejected one by one.
            text = before
        else:
            bad = body[e.start : e.end].hex(" ")
            raise InputError(
                f"{path}: not {_label(check)} text: undecodable bytes ({bad}) at byte offset {bom + e.start} "
                f"in the first line; {ENCODING_HINT}"
            ) from None
    nul = text.find("\x00")
    if nul >= 0:
        offset = bom + len(text[:nul].encode(check))
        hint = ENCODING_HINT if _family(check) in ("utf-16", "utf-32") else _nul_hint(head)
        raise InputError(f"{path}: not a text file: a NUL byte at byte offset {offset}; {hint}")


def open_text(path: Path, encoding: str | None = None) -> IO[str]:
    """Open the data file ``path`` as text, universal line ends kept as they are (``newline=""``).

    Args:
        path: a regular file.
        encoding: the file's encoding; None for UTF-8 (a byte-order mark skipped) or UTF-16/32
            with a byte-order mark.

    Returns:
        A text handle in which undecodable bytes beyond the first line read as markers.

    Raises:
        InputError: the file does not exist, is not a regular file or cannot be opened, the
            encoding is unknown, or the file's start is not text (NUL bytes, undecodable header).
    """
    if not path.is_file():
        raise InputError(f"{path}: {'not a regular file' if path.exists() else 'no such file'}")
    try:
        handle = path.open("rb")
    except OSError as e:
        raise InputError(f"cannot open {path}: {e.strerror}") from e
    try:
        head = handle.read(HEAD_BYTES)
        reading, check, bom = _choose(head, encoding)
        _check_head(path, head, check, bom)
        handle.seek(0)
    except OSError as e:
        handle.close()
        raise InputError(f"cannot read {path}: {e.strerror}") from e
    except BaseException:
        handle.close()
        raise
    return io.TextIOWrapper(handle, encoding=reading, errors=MARK, newline="")


def bad_character(text: str, where: str, marks: bool = True) -> str | None:
    """Why ``text`` cannot be loaded (undecodable bytes, a NUL, an unpaired surrogate) in ``where``, or None.

    ``marks``: whether ``text`` comes straight from the file, so that a surrogate in U+DC00-U+DCFF
    is an undecodable byte's marker; in text decoded from an escape (JSON's ``"\\udc80"``) it is not.
    """
    for char in text:
        code = ord(char)
        if code == 0:
            return f"a NUL character in {where}"
        if marks and code in _MARKS:
            return f"undecodable bytes (first: 0x{code - 0xDC00:02x}) in {where}; {ENCODING_HINT}"
        if code in _SURROGATES:
            return f"an unpaired UTF-16 surrogate (\\u{code:04x}) in {where}"
    return None


def printable(text: str) -> str:
    """``text`` with markers as ``\\xNN``, NULs as ``\\x00``, other surrogates as ``\\uNNNN``: writable as UTF-8."""
    if text.isascii() and "\x00" not in text:
        return text
    out = []
    for char in text:
        code = ord(char)
        if code in _MARKS:
            out.append(f"\\x{code - 0xDC00:02x}")
        elif code == 0:
            out.append("\\x00")
        elif code in _SURROGATES:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)
