"""Behind the TLS proxy the log-in rate limits count each client, not the proxy: production
trusts one proxy's X-Forwarded-For (found by the load test, where 200 people logging in
through one address got 429 from the 31st log-in of the minute on)."""

import os
import subprocess
import sys

from allauth.core.internal.httpkit import get_client_ip
from django.test import RequestFactory, override_settings


def test_production_trusts_one_proxy_by_default():
    env = {**os.environ, "DJANGO_SECRET_KEY": "x" * 50, "DJANGO_ALLOWED_HOSTS": "example.cn",
           "REDIS_URL": "redis://127.0.0.1:6379/0", "DATABASE_URL": "postgres://u@127.0.0.1:5432/db"}
    env.pop("ALLAUTH_TRUSTED_PROXY_COUNT", None)
    code = "import platform4a1c.settings.production as p; print(p.ALLAUTH_TRUSTED_PROXY_COUNT)"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)  # noqa: S603
    assert result.stdout.strip() == "1"


@override_settings(ALLAUTH_TRUSTED_PROXY_COUNT=1)
def test_the_client_address_is_the_one_the_proxy_appended():
    request = RequestFactory().get("/accounts/login/", REMOTE_ADDR="10.0.0.2",
                                   HTTP_X_FORWARDED_FOR="203.0.113.9, 198.51.100.7")
    assert get_client_ip(request) == "198.51.100.7"  # the proxy's own entry; the first is the client's claim
    assert get_client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.2")) == "10.0.0.2"
