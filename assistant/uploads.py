"""What a shopper sends the page's JSON API, read and checked before any model or query sees it.

A request body is JSON (a photo as base64 text) or ``multipart/form-data`` (a photo as a file
field). A photo is accepted only up to the size limit and only when its first bytes say JPEG,
PNG or WebP, whatever its name or declared type says. Every refusal is a :class:`RequestError`
that names the field and carries the HTTP status to answer with.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from shopgraph.graphstore.core.defaults import SERVE
from shopgraph.graphstore.core.errors import InputError

PHOTO_FIELD = "photo"
FORM_SLACK = 64 * 1024
"""Bytes a request may hold beyond its photo (its other fields, multipart boundaries)."""


class RequestError(InputError):
    """A request the API refuses: ``field`` names what is wrong (None: the request as a whole), ``status``
    is the HTTP status to answer (400 bad value, 411 no length, 413 too large, 415 wrong type)."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.field = field
        self.status = status


@dataclass(frozen=True)
class Photo:
    """An uploaded photo: its bytes and the kind its first bytes say (``jpeg``, ``png`` or ``webp``)."""

    data: bytes
    kind: str

    @property
    def suffix(self) -> str:
        """The file suffix of its kind (``.jpg``, ``.png``, ``.webp``)."""
        return ".jpg" if self.kind == "jpeg" else f".{self.kind}"


@dataclass(frozen=True)
class Form:
    """A request body's text fields and its photo (None when none was sent)."""

    fields: dict[str, str]
    photo: Photo | None

    def text(self, name: str, required: bool = False) -> str | None:
        """The field ``name`` stripped, None when absent or blank.

        Raises:
            RequestError: ``required`` and the field is absent or blank.
        """
        value = (self.fields.get(name) or "").strip()
        if not value and required:
            raise RequestError(f"{name} is required", name)
        return value or None


def photo_kind(data: bytes) -> str | None:
    """``jpeg``, ``png`` or ``webp`` from a file's first bytes (its magic number); None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def check_photo(data: bytes, max_bytes: int = SERVE.max_upload_bytes, field: str = PHOTO_FIELD) -> Photo:
    """``data`` as a :class:`Photo`, once it is not empty, at most ``max_bytes`` long and a JPEG, PNG or WebP.

    Raises:
        RequestError: empty (400), too large (413) or another kind of file (415); the message names ``field``.
    """
    if not data:
        raise RequestError(f"{field} is empty", field)
    if len(data) > max_bytes:
        raise RequestError(f"{field} is {len(data)} bytes; the most accepted is {max_bytes}", field, 413)
    kind = photo_kind(data)
    if kind is None:
        raise RequestError(f"{field} is not a JPEG, PNG or WebP image (its first bytes: {data[:8].hex()})", field, 415)
    return Photo(data, kind)


def body_limit(max_bytes: int = SERVE.max_upload_bytes) -> int:
    """The largest request body read: a photo of ``max_bytes`` as base64 (4/3 larger) plus :data:`FORM_SLACK`."""
    return (max_bytes + 2) // 3 * 4 + FORM_SLACK


def read_form(content_type: str | None, body: bytes, max_bytes: int = SERVE.max_upload_bytes) -> Form:
    """The fields and photo of a request body, JSON or ``multipart/form-data``.

    JSON: an object of text fields, the photo (if any) as base64 text (a ``data:`` URL prefix is
    allowed) in ``photo``. Multipart: text fields, the photo as the file field ``photo``.

    Raises:
        RequestError: another content type (415), JSON that does not parse or is not an object, a field
            that is not text, a photo that is not valid base64 or fails :func:`check_photo`.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json":
        return _json_form(body, max_bytes)
    if kind == "multipart/form-data":
        return _multipart_form(content_type or "", body, max_bytes)
    raise RequestError(
        f"the body is {kind or 'of no declared type'}; send application/json or multipart/form-data", None, 415
    )


def _json_form(body: bytes, max_bytes: int) -> Form:
    try:
        parsed: Any = json.loads(body or b"{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise RequestError(f"the body is not valid JSON: {e}") from e
    if not isinstance(parsed, dict):
        raise RequestError(f"the body must be a JSON object, got {type(parsed).__name__}")
    fields: dict[str, str] = {}
    for name, value in parsed.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise RequestError(f"{name} must be text, got {type(value).__name__}", name)
        fields[name] = str(value)
    encoded = fields.pop(PHOTO_FIELD, None)
    if encoded is None:
        return Form(fields, None)
    if encoded.startswith("data:"):
        encoded = encoded.partition(",")[2]
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as e:
        raise RequestError(f"{PHOTO_FIELD} is not valid base64: {e}", PHOTO_FIELD) from e
    return Form(fields, check_photo(data, max_bytes))


def _multipart_form(content_type: str, body: bytes, max_bytes: int) -> Form:
    message: Message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1") + body
    )
    if not message.is_multipart() or message.get_boundary() is None:
        raise RequestError("the multipart body has no boundary or no parts")
    fields: dict[str, str] = {}
    photo = None
    for part in message.get_payload():
        if not isinstance(part, Message):
            continue
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise RequestError("a multipart part has no name (Content-Disposition: form-data; name=...)")
        data = part.get_payload(decode=True)
        raw = data if isinstance(data, bytes) else b""
        if name == PHOTO_FIELD:
            photo = check_photo(raw, max_bytes) if raw or part.get_filename() is None else None
            continue
        try:
            fields[name] = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise RequestError(f"{name} is not UTF-8 text", name) from e
    return Form(fields, photo)


def positive_int(value: str | None, field: str, default: int, most: int = 100) -> int:
    """A query or form field as a whole number from 1 to ``most``; ``default`` when absent.

    Raises:
        RequestError: not a whole number in that range; the message names ``field``.
    """
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError as e:
        raise RequestError(f"{field} must be a whole number, got {value!r}", field) from e
    if not 1 <= number <= most:
        raise RequestError(f"{field} must be from 1 to {most}, got {number}", field)
    return number
