"""Production settings pass Django's deployment checklist, and a bad setting stops start-up."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "claims.example.org",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO",
    "DJANGO_SETTINGS_MODULE": "project.settings",
}


def manage(*args, **env):
    inherited = {"DEBUG", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True
    )


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_on():
    code = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS)"
    )
    result = manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.split()[-4:] == ["True", "True", "True", "31536000"], result.stderr


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEBUG", "maybe"),
        ("CONN_MAX_AGE", "forever"),
        ("RATE_LIMIT_TOKEN", "lots"),
        ("RATE_LIMIT_BATCH", "0"),
        ("SECRET_KEY", ""),
    ],
)
def test_a_bad_setting_stops_the_process_with_its_name(name, value):
    result = manage("check", **{**PRODUCTION, name: value})
    assert result.returncode != 0
    assert name in result.stderr
