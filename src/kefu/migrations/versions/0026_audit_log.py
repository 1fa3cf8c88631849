"""audit log: who did what to buyer data, settings and accounts, from where; append-only (triggers refuse
UPDATE and DELETE — all but the SET NULL of a deleted agent's id — and, on PostgreSQL, TRUNCATE)

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

MESSAGE = 'audit_entries is append-only'
FIXED = 'id, shop_id, at, actor, ip, action, target, detail'  # every column but agent_id
SQLITE_TRIGGERS = (
    f"CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OF {FIXED} ON audit_entries "
    f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
    f"CREATE TRIGGER audit_entries_no_reassign BEFORE UPDATE OF agent_id ON audit_entries "
    f"WHEN NEW.agent_id IS NOT NULL BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END",
)
PG_TRIGGERS = (
    "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS "
    f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}'; END $$",
    "CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
    f"CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OF {FIXED} ON audit_entries "
    "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()",
    "CREATE TRIGGER audit_entries_no_reassign BEFORE UPDATE OF agent_id ON audit_entries "
    "FOR EACH ROW WHEN (NEW.agent_id IS NOT NULL) EXECUTE FUNCTION audit_entries_append_only()",
    "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
    "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()",
)


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shop_id', sa.Integer(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('agent_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=64), nullable=False),
    sa.Column('ip', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=48), nullable=False),
    sa.Column('target', sa.String(length=120), nullable=False),
    sa.Column('detail', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_audit_entries_agent_id_agents'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['shop_id'], ['shops.id'], name=op.f('fk_audit_entries_shop_id_shops'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_shop_action', ['shop_id', 'action'], unique=False)
        batch_op.create_index('ix_audit_entries_shop_at', ['shop_id', 'at'], unique=False)
    for sql in PG_TRIGGERS if op.get_bind().dialect.name == 'postgresql' else SQLITE_TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TABLE audit_entries')  # its triggers go with it
        op.execute('DROP FUNCTION audit_entries_append_only()')
        return
    op.drop_table('audit_entries')
