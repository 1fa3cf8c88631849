"""routing: a transfer to a group waits in that group (never routed back to its sender), the buyer is told
once per serving agent, and agents learn which chats were requeued while they were away

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Server defaults fill the rows already there: no earlier conversation was pinned to a group.
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('group_pinned', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('transferred_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('announced_agent_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('moved_unseen', sa.Integer(), server_default='0', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('agents', schema=None) as batch_op:
        batch_op.drop_column('moved_unseen')
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('announced_agent_id')
        batch_op.drop_column('transferred_by_id')
        batch_op.drop_column('group_pinned')
