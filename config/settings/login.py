"""Login throttling with django-axes: repeated failures for one username from one address lock that pair out.

It guards every login that goes through django.contrib.auth.authenticate() with the request: the
admin's and the setup wizard's login pages and the invite page's login form. The API authenticates
with tokens and sessions, not passwords. Attempts and lockouts are in the admin (Axes).
https://django-axes.readthedocs.io/en/latest/4_configuration.html
"""

import datetime

from config.env import env

# Lock out a username *and* address pair: one attacker cannot lock a merchant out from elsewhere,
# and one address cannot try many passwords for a username.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
# The lockout ends by itself after the cool-off (and support can reset it sooner in the admin).
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# The client address behind TRUSTED_PROXY_COUNT reverse proxies (config/client_ip.py).
AXES_CLIENT_IP_CALLABLE = "config.client_ip.client_ip"
# axes' own log lines (set to ERROR in config/settings/logging.py; config/login_log.py logs instead) name
# only the lockout parameters, masked, should they be turned on: not the user agent as well.
AXES_VERBOSE = False
# Number of reverse proxies (load balancers) in front of the web processes that append to
# X-Forwarded-For. 0: use the connection's address, and ignore X-Forwarded-For (anyone can send it).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Accounts created through invite links, per client address (integrations/ratelimit.py's syntax: "N/period").
# Each invite is single-use, so this bounds what a leaked batch of links or a script can sign up.
INVITE_SIGNUP_RATE_LIMIT = env("INVITE_SIGNUP_RATE_LIMIT", default="10/hour")
