from django.db import models
from knox.models import AbstractAuthToken


class BaseModel(models.Model):
    """Every table carries when it was created and last changed."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class ApiToken(AbstractAuthToken):
    """A REST API token (django-rest-knox's custom token model, KNOX_TOKEN_MODEL): knox keeps only the key's hash
    (`digest`) and its first 15 characters (`token_key`, how a person tells tokens apart), and an expiry; we add
    the name a person gave it. The key itself is printed once, by `manage.py issue_api_token`."""

    name = models.CharField(max_length=100, help_text='What the token is for, such as "warehouse sync script".')

    class Meta:
        verbose_name = "API token"
        ordering = ("-created",)

    def __str__(self) -> str:
        return f"{self.name} ({self.token_key}…, {self.user})"
