"""quick replies: each agent's pinned list and the shop's defaults (agent_id NULL)

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'quick_reply_sets',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('agent_id', sa.Integer(), nullable=True),
        sa.Column('items', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_by', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_quick_reply_sets_agent_id_agents'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_quick_reply_sets_shop_id_shops'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['updated_by'], ['agents.id'], name=op.f('fk_quick_reply_sets_updated_by_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_quick_reply_sets')),
        sa.UniqueConstraint('shop_id', 'agent_id', name=op.f('uq_quick_reply_sets_shop_id_agent_id')),
    )
    with op.batch_alter_table('quick_reply_sets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quick_reply_sets_shop_id'), ['shop_id'], unique=False)


def downgrade() -> None:
    op.drop_table('quick_reply_sets')
