"""PostgreSQL numbers a shop's events inside COMMIT (a deferred trigger), not in the writer's last statement

Before, a writer advanced its shop's event counter in its last statement and held that row's lock until its
COMMIT arrived, a round trip and an event-loop turn later: every commit of the shop waited in that line, and
at a few hundred lines a second the chat's latency went in waves. Now the event is inserted without a
position and a constraint trigger, deferred to COMMIT, advances the counter and sets the position there: the
lock lives only while the server commits. SQLite (one writer) keeps numbering in the writer.

Revision ID: 0016
Revises: 0015
"""
import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION kefu_number_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  p bigint;
BEGIN
  INSERT INTO event_streams (shop_id, last_pos) VALUES (NEW.shop_id, 1)
    ON CONFLICT (shop_id) DO UPDATE SET last_pos = event_streams.last_pos + 1
    RETURNING last_pos INTO p;
  UPDATE events SET pos = p WHERE id = NEW.id;
  RETURN NULL;
END
$$"""

TRIGGER = """
CREATE CONSTRAINT TRIGGER events_number_at_commit AFTER INSERT ON events
  DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.pos IS NULL)
  EXECUTE FUNCTION kefu_number_event()"""


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch:
        batch.alter_column('pos', existing_type=sa.BigInteger(), nullable=True)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(FUNCTION)
        op.execute(TRIGGER)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP TRIGGER IF EXISTS events_number_at_commit ON events")
        op.execute("DROP FUNCTION IF EXISTS kefu_number_event()")
    with op.batch_alter_table('events', schema=None) as batch:
        batch.alter_column('pos', existing_type=sa.BigInteger(), nullable=False)
