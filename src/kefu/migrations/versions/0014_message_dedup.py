"""a buyer message reads and writes its conversation once: the buyer's last lines live in the row

The resend of a client_msg_id is looked up across the buyer's conversations through the indexes already
there (conversations.customer_id, then messages' unique (conversation_id, client_msg_id)).

Revision ID: 0014
Revises: 0012 (0013 once the event spine's migration lands)
"""
import sqlalchemy as sa
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL in the rows already there: their next buyer message reads the lines from the messages, once.
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('buyer_context', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('buyer_context')
