"""The deployment files say what operators rely on: KRaft Kafka, health-gated start, no root."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from core.settings import Settings

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
def production(services) -> dict:
    return {name: s for name, s in services.items() if "production" in s.get("profiles", [])}


@pytest.fixture(scope="module")
def brokers(production) -> dict:
    return {name: s for name, s in production.items() if s.get("image", "").startswith("apache/kafka:")}


class TestProductionProfile:
    def test_runs_three_brokers_a_worker_and_an_api(self, production, brokers):
        assert sorted(brokers) == ["kafka-1", "kafka-2", "kafka-3"]
        commands = sorted(" ".join(s["command"]) for s in production.values() if "command" in s)
        assert commands == ["muster api", "muster worker"]

    def test_every_broker_is_a_voter_of_one_three_node_kraft_quorum(self, brokers):
        envs = {name: env_of(s) for name, s in brokers.items()}
        assert sorted(env["KAFKA_NODE_ID"] for env in envs.values()) == ["1", "2", "3"]
        for name, env in envs.items():
            assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
            assert env["KAFKA_CONTROLLER_QUORUM_VOTERS"] == "1@kafka-1:9093,2@kafka-2:9093,3@kafka-3:9093"
            assert env["KAFKA_ADVERTISED_LISTENERS"] == f"INTERNAL://{name}:9092"
            assert not any("ZOOKEEPER" in key for key in env)
        assert len({env["CLUSTER_ID"] for env in envs.values()}) == 1

    def test_each_broker_keeps_its_data_on_its_own_volume(self, brokers):
        volumes = [s["volumes"][0].split(":")[0] for s in brokers.values()]
        assert len(set(volumes)) == 3 and "kafka-data" not in volumes

    def test_every_topic_keeps_three_copies_and_acknowledges_with_two(self, brokers):
        for env in (env_of(s) for s in brokers.values()):
            assert env["KAFKA_DEFAULT_REPLICATION_FACTOR"] == env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "3"
            assert env["KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR"] == "3"
            assert env["KAFKA_MIN_INSYNC_REPLICAS"] == env["KAFKA_TRANSACTION_STATE_LOG_MIN_ISR"] == "2"
            assert env["KAFKA_UNCLEAN_LEADER_ELECTION_ENABLE"] == "false"

    def test_each_broker_has_its_own_healthcheck(self, brokers):
        for name, service in brokers.items():
            assert f"--bootstrap-server {name}:9092" in " ".join(service["healthcheck"]["test"])

    def test_muster_creates_topics_with_three_replicas_two_in_sync_and_knows_every_broker(self, production, brokers):
        for service in production.values():
            if "command" not in service:
                continue
            env = env_of(service)
            assert env["MUSTER_KAFKA_BOOTSTRAP"].split(",") == [f"{name}:9092" for name in sorted(brokers)]
            assert (env["MUSTER_REPLICATION_FACTOR"], env["MUSTER_MIN_INSYNC_REPLICAS"]) == ("3", "2")
            assert {k.removeprefix("MUSTER_").lower() for k in env if k.startswith("MUSTER_")} <= set(Settings.model_fields)
            assert {name: dep["condition"] for name, dep in service["depends_on"].items()} == dict.fromkeys(brokers, "service_healthy")

    def test_does_not_start_with_the_default_profile_nor_require_more_variables(self, production):
        for service in production.values():
            assert service["profiles"] == ["production"]
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
