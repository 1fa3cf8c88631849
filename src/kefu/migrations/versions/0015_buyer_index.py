"""a buyer's conversations found through (shop_id, customer_id)

Without table statistics SQLite may pick the single-column shop index for "this shop's conversations of
this buyer" and walk every conversation the shop ever had, on each buyer message and each routing of a
returning buyer. The two-column index is the better choice on every planner.

Revision ID: 0015
Revises: 0014
"""
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_conversations_shop_customer', 'conversations', ['shop_id', 'customer_id'])


def downgrade() -> None:
    op.drop_index('ix_conversations_shop_customer', table_name='conversations')
