from switchyard.common.messaging import KafkaSettings, all_topics, dead_letter_topic, producer_options
from switchyard.common.settings import load_settings


def test_settings_come_from_kafka_variables():
    settings = load_settings(
        KafkaSettings,
        prefix="KAFKA_",
        environ={"KAFKA_BOOTSTRAP_SERVERS": "a:1, b:2", "KAFKA_TOPIC_PREFIX": "t-"},
    )

    assert settings.servers == ["a:1", "b:2"]
    assert settings.topic("users.user-created.v1") == "t-users.user-created.v1"


def test_every_producer_is_durable():
    options = producer_options(KafkaSettings(bootstrap_servers="a:1"))

    assert options["acks"] == "all"
    assert options["enable_idempotence"] is True


def test_all_topics_cover_catalog_and_dead_letters_under_the_prefix():
    topics = all_topics("p-")

    assert "p-auth.account-registered.v1" in topics
    assert f"p-{dead_letter_topic('notifications')}" == "p-notifications.dead-letter"
    assert "p-notifications.dead-letter" in topics
    assert all(t.startswith("p-") for t in topics)
