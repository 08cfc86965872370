"""Which files an image ingestion reads, and why each other path it is given or finds cannot be read.

Files and folders named, folders searched recursively, glob patterns expanded. Every path that
cannot be read as a photo file is reported with its reason instead of being skipped without a
word: a path that does not exist, a dangling symbolic link or a link loop, a folder or a named
pipe with a photo's name (``x.jpg/``), a socket or device, a folder that cannot be listed.
Named pipes are never opened: reading one would wait for a writer forever.
"""

from __future__ import annotations

import errno
import glob
import os
import stat
from collections.abc import Iterable
from pathlib import Path

IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"})
"""Files a folder is searched for (files named explicitly are tried whatever their suffix)."""


def unreadable(path: Path) -> str | None:
    """Why ``path`` is not a regular file a photo can be read from, or None if it is one."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        if path.is_symlink():
            try:
                return f"dangling symbolic link to {os.readlink(path)}"
            except OSError:
                return "dangling symbolic link"
        return "no such file or directory"
    except OSError as e:
        return "symbolic link loop" if e.errno == errno.ELOOP else f"cannot read: {e.strerror}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file"
    if stat.S_ISSOCK(mode):
        return "a socket, not a file"
    return "a device, not a file" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"


class _Found:
    """Files in the order found (each once, by resolved path), and the paths that cannot be read (each once)."""

    def __init__(self) -> None:
        self.files: list[Path] = []
        self.problems: list[tuple[str, str]] = []
        self._files: set[Path] = set()
        self._problems: set[str] = set()

    def file(self, path: Path) -> None:
        key = path.resolve()
        if key not in self._files:
            self._files.add(key)
            self.files.append(path)

    def problem(self, path: str, reason: str) -> None:
        key = os.path.abspath(path)
        if key not in self._problems:
            self._problems.add(key)
            self.problems.append((path, reason))

    def named(self, path: Path) -> None:
        """A path named or matched: a folder is searched, anything else must be a readable file."""
        if path.is_dir():
            self.folder(path)
            return
        reason = unreadable(path)
        if reason is None:
            self.file(path)
        else:
            self.problem(str(path), reason)

    def folder(self, folder: Path) -> None:
        """The photos under ``folder``, sorted by name at each level; symbolic links to folders are not followed."""
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as e:
            self.problem(str(folder), f"cannot list the folder: {e.strerror}")
            return
        for entry in entries:
            path = Path(entry.path)
            photo_name = path.suffix.lower() in IMAGE_SUFFIXES
            if entry.is_dir(follow_symlinks=False):
                if photo_name:
                    self.problem(str(path), "a folder, not a file")
                self.folder(path)
            elif photo_name:
                reason = unreadable(path)
                if reason is None:
                    self.file(path)
                else:
                    self.problem(str(path), reason)


def folders_of(paths: Iterable[str | Path]) -> list[str]:
    """The resolved folders ``paths`` work in: a folder itself, a file's folder, a pattern's fixed part.

    What ``ingest images`` locks, one lock per folder however many files of it are named (a shell
    expands ``photos/*.jpg`` into thousands of arguments).
    """
    folders: set[str] = set()
    for item in paths:
        text = str(item)
        if not os.path.lexists(text) and glob.has_magic(text):
            parts = Path(text).parts
            fixed = next(i for i, part in enumerate(parts) if glob.has_magic(part))
            text = str(Path(*parts[:fixed])) if fixed else "."
        elif not os.path.isdir(text):
            text = os.path.dirname(os.path.abspath(text))
        folders.add(os.path.realpath(text))
    return sorted(folders)


def find_photos(paths: Iterable[str | Path]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files named by ``paths``: files as given, folders searched recursively, glob patterns expanded.

    Folders contribute the entries with an image suffix (``IMAGE_SUFFIXES``, any case), in sorted
    order; a file named explicitly is kept whatever its suffix. Duplicates (the same resolved
    path) are dropped.

    Returns:
        ``(files, problems)``: the regular files in order, and ``(path, reason)`` for every path
        that cannot be read (see :func:`unreadable`) and every pattern that matches nothing.
    """
    found = _Found()
    for item in paths:
        path = Path(item)
        if not os.path.lexists(path) and glob.has_magic(str(item)):
            matches = sorted(glob.glob(str(item), recursive=True))
            if not matches:
                found.problem(str(item), "no file matches this pattern")
            for match in matches:
                found.named(Path(match))
        else:
            found.named(path)
    return found.files, found.problems
