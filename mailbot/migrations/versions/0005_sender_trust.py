"""sender trust and reviews of held mail

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03

Mail recorded before this revision has no trust recorded (""): it was judged by the rules of its day.
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(), nullable=False),
    sa.Column('unit', sa.String(), nullable=True),
    sa.Column('registered', sa.Boolean(), nullable=False),
    sa.Column('by', sa.String(), nullable=False),
    sa.Column('comment', sa.String(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_message_id'), ['message_id'], unique=False)

    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trust', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('trust_reasons', sa.String(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('sender_address', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('claimed_unit', sa.String(), nullable=True))
        batch_op.add_column(sa.Column('auth_server', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('spf', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('dkim', sa.String(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('dmarc', sa.String(), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_column('dmarc')
        batch_op.drop_column('dkim')
        batch_op.drop_column('spf')
        batch_op.drop_column('auth_server')
        batch_op.drop_column('claimed_unit')
        batch_op.drop_column('sender_address')
        batch_op.drop_column('trust_reasons')
        batch_op.drop_column('trust')

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_message_id'))

    op.drop_table('reviews')
