"""django-csp's middleware, minus the policy nobody reads on a webhook's answer.

django-csp builds both policies (the header and the report-only one) for every response before it looks at
whether the view was exempted, which cost the webhook endpoint about 4 % of its CPU (bench/results). The
webhook endpoint answers machines with one line of plain text: no browser renders it, so it gets no policy,
and nothing is built for it. Every other response is handled by django-csp as before."""

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from django.http import HttpRequest
from django.http.response import HttpResponseBase

WEBHOOK_PATH_PREFIX = "/webhooks/"


class CSPMiddleware(BaseCSPMiddleware):
    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if request.path_info.startswith(WEBHOOK_PATH_PREFIX):
            return response
        return super().process_response(request, response)
