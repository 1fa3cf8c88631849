"""bot log rows point at the bot's chat message, so the widget can rate an answer by message

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kb_bot_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_kb_bot_log_message_id'), ['message_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kb_bot_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kb_bot_log_message_id'))
        batch_op.drop_column('message_id')
