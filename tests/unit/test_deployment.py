"""The deployment files say what operators rely on: KRaft Kafka, health-gated start, no root."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def env_of(service: dict) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: str(value) for key, value in env.items()}


class TestKafkaService:
    def test_kafka_is_the_official_apache_image(self, services):
        assert services["kafka"]["image"].startswith("apache/kafka:")

    def test_kafka_runs_single_node_kraft_without_zookeeper(self, services):
        env = env_of(services["kafka"])
        assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
        assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"].startswith(f"{env['KAFKA_NODE_ID']}@kafka:")
        assert not any("ZOOKEEPER" in key for key in env)

    def test_containers_and_host_tools_each_have_a_listener(self, services):
        advertised = env_of(services["kafka"])["KAFKA_ADVERTISED_LISTENERS"]
        assert "kafka:9092" in advertised
        assert "localhost:29092" in advertised
        assert any(str(port).endswith("29092:29092") for port in services["kafka"]["ports"])

    def test_kafka_has_a_healthcheck(self, services):
        check = services["kafka"]["healthcheck"]
        assert "kafka-broker-api-versions" in " ".join(check["test"])
        assert check["retries"] >= 1


class TestAppServices:
    @pytest.mark.parametrize("name", ["worker", "api"])
    def test_waits_for_a_healthy_kafka(self, services, name):
        assert services[name]["depends_on"]["kafka"]["condition"] == "service_healthy"

    @pytest.mark.parametrize("name", ["worker", "api"])
    def test_talks_to_kafka_on_the_internal_listener(self, services, name):
        assert env_of(services[name])["MUSTER_KAFKA_BOOTSTRAP"] == "kafka:9092"

    @pytest.mark.parametrize(
        ("name", "command"), [("worker", "muster worker"), ("api", "muster api")]
    )
    def test_runs_the_muster_command(self, services, name, command):
        given = services[name]["command"]
        assert (given if isinstance(given, str) else " ".join(given)) == command

    def test_two_workers_share_the_partitions(self, services):
        workers = [s for s in services.values() if " ".join(s.get("command", [])) == "muster worker"
                   and not s.get("profiles")]
        assert sum(s.get("deploy", {}).get("replicas", 1) for s in workers) >= 2

    def test_only_the_proxy_is_published_on_8000_and_the_api_is_not(self, services):
        assert any(str(port).startswith("8000:") for port in services["proxy"]["ports"])
        assert "ports" not in services["api"]

    @pytest.mark.parametrize("name", ["worker", "api", "worker-secure", "api-secure"])
    def test_development_mode_is_off(self, services, name):
        assert env_of(services[name])["MUSTER_DEV_MODE"] in ("0", "false")

    def test_the_token_secret_is_required_not_defaulted(self, services):
        for name in ("worker", "api"):
            secret = env_of(services[name])["MUSTER_TOKEN_SECRET"]
            assert re.fullmatch(r"\$\{MUSTER_TOKEN_SECRET:\?[^}]+\}", secret), secret

    def test_no_wildcard_cors_origin(self):
        text = (ROOT / "docker-compose.yml").read_text()
        for line in text.splitlines():
            if "CORS" in line and not line.lstrip().startswith("#"):
                assert "*" not in line, line


@pytest.fixture(scope="module")
def nginx() -> str:
    return (ROOT / "deploy" / "nginx.conf").read_text()


class TestReverseProxy:
    def test_the_proxy_runs_unprivileged_nginx_with_our_configuration_after_a_healthy_api(self, services):
        proxy = services["proxy"]
        assert proxy["image"].startswith("nginxinc/nginx-unprivileged:")
        assert "./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro" in proxy["volumes"]
        assert proxy["depends_on"]["api"]["condition"] == "service_healthy"
        assert services["api"]["healthcheck"]

    def test_the_proxy_forwards_to_the_api_and_the_api_trusts_it_to_name_clients(self, services, nginx):
        assert re.search(r"server api:8000;", nginx)
        assert "proxy_set_header X-Forwarded-For $remote_addr;" in nginx  # replaced, never appended
        assert env_of(services["api"])["MUSTER_FORWARDED_ALLOW_IPS"]

    @pytest.mark.parametrize("directive", ["client_header_timeout", "client_body_timeout", "send_timeout",
                                           "keepalive_timeout", "proxy_read_timeout"])
    def test_slow_clients_meet_timeouts(self, nginx, directive):
        seconds = [int(v) for v in re.findall(rf"^\s*{directive} (\d+)s;", nginx, re.M)]
        assert seconds and min(seconds) <= 30, directive

    def test_bodies_rates_and_connections_are_limited_and_headers_set(self, nginx):
        assert re.search(r"^\s*client_max_body_size 1m;", nginx, re.M)
        assert re.search(r"^\s*limit_req zone=per_address", nginx, re.M)
        assert re.search(r"^\s*limit_conn connections_per_address \d+;", nginx, re.M)
        for header in ("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"):
            assert re.search(rf'^\s*add_header {header} "[^"]+" always;', nginx, re.M), header

    def test_event_streams_pass_unbuffered(self, nginx):
        events = nginx[nginx.index("location = /v1/events"):]
        assert "proxy_buffering off;" in events[:events.index("}")]

    def test_every_brace_is_closed(self, nginx):
        text = re.sub(r"#.*", "", nginx)
        assert text.count("{") == text.count("}")


@pytest.fixture(scope="module")
def secure(services) -> dict:
    return {name: s for name, s in services.items() if "secure" in s.get("profiles", [])}


class TestSecureProfile:
    def test_has_a_worker_and_an_api(self, secure):
        commands = {" ".join(s["command"]) for s in secure.values()}
        assert commands == {"muster worker", "muster api"}

    def test_passes_sasl_ssl_scram_settings(self, secure):
        for service in secure.values():
            env = env_of(service)
            assert env["MUSTER_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
            assert "SCRAM" in env["MUSTER_KAFKA_SASL_MECHANISM"]
            for key in ("MUSTER_KAFKA_SASL_USERNAME", "MUSTER_KAFKA_SASL_PASSWORD",
                        "MUSTER_KAFKA_SSL_CAFILE"):
                assert key in env

    def test_does_not_break_the_default_profile_with_required_variables(self, secure):
        # Compose interpolates services of inactive profiles too; only the token secret,
        # which every profile needs, may be required.
        for service in secure.values():
            for key, value in env_of(service).items():
                if key != "MUSTER_TOKEN_SECRET":
                    assert ":?" not in value, key


@pytest.fixture(scope="module")
def instructions() -> list[tuple[str, str]]:
    """The Dockerfile as (INSTRUCTION, arguments), continuation lines joined, comments dropped."""
    path = ROOT / "Dockerfile"
    assert path.is_file()
    text = re.sub(r"\\\n", " ", path.read_text())
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in (raw.strip() for raw in text.splitlines())
        if line and not line.startswith("#")
    ]


class TestDockerfile:
    def test_starts_from_python_3_11_slim(self, instructions):
        assert instructions[0] == ("FROM", "python:3.11-slim")

    def test_does_not_run_as_root(self, instructions):
        users = [arg.strip() for op, arg in instructions if op == "USER"]
        assert users, "no USER instruction: the container would run as root"
        assert users[-1].split(":")[0] not in {"root", "0"}

    def test_copies_every_package_the_project_installs(self, instructions):
        copied = {arg.split()[0].rstrip("/") for op, arg in instructions if op == "COPY"}
        assert {"core", "muster", "handlers", "geo", "streams", "api", "bus"} <= copied

    def test_leaves_development_mode_off_and_sets_no_token_secret(self, instructions):
        env = " ".join(arg for op, arg in instructions if op == "ENV")
        assert "MUSTER_DEV_MODE=0" in env and "MUSTER_TOKEN_SECRET" not in env

    def test_serves_the_api_by_default(self, instructions):
        cmd = [arg for op, arg in instructions if op == "CMD"][-1]
        assert cmd.replace(" ", "") == '["muster","api"]'
