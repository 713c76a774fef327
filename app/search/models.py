"""The German full-text expressions search queries, and their GIN indexes (PostgreSQL only).

No table of its own: search reads the domains' tables with the readers' rights in the same query, so
nothing can be found that the page it links to would not show. Each expression here is exactly the
one its index was built on (literals inline, not bound), so PostgreSQL uses the index. Proposals and
documents define theirs next to their models (``SEARCH_DOCUMENT``, ``DOCUMENT_SEARCH``).
"""

from __future__ import annotations

from sqlalchemy import Index, func, text

from app.comments.models import Comment
from app.outcomes.models import Outcome
from app.processes.models import Process

_GERMAN = "'german'::regconfig"
_SPACE = "' '"

_p = Process.__table__.c
PROCESS_SEARCH = func.to_tsvector(
    text(_GERMAN),
    _p.title.op("||")(text(_SPACE))
    .op("||")(_p.summary)
    .op("||")(text(_SPACE))
    .op("||")(_p.description),
)
COMMENT_SEARCH = func.to_tsvector(text(_GERMAN), Comment.__table__.c.source)
_o = Outcome.__table__.c
OUTCOME_SEARCH = func.to_tsvector(
    text(_GERMAN), _o.summary.op("||")(text(_SPACE)).op("||")(_o.next_steps)
)

Index("ix_processes_search", PROCESS_SEARCH, postgresql_using="gin").ddl_if(dialect="postgresql")
Index("ix_comments_search", COMMENT_SEARCH, postgresql_using="gin").ddl_if(dialect="postgresql")
Index("ix_outcomes_search", OUTCOME_SEARCH, postgresql_using="gin").ddl_if(dialect="postgresql")
