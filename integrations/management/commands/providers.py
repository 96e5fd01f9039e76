"""`manage.py providers`: every registered provider with the addresses and deployment keys this deployment uses.

Each provider declares its production URL and the environment variables that replace it for the deployment
(integrations/providers/<slug>/declaration.py): this is where an operator sees them all, and which are set.
Key values are never printed, only whether they are set.
"""

import os
from typing import Any

from django.core.management.base import BaseCommand

from integrations.destinations import deployment_base_url
from integrations.registry import declarations


class Command(BaseCommand):
    help = "List the registered providers, the base URL each uses here, and the environment variables that set them."

    def handle(self, *args: Any, **options: Any) -> None:
        for declaration in declarations():
            url = deployment_base_url(declaration.slug) or "(none: set on each connection)"
            source = "from " + declaration.base_url_env if os.environ.get(declaration.base_url_env) else "default"
            self.stdout.write(f"{declaration.slug}  {declaration.display_name} ({declaration.role.replace('_', ' ')})")
            self.stdout.write(f"  base URL  {url}  [{source}; {declaration.base_url_env} replaces it]")
            for field in declaration.credential_fields:
                if field.deployment_env:
                    state = "set" if os.environ.get(field.deployment_env) else "not set"
                    self.stdout.write(f"  {field.label}  {field.deployment_env} is {state}")
            self.stdout.write(f"  sandbox   {declaration.sandbox_path}<account key>/")
