"""Screenshots the browser tests keep for people to look at: the whole page, var/artifacts/<folder>/<name>.png."""

from pathlib import Path

from playwright.sync_api import Page

from config.env import VAR_DIR


def screenshot(page: Page, name: str, *, folder: str = "") -> Path:
    directory = VAR_DIR / "artifacts" / folder if folder else VAR_DIR / "artifacts"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
