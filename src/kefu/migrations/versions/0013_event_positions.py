"""event positions: each shop's events numbered 1, 2, 3, ... in commit order (the id clients see)

Events used to share one global id sequence, taken early in a transaction under a per-shop lock held to
commit. Now a transaction's events get their per-shop positions at commit from a counter row
(event_streams) that is always the last lock a writer takes.

Revision ID: 0013
Revises: 0012
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'event_streams',
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('last_pos', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_event_streams_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_event_streams')),
    )
    with op.batch_alter_table('events') as batch:
        batch.add_column(sa.Column('pos', sa.BigInteger(), nullable=True))
    op.execute("UPDATE events SET pos = r.rn FROM (SELECT id, row_number() OVER "
               "(PARTITION BY shop_id ORDER BY id) AS rn FROM events) AS r WHERE events.id = r.id")
    op.execute("INSERT INTO event_streams (shop_id, last_pos) SELECT shop_id, max(pos) FROM events GROUP BY shop_id")
    with op.batch_alter_table('events') as batch:
        batch.alter_column('pos', existing_type=sa.BigInteger(), nullable=False)
        batch.drop_index('ix_events_shop_id_id')
        batch.create_index('uq_events_shop_id_pos', ['shop_id', 'pos'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('events') as batch:
        batch.drop_index('uq_events_shop_id_pos')
        batch.create_index('ix_events_shop_id_id', ['shop_id', 'id'])
        batch.drop_column('pos')
    op.drop_table('event_streams')
