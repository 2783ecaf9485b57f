"""The local broker's cluster layout and configuration, and the durability settings, without a broker."""
from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bus.topics import ALL, HOURS
from core.settings import Settings
from muster import broker


def properties(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    return dict(pairs)


class TestNodes:
    def test_a_single_broker_keeps_its_home_and_the_port_above_for_its_controller(self, tmp_path):
        [node] = broker.nodes_for(19092, tmp_path)
        assert (node.id, node.port, node.controller_port, node.home) == (1, 19092, 19093, tmp_path.resolve())

    def test_each_node_of_a_cluster_gets_its_own_home_and_two_ports(self, tmp_path):
        nodes = broker.nodes_for(20100, tmp_path, 3)
        assert [n.id for n in nodes] == [1, 2, 3]
        assert [(n.port, n.controller_port) for n in nodes] == [(20100, 20101), (20102, 20103), (20104, 20105)]
        assert [n.home for n in nodes] == [tmp_path.resolve() / f"node-{i}" for i in (1, 2, 3)]

    def test_the_bootstrap_list_names_every_node(self, tmp_path):
        assert broker.bootstrap_of(broker.nodes_for(20100, tmp_path, 3)) == (
            "127.0.0.1:20100,127.0.0.1:20102,127.0.0.1:20104")

    def test_a_cluster_of_no_nodes_is_refused(self, tmp_path):
        with pytest.raises(broker.BrokerError, match="at least one node"):
            broker.nodes_for(20100, tmp_path, 0)


class TestReplication:
    @pytest.mark.parametrize(("count", "expected"), [(1, (1, 1)), (2, (2, 1)), (3, (3, 2)), (5, (3, 2))])
    def test_three_copies_two_in_sync_where_the_nodes_allow(self, count, expected):
        assert broker.replication_for(count) == expected


class TestServerProperties:
    @pytest.fixture
    def cluster(self, tmp_path) -> list[broker.Node]:
        return broker.nodes_for(20100, tmp_path, 3)

    def test_every_node_is_broker_and_controller_of_one_three_voter_quorum(self, cluster):
        written = [properties(broker.server_properties(node, cluster)) for node in cluster]
        assert [p["node.id"] for p in written] == ["1", "2", "3"]
        assert {p["controller.quorum.voters"] for p in written} == {
            "1@127.0.0.1:20101,2@127.0.0.1:20103,3@127.0.0.1:20105"}
        assert all(p["process.roles"] == "broker,controller" for p in written)

    def test_each_node_listens_and_keeps_data_on_its_own(self, cluster):
        second = properties(broker.server_properties(cluster[1], cluster))
        assert second["listeners"] == "PLAINTEXT://127.0.0.1:20102,CONTROLLER://127.0.0.1:20103"
        assert second["advertised.listeners"] == "PLAINTEXT://127.0.0.1:20102"
        assert second["log.dirs"] == str(cluster[1].home / "data")

    def test_a_cluster_of_three_keeps_three_copies_and_acknowledges_with_two(self, cluster):
        written = properties(broker.server_properties(cluster[0], cluster))
        for key in ("default.replication.factor", "offsets.topic.replication.factor",
                    "transaction.state.log.replication.factor", "share.coordinator.state.topic.replication.factor"):
            assert written[key] == "3", key
        for key in ("min.insync.replicas", "transaction.state.log.min.isr", "share.coordinator.state.topic.min.isr"):
            assert written[key] == "2", key
        assert written["unclean.leader.election.enable"] == "false"

    def test_a_single_broker_keeps_one_copy(self, tmp_path):
        [node] = broker.nodes_for(19092, tmp_path)
        written = properties(broker.server_properties(node, [node]))
        assert written["controller.quorum.voters"] == "1@127.0.0.1:19093"
        assert written["offsets.topic.replication.factor"] == written["min.insync.replicas"] == "1"


class TestClusterId:
    def test_a_node_formatted_again_joins_the_cluster_of_the_others(self, tmp_path):
        nodes = broker.nodes_for(20100, tmp_path, 3)
        data = nodes[1].home / "data"
        data.mkdir(parents=True)
        (data / "meta.properties").write_text("version=1\ncluster.id=bXVzdGVyLWNsdXN0ZXI\nnode.id=2\n")
        assert broker._cluster_id_of(nodes) == "bXVzdGVyLWNsdXN0ZXI"

    def test_a_new_cluster_gets_a_new_id(self, tmp_path: Path):
        nodes = broker.nodes_for(20100, tmp_path, 3)
        assert broker._cluster_id_of(nodes) != broker._cluster_id_of(nodes)


class TestDurabilitySettings:
    def test_single_node_defaults(self):
        settings = Settings()
        assert (settings.replication_factor, settings.min_insync_replicas) == (1, 1)

    def test_more_replicas_in_sync_than_exist_is_refused(self):
        with pytest.raises(ValidationError, match="MIN_INSYNC_REPLICAS"):
            Settings(replication_factor=2, min_insync_replicas=3)

    def test_every_topic_is_created_with_the_in_sync_minimum(self):
        settings = Settings(replication_factor=3, min_insync_replicas=2)
        assert all(spec.configs(settings)["min.insync.replicas"] == "2" for spec in ALL)
        assert HOURS.configs(Settings())["min.insync.replicas"] == "1"
