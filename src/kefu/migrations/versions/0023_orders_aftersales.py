"""orders, after-sale cases, compensation and complaints (#13): the built-in order store and the order
connector's settings, identity checks and 催付 reminders; after-sale cases with their policy, audit trail and photos;
compensation within authority; follow-up visits and buyer-type flags

Revision ID: 0023
Revises: 0022
"""
from alembic import op
import sqlalchemy as sa


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('aftersale_policies',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('policy', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_aftersale_policies_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['agents.id'], name=op.f('fk_aftersale_policies_updated_by_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_aftersale_policies'))
    )
    op.create_table('compensation_limits',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('limits', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_compensation_limits_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['agents.id'], name=op.f('fk_compensation_limits_updated_by_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_compensation_limits'))
    )
    op.create_table('order_settings',
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_order_settings_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['agents.id'], name=op.f('fk_order_settings_updated_by_id_agents'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('shop_id', name=op.f('pk_order_settings'))
    )
    op.create_table('orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=32), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('buyer_ref', sa.String(length=64), nullable=True),
    sa.Column('buyer_name', sa.String(length=64), nullable=False),
    sa.Column('buyer_phone', sa.String(length=32), nullable=True),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('category', sa.String(length=20), nullable=False),
    sa.Column('total_fen', sa.Integer(), nullable=False),
    sa.Column('shipping_fen', sa.Integer(), nullable=False),
    sa.Column('promo_price_fen', sa.Integer(), nullable=True),
    sa.Column('payment_method', sa.String(length=16), nullable=False),
    sa.Column('carrier', sa.String(length=32), nullable=False),
    sa.Column('tracking_number', sa.String(length=64), nullable=False),
    sa.Column('logistics_status', sa.String(length=16), nullable=False),
    sa.Column('logistics_note', sa.Text(), nullable=False),
    sa.Column('placed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('shipped_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_orders_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_orders_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders')),
    sa.UniqueConstraint('shop_id', 'number', name=op.f('uq_orders_shop_id_number'))
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.create_index('ix_orders_shop_buyer_ref', ['shop_id', 'buyer_ref'], unique=False)
        batch_op.create_index('ix_orders_shop_customer', ['shop_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_orders_shop_status', ['shop_id', 'status', 'placed_at'], unique=False)

    op.create_table('buyer_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('flag', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('cleared_by_id', sa.Integer(), nullable=True),
    sa.Column('cleared_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_buyer_flags_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['cleared_by_id'], ['agents.id'], name=op.f('fk_buyer_flags_cleared_by_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_buyer_flags_conversation_id_conversations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_buyer_flags_customer_id_customers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_buyer_flags_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_flags'))
    )
    with op.batch_alter_table('buyer_flags', schema=None) as batch_op:
        batch_op.create_index('ix_buyer_flags_customer', ['shop_id', 'customer_id', 'active'], unique=False)

    op.create_table('buyer_verifications',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('conversation_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('order_number', sa.String(length=32), nullable=False),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('ok', sa.Boolean(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_buyer_verifications_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_buyer_verifications_conversation_id_conversations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_buyer_verifications_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_buyer_verifications_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_buyer_verifications'))
    )
    with op.batch_alter_table('buyer_verifications', schema=None) as batch_op:
        batch_op.create_index('ix_buyer_verifications_conv', ['conversation_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_buyer_verifications_shop_id'), ['shop_id'], unique=False)

    op.create_table('payment_reminders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('order_number', sa.String(length=32), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_payment_reminders_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_payment_reminders_conversation_id_conversations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_payment_reminders_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_reminders')),
    sa.UniqueConstraint('shop_id', 'order_number', name=op.f('uq_payment_reminders_shop_id_order_number'))
    )
    op.create_table('aftersale_cases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=16), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('status', sa.String(length=24), nullable=False),
    sa.Column('reason', sa.String(length=24), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('conversation_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('order_number', sa.String(length=32), nullable=True),
    sa.Column('order', sa.JSON(), nullable=True),
    sa.Column('policy', sa.JSON(), nullable=False),
    sa.Column('policy_version', sa.Integer(), nullable=False),
    sa.Column('return_shipping_fen', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.JSON(), nullable=True),
    sa.Column('refund_fen', sa.Integer(), nullable=False),
    sa.Column('responsibility', sa.String(length=16), nullable=True),
    sa.Column('responsibility_note', sa.Text(), nullable=False),
    sa.Column('override_by_id', sa.Integer(), nullable=True),
    sa.Column('override_note', sa.Text(), nullable=False),
    sa.Column('platform_ref', sa.String(length=64), nullable=False),
    sa.Column('platform_due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('stage', sa.String(length=16), nullable=True),
    sa.Column('stage_data', sa.JSON(), nullable=False),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assignee_id'], ['agents.id'], name=op.f('fk_aftersale_cases_assignee_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_aftersale_cases_conversation_id_conversations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['agents.id'], name=op.f('fk_aftersale_cases_created_by_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_aftersale_cases_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['override_by_id'], ['agents.id'], name=op.f('fk_aftersale_cases_override_by_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_aftersale_cases_shop_id_shops'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_aftersale_cases_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aftersale_cases')),
    sa.UniqueConstraint('number', name=op.f('uq_aftersale_cases_number'))
    )
    with op.batch_alter_table('aftersale_cases', schema=None) as batch_op:
        batch_op.create_index('ix_aftersale_cases_conversation', ['conversation_id'], unique=False)
        batch_op.create_index('ix_aftersale_cases_shop_customer', ['shop_id', 'customer_id'], unique=False)
        batch_op.create_index('ix_aftersale_cases_shop_order', ['shop_id', 'order_number'], unique=False)
        batch_op.create_index('ix_aftersale_cases_shop_status', ['shop_id', 'status'], unique=False)
        batch_op.create_index('ix_aftersale_cases_ticket', ['ticket_id'], unique=False)

    op.create_table('aftersale_case_changes',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('before', sa.Text(), nullable=True),
    sa.Column('after', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_aftersale_case_changes_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['aftersale_cases.id'], name=op.f('fk_aftersale_case_changes_case_id_aftersale_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_aftersale_case_changes_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aftersale_case_changes'))
    )
    with op.batch_alter_table('aftersale_case_changes', schema=None) as batch_op:
        batch_op.create_index('ix_aftersale_case_changes_case', ['case_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_aftersale_case_changes_shop_id'), ['shop_id'], unique=False)

    op.create_table('compensations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('agent_role', sa.String(length=32), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_compensations_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_id'], ['aftersale_cases.id'], name=op.f('fk_compensations_case_id_aftersale_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['customer_id'], ['customers.id'], name=op.f('fk_compensations_customer_id_customers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['agents.id'], name=op.f('fk_compensations_decided_by_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_compensations_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_compensations'))
    )
    with op.batch_alter_table('compensations', schema=None) as batch_op:
        batch_op.create_index('ix_compensations_agent_day', ['agent_id', 'day'], unique=False)
        batch_op.create_index('ix_compensations_case', ['case_id'], unique=False)
        batch_op.create_index('ix_compensations_shop_status', ['shop_id', 'status'], unique=False)

    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['aftersale_cases.id'], name=op.f('fk_followups_case_id_aftersale_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['agents.id'], name=op.f('fk_followups_owner_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_followups_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups'))
    )
    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_followups_case_id'), ['case_id'], unique=False)
        batch_op.create_index('ix_followups_shop_open', ['shop_id', 'done_at', 'due_at'], unique=False)

    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_attachments_case_id'), ['case_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_case_id_aftersale_cases'), 'aftersale_cases', ['case_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachments_case_id_aftersale_cases'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachments_case_id'))
        batch_op.drop_column('case_id')

    with op.batch_alter_table('followups', schema=None) as batch_op:
        batch_op.drop_index('ix_followups_shop_open')
        batch_op.drop_index(batch_op.f('ix_followups_case_id'))

    op.drop_table('followups')
    with op.batch_alter_table('compensations', schema=None) as batch_op:
        batch_op.drop_index('ix_compensations_shop_status')
        batch_op.drop_index('ix_compensations_case')
        batch_op.drop_index('ix_compensations_agent_day')

    op.drop_table('compensations')
    with op.batch_alter_table('aftersale_case_changes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_aftersale_case_changes_shop_id'))
        batch_op.drop_index('ix_aftersale_case_changes_case')

    op.drop_table('aftersale_case_changes')
    with op.batch_alter_table('aftersale_cases', schema=None) as batch_op:
        batch_op.drop_index('ix_aftersale_cases_ticket')
        batch_op.drop_index('ix_aftersale_cases_shop_status')
        batch_op.drop_index('ix_aftersale_cases_shop_order')
        batch_op.drop_index('ix_aftersale_cases_shop_customer')
        batch_op.drop_index('ix_aftersale_cases_conversation')

    op.drop_table('aftersale_cases')
    op.drop_table('payment_reminders')
    with op.batch_alter_table('buyer_verifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_buyer_verifications_shop_id'))
        batch_op.drop_index('ix_buyer_verifications_conv')

    op.drop_table('buyer_verifications')
    with op.batch_alter_table('buyer_flags', schema=None) as batch_op:
        batch_op.drop_index('ix_buyer_flags_customer')

    op.drop_table('buyer_flags')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index('ix_orders_shop_status')
        batch_op.drop_index('ix_orders_shop_customer')
        batch_op.drop_index('ix_orders_shop_buyer_ref')

    op.drop_table('orders')
    op.drop_table('order_settings')
    op.drop_table('compensation_limits')
    op.drop_table('aftersale_policies')
