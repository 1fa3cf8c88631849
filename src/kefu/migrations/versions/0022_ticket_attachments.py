"""ticket attachments: an uploaded image can belong to a ticket note (a reply, an internal note, the buyer's message)

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ticket_note_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_attachments_ticket_note_id'), ['ticket_note_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_attachments_ticket_note_id_ticket_notes'), 'ticket_notes',
                                    ['ticket_note_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attachments_ticket_note_id_ticket_notes'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_attachments_ticket_note_id'))
        batch_op.drop_column('ticket_note_id')
