"""Email, through Django's framework: https://docs.djangoproject.com/en/5.2/topics/email/

Production sends over SMTP (set EMAIL_HOST and its credentials); `make run` prints emails to the
worker's console (config.django.local); tests collect them in memory (Django's test runner).
"""

from config.env import env

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
# Seconds before an SMTP server that does not answer is given up on (the digest is tried again).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Backhaul <backhaul@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
