"""The batch query: a bulk decision's progress, as far as the read models have reached."""

from __future__ import annotations

import strawberry

from app.graphql.batches.types import Batch
from app.graphql.core.context import Info
from app.graphql.core.reading import consistent
from projections.batch_progress.queries import find_batch


@strawberry.type
class BatchQuery:
    @strawberry.field(description="A bulk decision's progress: counts, status, and each subject's outcome.")
    async def batch(self, info: Info, id: strawberry.ID, min_position: str | None = None) -> Batch | None:
        runtime = await consistent(info, min_position, find_batch)
        row = await runtime.store.reader.fetch(find_batch, str(id))
        return None if row is None or not info.context.principal.sees(row.domain) else Batch.of_row(row)
