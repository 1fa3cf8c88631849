"""error_ledger: seller-side errors logged against tickets, with the buyer's progress updates

Revision ID: 0020
Revises: 0019
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('department', sa.String(length=32), nullable=False),
    sa.Column('cause', sa.String(length=32), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('last_update_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_update_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updates', sa.Integer(), nullable=False),
    sa.Column('missed', sa.Integer(), nullable=False),
    sa.Column('reminded_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['agents.id'], name=op.f('fk_ledger_entries_created_by_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['owner_id'], ['agents.id'], name=op.f('fk_ledger_entries_owner_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['agents.id'], name=op.f('fk_ledger_entries_resolved_by_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_ledger_entries_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ledger_entries_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_entries'))
    )
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_entries_shop_created', ['shop_id', 'created_at'], unique=False)
        batch_op.create_index('ix_ledger_entries_shop_status', ['shop_id', 'status', 'next_update_due_at'], unique=False)
        batch_op.create_index('ix_ledger_entries_ticket', ['ticket_id'], unique=False)

    op.create_table('ledger_updates',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_ledger_updates_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['entry_id'], ['ledger_entries.id'], name=op.f('fk_ledger_updates_entry_id_ledger_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_ledger_updates_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_updates'))
    )
    with op.batch_alter_table('ledger_updates', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_updates_entry', ['entry_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_updates_shop_id'), ['shop_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ledger_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_updates_shop_id'))
        batch_op.drop_index('ix_ledger_updates_entry')
    op.drop_table('ledger_updates')
    with op.batch_alter_table('ledger_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_entries_ticket')
        batch_op.drop_index('ix_ledger_entries_shop_status')
        batch_op.drop_index('ix_ledger_entries_shop_created')
    op.drop_table('ledger_entries')
