"""The single django-environ reader, and the project's base directory."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
# A developer's .env is read when present; real deployments set the environment directly.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
