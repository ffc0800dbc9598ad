"""surveys: criteria sets, surveys, versions, questions, responses

Revision ID: 0002_surveys
Revises: 0001_core
Create Date: 2026-11-28 23:55:10.886833
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = "0002_surveys"
down_revision = "0001_core"
branch_labels = None
depends_on = None


# The 19 NTM criteria as numbered in QĐ 1980/QĐ-TTg (2016) and QĐ 318/QĐ-TTg (2022).
# 318 renames criteria 3, 11, 12 and 13 (../shared/domain/NTM.md §1.3); groups are unchanged.
GROUPS = (
    (range(1, 2), "Quy hoạch"),
    (range(2, 10), "Hạ tầng kinh tế - xã hội"),
    (range(10, 14), "Kinh tế và tổ chức sản xuất"),
    (range(14, 18), "Văn hóa - xã hội - môi trường"),
    (range(18, 20), "Hệ thống chính trị"),
)
CRITERIA_1980 = (
    "Quy hoạch",
    "Giao thông",
    "Thủy lợi",
    "Điện",
    "Trường học",
    "Cơ sở vật chất văn hóa",
    "Cơ sở hạ tầng thương mại nông thôn",
    "Thông tin và Truyền thông",
    "Nhà ở dân cư",
    "Thu nhập",
    "Hộ nghèo",
    "Lao động có việc làm",
    "Tổ chức sản xuất",
    "Giáo dục và Đào tạo",
    "Y tế",
    "Văn hóa",
    "Môi trường và an toàn thực phẩm",
    "Hệ thống chính trị và tiếp cận pháp luật",
    "Quốc phòng và An ninh",
)
RENAMED_318 = {
    3: "Thủy lợi và phòng, chống thiên tai",
    11: "Nghèo đa chiều",
    12: "Lao động",
    13: "Tổ chức sản xuất và phát triển kinh tế nông thôn",
}
CRITERIA_SETS = (
    ("qd1980-2016", "1980/QĐ-TTg", "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2016-2020", "2016-2020", CRITERIA_1980),
    (
        "qd318-2022",
        "318/QĐ-TTg",
        "Bộ tiêu chí quốc gia về xã nông thôn mới giai đoạn 2021-2025",
        "2021-2025",
        tuple(RENAMED_318.get(n, name) for n, name in enumerate(CRITERIA_1980, start=1)),
    ),
)


def seed_criteria() -> None:
    """Insert both criteria sets; ids are looked up, never assumed."""
    sets = sa.table(
        "survey_criteria_sets",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("decision_no", sa.String),
        sa.column("title", sa.String),
        sa.column("period", sa.String),
        sa.column("level", sa.String),
    )
    criteria = sa.table(
        "survey_criteria",
        sa.column("criteria_set_id", sa.Integer),
        sa.column("number", sa.Integer),
        sa.column("name", sa.String),
        sa.column("group_name", sa.String),
    )
    bind = op.get_bind()
    for code, decision, title, period, names in CRITERIA_SETS:
        bind.execute(
            sets.insert().values(code=code, decision_no=decision, title=title, period=period, level="ntm")
        )
        set_id = bind.execute(sa.select(sets.c.id).where(sets.c.code == code)).scalar_one()
        rows = [
            {
                "criteria_set_id": set_id,
                "number": number,
                "name": name,
                "group_name": next(g for r, g in GROUPS if number in r),
            }
            for number, name in enumerate(names, start=1)
        ]
        bind.execute(criteria.insert(), rows)


def upgrade() -> None:
    op.create_table('survey_criteria_sets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('decision_no', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('level', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_criteria_sets')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_criteria_sets_code'))
    )
    op.create_table('survey_criteria',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('criteria_set_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('group_name', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['criteria_set_id'], ['survey_criteria_sets.id'], name=op.f('fk_survey_criteria_criteria_set_id_survey_criteria_sets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_criteria')),
    sa.UniqueConstraint('criteria_set_id', 'number', name=op.f('uq_survey_criteria_criteria_set_id_number'))
    )
    with op.batch_alter_table('survey_criteria', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_criteria_criteria_set_id'), ['criteria_set_id'], unique=False)

    op.create_table('surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('introduction', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'open', 'closed', name='survey_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('owner_area_id', sa.Integer(), nullable=True),
    sa.Column('criteria_set_id', sa.Integer(), nullable=True),
    sa.Column('margins', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_surveys_created_by_id_users')),
    sa.ForeignKeyConstraint(['criteria_set_id'], ['survey_criteria_sets.id'], name=op.f('fk_surveys_criteria_set_id_survey_criteria_sets')),
    sa.ForeignKeyConstraint(['owner_area_id'], ['areas.id'], name=op.f('fk_surveys_owner_area_id_areas')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_surveys'))
    )
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_surveys_owner_area_id'), ['owner_area_id'], unique=False)

    op.create_table('survey_areas',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['areas.id'], name=op.f('fk_survey_areas_area_id_areas')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_areas_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_areas')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_areas_code')),
    sa.UniqueConstraint('survey_id', 'area_id', name=op.f('uq_survey_areas_survey_id_area_id'))
    )
    with op.batch_alter_table('survey_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_areas_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_areas_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_import_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_survey_import_batches_imported_by_id_users')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_import_batches_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_import_batches')),
    sa.UniqueConstraint('survey_id', 'file_sha256', name=op.f('uq_survey_import_batches_survey_id_file_sha256'))
    )
    with op.batch_alter_table('survey_import_batches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_import_batches_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_versions_survey_id_surveys')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_versions')),
    sa.UniqueConstraint('survey_id', 'number', name=op.f('uq_survey_versions_survey_id_number'))
    )
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_versions_survey_id'), ['survey_id'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('commune_id', sa.Integer(), nullable=False),
    sa.Column('hamlet_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.Enum('qr', 'link', 'paper', 'meeting', name='response_channel', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('serial', sa.String(length=32), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('client_hash', sa.String(length=64), nullable=True),
    sa.Column('answers_hash', sa.String(length=64), nullable=False),
    sa.Column('is_possible_duplicate', sa.Boolean(), nullable=False),
    sa.Column('entered_by_id', sa.Integer(), nullable=True),
    sa.Column('import_batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['commune_id'], ['areas.id'], name=op.f('fk_survey_responses_commune_id_areas')),
    sa.ForeignKeyConstraint(['entered_by_id'], ['users.id'], name=op.f('fk_survey_responses_entered_by_id_users')),
    sa.ForeignKeyConstraint(['hamlet_id'], ['areas.id'], name=op.f('fk_survey_responses_hamlet_id_areas')),
    sa.ForeignKeyConstraint(['import_batch_id'], ['survey_import_batches.id'], name=op.f('fk_survey_responses_import_batch_id_survey_import_batches')),
    sa.ForeignKeyConstraint(['survey_id'], ['surveys.id'], name=op.f('fk_survey_responses_survey_id_surveys')),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_responses_version_id_survey_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses')),
    sa.UniqueConstraint('survey_id', 'serial', name=op.f('uq_survey_responses_survey_id_serial'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_responses_client_hash'), ['client_hash'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_commune_id'), ['commune_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_hamlet_id'), ['hamlet_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_survey_id'), ['survey_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_responses_version_id'), ['version_id'], unique=False)

    op.create_table('survey_sections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_sections_version_id_survey_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_sections'))
    )
    with op.batch_alter_table('survey_sections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_sections_version_id'), ['version_id'], unique=False)

    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('section_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('text', sa.String(length=1000), nullable=False),
    sa.Column('type', sa.Enum('satisfaction5', 'satisfied', 'single', 'multiple', 'number', 'short_text', 'long_text', name='question_type', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('required', sa.Boolean(), nullable=False),
    sa.Column('allow_dont_know', sa.Boolean(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('min_value', sa.Integer(), nullable=True),
    sa.Column('max_value', sa.Integer(), nullable=True),
    sa.Column('max_length', sa.Integer(), nullable=True),
    sa.Column('criterion_id', sa.Integer(), nullable=True),
    sa.Column('weighting_role', sa.Enum('sex', 'age_group', 'hamlet', 'household_rep', name='weighting_role', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['criterion_id'], ['survey_criteria.id'], name=op.f('fk_survey_questions_criterion_id_survey_criteria')),
    sa.ForeignKeyConstraint(['section_id'], ['survey_sections.id'], name=op.f('fk_survey_questions_section_id_survey_sections')),
    sa.ForeignKeyConstraint(['version_id'], ['survey_versions.id'], name=op.f('fk_survey_questions_version_id_survey_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions')),
    sa.UniqueConstraint('version_id', 'code', name=op.f('uq_survey_questions_version_id_code'))
    )
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questions_section_id'), ['section_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_questions_version_id'), ['version_id'], unique=False)

    op.create_table('survey_submission_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_submission_tokens_response_id_survey_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_submission_tokens')),
    sa.UniqueConstraint('nonce', name=op.f('uq_survey_submission_tokens_nonce'))
    )
    with op.batch_alter_table('survey_submission_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_submission_tokens_response_id'), ['response_id'], unique=False)

    op.create_table('survey_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('value', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['survey_questions.id'], name=op.f('fk_survey_answers_question_id_survey_questions')),
    sa.ForeignKeyConstraint(['response_id'], ['survey_responses.id'], name=op.f('fk_survey_answers_response_id_survey_responses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_answers')),
    sa.UniqueConstraint('response_id', 'question_id', name=op.f('uq_survey_answers_response_id_question_id'))
    )
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_answers_question_id'), ['question_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_survey_answers_response_id'), ['response_id'], unique=False)
    seed_criteria()


def downgrade() -> None:
    with op.batch_alter_table('survey_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_answers_response_id'))
        batch_op.drop_index(batch_op.f('ix_survey_answers_question_id'))

    op.drop_table('survey_answers')
    with op.batch_alter_table('survey_submission_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_submission_tokens_response_id'))

    op.drop_table('survey_submission_tokens')
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_questions_version_id'))
        batch_op.drop_index(batch_op.f('ix_survey_questions_section_id'))

    op.drop_table('survey_questions')
    with op.batch_alter_table('survey_sections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_sections_version_id'))

    op.drop_table('survey_sections')
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_responses_version_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_hamlet_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_commune_id'))
        batch_op.drop_index(batch_op.f('ix_survey_responses_client_hash'))

    op.drop_table('survey_responses')
    with op.batch_alter_table('survey_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_versions_survey_id'))

    op.drop_table('survey_versions')
    with op.batch_alter_table('survey_import_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_import_batches_survey_id'))

    op.drop_table('survey_import_batches')
    with op.batch_alter_table('survey_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_areas_survey_id'))
        batch_op.drop_index(batch_op.f('ix_survey_areas_area_id'))

    op.drop_table('survey_areas')
    with op.batch_alter_table('surveys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_surveys_owner_area_id'))

    op.drop_table('surveys')
    with op.batch_alter_table('survey_criteria', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_criteria_criteria_set_id'))

    op.drop_table('survey_criteria')
    op.drop_table('survey_criteria_sets')
