"""Write a development .env with fresh keys when it is missing (used by `make run`; no Django needed)."""

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet


def main() -> None:
    env_file = Path(__file__).resolve().parent.parent / ".env"
    existing = env_file.read_text() if env_file.exists() else ""
    additions = []
    if "FIELD_ENCRYPTION_KEYS=" not in existing:
        additions.append(f"FIELD_ENCRYPTION_KEYS={Fernet.generate_key().decode()}")
    if "SECRET_KEY=" not in existing:
        additions.append(f"SECRET_KEY={secrets.token_urlsafe(50)}")
    if additions:
        with env_file.open("a") as handle:
            handle.write("\n".join(["# Written by `make run` for development only.", *additions, ""]))
        sys.stdout.write(f"Wrote development keys to {env_file}\n")


if __name__ == "__main__":
    main()
