"""Deployments sharing a Redis server keep apart: the channels' namespace defaults to one derived from the database
URL (KEFU_NAMESPACE overrides it). Two deployments are two databases, so two namespaces."""

from __future__ import annotations


def namespace_for(url: str) -> str:
    from kefu.core.redisbus import namespace_for  # here, not at the top: a missing name fails these tests only

    return namespace_for(url)


def test_the_default_namespace_is_stable_and_differs_between_databases():
    a = namespace_for("postgresql://kefu@db1.internal:5432/shop_a")
    assert a == namespace_for("postgresql://kefu@db1.internal:5432/shop_a")  # every instance of one deployment
    assert len({a, namespace_for("postgresql://kefu@db1.internal:5432/shop_b"),
                namespace_for("postgresql://kefu@db2.internal:5432/shop_a"),
                namespace_for("sqlite:////srv/kefu/kefu.db")}) == 4


def test_the_namespace_does_not_spell_out_the_database_password():
    assert "s3cret" not in namespace_for("postgresql://kefu:s3cret@db1.internal:5432/shop_a")
