"""The shared enum helpers: labels travel with their members, columns store values."""

from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import Enum

from app.core.enums import LabelledEnum, enum_column


class Colour(LabelledEnum):
    RED = "red", _l("Red")
    PLAIN = "plain"


def test_a_labelled_member_is_its_value_and_carries_its_label(app):
    assert Colour.RED == "red" and Colour("red") is Colour.RED
    with app.test_request_context():
        assert Colour.RED.label == "Red"
    assert Colour.PLAIN.label == "plain"  # no label given: the value
    assert list(Colour.labels()) == [Colour.RED, Colour.PLAIN]


def test_every_labelled_enum_of_the_app_has_a_label_per_member(app):
    from app.contributions.models import Visibility
    from app.core.roles import Role, TrialogGroup
    from app.moderation.models import ReportReason
    from app.processes.models import PhaseKind, ProcessState
    from app.proposals.models import ProposalStatus
    from app.surveys.models import QuestionType

    for enum_cls in (
        Visibility,
        Role,
        TrialogGroup,
        ReportReason,
        PhaseKind,
        ProcessState,
        ProposalStatus,
        QuestionType,
    ):
        for member in enum_cls:
            assert member._label is not member.value, (
                f"{enum_cls.__name__}.{member.name} has no label"
            )


def test_enum_column_stores_values_under_a_named_constraint():
    class Kind(StrEnum):
        LONG_NAME = "short"

    column = enum_column(Kind, "kind")
    assert isinstance(column, Enum)
    assert column.name == "kind" and column.enums == ["short"] and column.length == 20
    assert enum_column(Kind, "kind", length=None).length == len("short")
