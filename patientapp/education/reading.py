"""Which education modules a patient sees, and from when: pure functions, no Flask."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from ..content.library import EducationModule


@dataclass(frozen=True)
class ReadingItem:
    module: EducationModule
    opens_on: date
    unlocked: bool
    read_at: str | None

    @property
    def read(self) -> bool:
        return self.read_at is not None


def course_week(first_visit: date, today: date) -> int:
    """Whole weeks since the first consultation: 0 in the first week, and before it."""
    return max((today - first_visit).days // 7, 0)


def opens_on(module: EducationModule, first_visit: date) -> date:
    return first_visit + timedelta(weeks=module.unlock_week)


def reading_list(modules: list[EducationModule], first_visit: date, today: date,
                 reads: dict[str, str]) -> list[ReadingItem]:
    """The pathway's modules in order, each marked unlocked or not, and read or not."""
    week = course_week(first_visit, today)
    return [ReadingItem(module=m, opens_on=opens_on(m, first_visit),
                        unlocked=m.unlock_week <= week, read_at=reads.get(m.slug))
            for m in modules]


def next_unread(items: list[ReadingItem], after: str | None = None) -> ReadingItem | None:
    """The first open, unread module, looking after ``after`` first, then from the start."""
    slugs = [i.module.slug for i in items]
    start = slugs.index(after) + 1 if after in slugs else 0
    candidates = items[start:] + items[:start]
    return next((i for i in candidates if i.unlocked and not i.read
                 and i.module.slug != after), None)
