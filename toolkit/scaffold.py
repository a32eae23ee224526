"""``aligndx init``: scaffold a new engagement folder (SPEC §1)."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from .config import SLUG_RE
from .exceptions import InputError
from .paths import SCAFFOLD_DIR

INPUT_FOLDERS = ("survey", "crm", "incentives")


def init_engagement(folder: str | Path, *, client_id: str | None = None,
                    client_name: str | None = None) -> Path:
    """Create *folder* with a commented ``engagement.toml`` and empty input folders.

    Parameters
    ----------
    folder : path
        New engagement folder; must not exist or be empty.
    client_id : str, optional
        Client slug; default derived from the folder name.
    client_name : str, optional
        Client's display name; default the folder name.

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    InputError
        The folder exists and is not empty, the client id is not a valid slug, or the name
        holds a line break or control character.
    """
    folder = Path(folder)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError(f"{folder}: already exists and is not empty; choose a new folder")
    cid = client_id or re.sub(r"[^a-z0-9-]+", "-", folder.name.lower()).strip("-")
    if not SLUG_RE.fullmatch(cid or ""):
        raise InputError(f"client id {cid!r} is not a valid slug: use lowercase letters, "
                         "digits and '-' only (give one with --id)")
    name = client_name or folder.name
    if any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in name):
        raise InputError(f"client name {name[:60]!r}: one line without control characters, "
                         "please")
    template = (SCAFFOLD_DIR / "engagement.toml").read_text(encoding="utf-8")
    # a TOML basic string: JSON's escapes (backslash, quote, \uXXXX) are TOML's too
    text = template.format(client_id=cid,
                           client_name=json.dumps(name, ensure_ascii=False)[1:-1])
    folder.mkdir(parents=True, exist_ok=True)
    for sub in INPUT_FOLDERS:
        (folder / sub).mkdir(exist_ok=True)
        (folder / sub / ".gitkeep").write_text("", encoding="utf-8")
    (folder / "engagement.toml").write_text(text, encoding="utf-8")
    return folder
