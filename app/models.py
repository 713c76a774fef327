"""Imports every model module so that the metadata (and so Alembic) knows all tables."""

from app.accounts.models import User  # noqa: F401
from app.api.models import ApiToken  # noqa: F401
from app.comments.models import Comment, CommentReaction, ProcessThread  # noqa: F401
from app.contributions.models import Contribution, Thread  # noqa: F401
from app.core.audit import AuditEntry  # noqa: F401
from app.core.mail import OutgoingMail  # noqa: F401
from app.moderation.models import (  # noqa: F401
    Block,
    Decision,
    ModerationSettings,
    Report,
    ReportCount,
    ReviewRequest,
)
from app.municipalities.models import Invitation, Membership, Municipality  # noqa: F401
from app.notifications.models import DigestSent, Event, Notification, Preference  # noqa: F401
from app.outcomes.models import (  # noqa: F401
    CouncilDecision,
    CouncilStatement,
    Outcome,
    OutcomeProposal,
    ReportSettings,
)
from app.privacy.models import Consent, DataExport, LegalDocument  # noqa: F401
from app.processes.models import Phase, Process, ProcessFollow, ProcessFormat  # noqa: F401
from app.proposals.models import (  # noqa: F401
    Proposal,
    ProposalCategory,
    ProposalSettings,
    ProposalStatement,
    ProposalStatusChange,
    ProposalSupport,
)
from app.residency.models import (  # noqa: F401
    CodeBatch,
    ResidencyCode,
    ResidencyRule,
    ResidencyVerification,
)
from app.surveys.models import (  # noqa: F401
    Answer,
    Option,
    Question,
    Response,
    Survey,
    SurveyParticipation,
)
