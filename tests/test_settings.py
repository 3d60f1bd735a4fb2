"""Settings: production refuses to start without its secrets and passes check --deploy;
DEBUG is off unless asked for."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "STATION_MODE": "production",
    "DJANGO_SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-" + "x" * 20,
    "DJANGO_ALLOWED_HOSTS": "trading.example.gov.cn",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/unused",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "LEDGER_ORIGIN": "trading.example.gov.cn/ledger",
    "LEDGER_SIGNING_KEY_FILE": "/run/secrets/ledger.key",
    "STATION_SITE_URL": "https://trading.example.gov.cn",
}


def manage(*args, env):
    base = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k not in ("DJANGO_DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE")}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env},
                          capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "DATABASE_URL", "CELERY_BROKER_URL",
                                     "LEDGER_SIGNING_KEY_FILE", "DJANGO_ALLOWED_HOSTS", "LEDGER_ORIGIN",
                                     "STATION_SITE_URL"])
def test_production_refuses_to_start_without(missing):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert missing in result.stderr


def test_production_refuses_debug():
    result = manage("check", env={**PRODUCTION_ENV, "DJANGO_DEBUG": "1"})
    assert result.returncode != 0 and "DJANGO_DEBUG" in result.stderr


def test_debug_is_off_by_default(settings):
    assert settings.DEBUG is False


def test_production_refuses_sandbox_acceleration():
    result = manage("check", env={**PRODUCTION_ENV, "SANDBOX_TIME_FACTOR": "1440"})
    assert result.returncode != 0 and "SANDBOX_TIME_FACTOR" in result.stderr


@pytest.mark.parametrize("value", ["13", "21", "seventeen"])
def test_the_scrypt_cost_of_custodian_keys_is_refused_outside_14_to_20(value):
    result = manage("check", env={"CUSTODIAN_SCRYPT_LOG2_N": value})
    assert result.returncode != 0 and "CUSTODIAN_SCRYPT_LOG2_N must be a whole number from 14 to 20" in result.stderr


def test_the_scrypt_cost_of_custodian_keys_defaults_to_owasp_guidance():
    env = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "CUSTODIAN_SCRYPT_LOG2_N"}
    result = subprocess.run([sys.executable, "manage.py", "shell", "-c",
                             "from django.conf import settings; print(settings.CUSTODIAN_SCRYPT_LOG2_N)"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "17"  # after the shell's note on its imports


def test_messages_have_their_own_queue_so_they_cannot_delay_the_clock():
    from config.celery import app

    router = app.amqp.router
    for name in ("trading.deliver_message", "trading.notify_waiting"):
        assert router.route({}, name)["queue"].name == "messages"
    for name in ("ledger.sequence", "trading.tick", "bidding.perform_draws"):
        assert router.route({}, name)["queue"].name == "celery"
    assert {q.name for q in app.amqp.queues.values()} >= {"celery", "messages"}
