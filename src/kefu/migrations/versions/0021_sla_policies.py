"""sla policies: a shop's own SLA settings; tickets get escalation, the quick-response clock and merging

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sla_settings',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_sla_settings_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['agents.id'], name=op.f('fk_sla_settings_updated_by_id_agents'),
                            ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_sla_settings'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('quick_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('quick_acted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_tickets_merged_into_id_tickets'), 'tickets', ['merged_into_id'],
                                    ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_tickets_merged_into_id_tickets'), type_='foreignkey')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('quick_acted_at')
        batch_op.drop_column('quick_due_at')
        batch_op.drop_column('escalated_at')
    op.drop_table('sla_settings')
