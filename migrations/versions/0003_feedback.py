"""feedback: documents, versions, paragraphs, comments, dispositions

Revision ID: 0003_feedback
Revises: 0002_surveys
Create Date: 2026-11-29 00:15:33.382064
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003_feedback'
down_revision = '0002_surveys'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('feedback_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('moderation', sa.Enum('pre', 'post', name='feedback_moderation_mode', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_feedback_documents_area_id_areas')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_feedback_documents_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_documents')),
    sa.UniqueConstraint('code', name=op.f('uq_feedback_documents_code'))
    )
    with op.batch_alter_table('feedback_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_documents_area_id'), ['area_id'], unique=False)

    op.create_table('feedback_dispositions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('tiep_thu', 'tiep_thu_mot_phan', 'giai_trinh', 'khong_thuoc_pham_vi', name='feedback_disposition_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('reply', sa.Text(), nullable=False),
    sa.Column('officer_id', sa.Integer(), nullable=False),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['feedback_documents.id'], name=op.f('fk_feedback_dispositions_document_id_feedback_documents')),
    sa.ForeignKeyConstraint(['officer_id'], ['users.id'], name=op.f('fk_feedback_dispositions_officer_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_dispositions'))
    )
    with op.batch_alter_table('feedback_dispositions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_dispositions_document_id'), ['document_id'], unique=False)

    op.create_table('feedback_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'frozen', name='feedback_version_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('source_filename', sa.String(length=255), nullable=False),
    sa.Column('source_sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('based_on_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at', name=op.f('ck_feedback_versions_window_order')),
    sa.ForeignKeyConstraint(['based_on_id'], ['feedback_versions.id'], name=op.f('fk_feedback_versions_based_on_id_feedback_versions')),
    sa.ForeignKeyConstraint(['document_id'], ['feedback_documents.id'], name=op.f('fk_feedback_versions_document_id_feedback_documents')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_feedback_versions_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_versions')),
    sa.UniqueConstraint('document_id', 'number', name=op.f('uq_feedback_versions_document_id_number'))
    )
    with op.batch_alter_table('feedback_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_versions_document_id'), ['document_id'], unique=False)

    op.create_table('feedback_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('heading', sa.String(length=500), nullable=False),
    sa.Column('anchor', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['feedback_versions.id'], name=op.f('fk_feedback_sections_version_id_feedback_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_sections')),
    sa.UniqueConstraint('version_id', 'anchor', name=op.f('uq_feedback_sections_version_id_anchor'))
    )
    with op.batch_alter_table('feedback_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_sections_version_id'), ['version_id'], unique=False)

    op.create_table('feedback_paragraphs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('anchor', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.Enum('text', 'list_item', 'table_row', name='feedback_paragraph_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('change', sa.Enum('unchanged', 'changed', 'new', name='feedback_paragraph_change', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['previous_id'], ['feedback_paragraphs.id'], name=op.f('fk_feedback_paragraphs_previous_id_feedback_paragraphs')),
    sa.ForeignKeyConstraint(['section_id'], ['feedback_sections.id'], name=op.f('fk_feedback_paragraphs_section_id_feedback_sections')),
    sa.ForeignKeyConstraint(['version_id'], ['feedback_versions.id'], name=op.f('fk_feedback_paragraphs_version_id_feedback_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_paragraphs')),
    sa.UniqueConstraint('version_id', 'anchor', name=op.f('uq_feedback_paragraphs_version_id_anchor'))
    )
    with op.batch_alter_table('feedback_paragraphs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_paragraphs_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_paragraphs_version_id'), ['version_id'], unique=False)

    op.create_table('feedback_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('target', sa.Enum('paragraph', 'section', 'document', name='feedback_comment_target', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=True),
    sa.Column('paragraph_id', sa.Integer(), nullable=True),
    sa.Column('author_kind', sa.Enum('resident', 'organisation', name='feedback_author_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('resident_name', sa.String(length=120), nullable=False),
    sa.Column('resident_commune', sa.String(length=120), nullable=False),
    sa.Column('resident_contact', sa.String(length=120), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=True),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('meeting_date', sa.Date(), nullable=True),
    sa.Column('participants', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'visible', 'hidden', name='feedback_comment_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('hidden_reason', sa.Enum('abuse', 'spam', 'personal_data', name='feedback_hidden_reason', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.Column('client_hash', sa.String(length=64), nullable=True),
    sa.Column('disposition_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(target = 'document' AND section_id IS NULL AND paragraph_id IS NULL) OR (target = 'section' AND section_id IS NOT NULL AND paragraph_id IS NULL) OR (target = 'paragraph' AND section_id IS NOT NULL AND paragraph_id IS NOT NULL)", name=op.f('ck_feedback_comments_target_matches')),
    sa.CheckConstraint("author_kind = 'resident' OR (organisation_id IS NOT NULL AND entered_by_id IS NOT NULL)", name=op.f('ck_feedback_comments_organisation_author')),
    sa.CheckConstraint('participants IS NULL OR participants > 0', name=op.f('ck_feedback_comments_participants_positive')),
    sa.ForeignKeyConstraint(['disposition_id'], ['feedback_dispositions.id'], name=op.f('fk_feedback_comments_disposition_id_feedback_dispositions')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_feedback_comments_entered_by_id_users')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_feedback_comments_organisation_id_organisations')),
    sa.ForeignKeyConstraint(['paragraph_id'], ['feedback_paragraphs.id'], name=op.f('fk_feedback_comments_paragraph_id_feedback_paragraphs')),
    sa.ForeignKeyConstraint(['section_id'], ['feedback_sections.id'], name=op.f('fk_feedback_comments_section_id_feedback_sections')),
    sa.ForeignKeyConstraint(['version_id'], ['feedback_versions.id'], name=op.f('fk_feedback_comments_version_id_feedback_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feedback_comments'))
    )
    with op.batch_alter_table('feedback_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_comments_client_hash'), ['client_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_comments_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_comments_disposition_id'), ['disposition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_comments_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_comments_paragraph_id'), ['paragraph_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_comments_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_comments_version_id'), ['version_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('feedback_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_comments_version_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_comments_section_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_comments_paragraph_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_comments_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_comments_disposition_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_comments_created_at'))
        batch_op.drop_index(batch_op.f('ix_feedback_comments_client_hash'))

    op.drop_table('feedback_comments')
    with op.batch_alter_table('feedback_paragraphs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_paragraphs_version_id'))
        batch_op.drop_index(batch_op.f('ix_feedback_paragraphs_section_id'))

    op.drop_table('feedback_paragraphs')
    with op.batch_alter_table('feedback_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_sections_version_id'))

    op.drop_table('feedback_sections')
    with op.batch_alter_table('feedback_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_versions_document_id'))

    op.drop_table('feedback_versions')
    with op.batch_alter_table('feedback_dispositions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_dispositions_document_id'))

    op.drop_table('feedback_dispositions')
    with op.batch_alter_table('feedback_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_documents_area_id'))

    op.drop_table('feedback_documents')
