"""Write a development .env with fresh keys when it is missing (used by `make run`; no Django needed)."""

import re
import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def _generators() -> dict[str, str]:
    return {
        "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "SECRET_KEY": secrets.token_urlsafe(50),
    }


def fill_env_file(env_file: Path) -> list[str]:
    """Give each missing or empty key a fresh development value; return the names written.

    Only a real assignment counts: a commented-out line (as in .env.example) is not one, and an
    empty assignment is filled in place because the first assignment in the file wins.
    """
    lines = env_file.read_text().splitlines() if env_file.exists() else []
    written = []
    for name, value in _generators().items():
        pattern = re.compile(rf"^\s*(export\s+)?{name}\s*=\s*(.*)$")
        matches = [i for i, line in enumerate(lines) if pattern.match(line)]
        first = pattern.match(lines[matches[0]]) if matches else None
        if first is not None and first.group(2).strip(" '\""):
            continue
        if matches:
            lines[matches[0]] = f"{name}={value}"
        else:
            lines += ["# Written by `make run` for development only.", f"{name}={value}"]
        written.append(name)
    if written:
        env_file.write_text("\n".join(lines) + "\n")
    return written


def main() -> None:
    env_file = Path(__file__).resolve().parent.parent / ".env"
    if fill_env_file(env_file):
        sys.stdout.write(f"Wrote development keys to {env_file}\n")


if __name__ == "__main__":
    main()
