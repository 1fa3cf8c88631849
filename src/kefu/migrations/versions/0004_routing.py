"""routing: handoffs, greeting and escalation flags, break end

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'handoffs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('shop_id', sa.Integer(), nullable=False),
        sa.Column('conversation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('from_agent_id', sa.Integer(), nullable=True),
        sa.Column('to_agent_id', sa.Integer(), nullable=True),
        sa.Column('to_group', sa.String(length=32), nullable=True),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('tried_agent_ids', sa.String(length=255), nullable=False),
        sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('accepted_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                                name=op.f('fk_handoffs_conversation_id_conversations'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['from_agent_id'], ['agents.id'], name=op.f('fk_handoffs_from_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_handoffs_shop_id_shops'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['to_agent_id'], ['agents.id'], name=op.f('fk_handoffs_to_agent_id_agents'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handoffs')),
    )
    with op.batch_alter_table('handoffs', schema=None) as batch_op:
        batch_op.create_index('ix_handoffs_conversation', ['conversation_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoffs_shop_id'), ['shop_id'], unique=False)
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('greeted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('escalated', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presence_until', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('presence_until')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('escalated')
        batch_op.drop_column('greeted_at')
    op.drop_table('handoffs')
