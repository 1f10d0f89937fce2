"""The life of a case as a declared table: which action takes which status where, and what it needs.

    reported ──open──▶ opened ──dispatch──▶ dispatched ──handle──▶ handled ──check──▶ checked ──close──▶ closed
       │                 │  ▲ escalate        │  ▲ escalate           │                                  │
       └─reject─▶ rejected                                            └─dispatch (check failed) ─▶ dispatched
                                                                                          closed ──evaluate──▶ evaluated
Any case still being worked on may be merged into another (status merged).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from shequ.incidents.models import Status

# Cases still being worked on: they count as open, can be overdue, can be merged and suggested as duplicates.
ACTIVE = (Status.REPORTED, Status.OPENED, Status.DISPATCHED, Status.HANDLED, Status.CHECKED)
CLOSED = (Status.CLOSED, Status.EVALUATED)
ESCALATABLE = (Status.OPENED, Status.DISPATCHED)

HANDLER = "handler"  # whoever's INCIDENT_HANDLE scope covers the case's handling_code
EVALUATOR = "evaluator"  # the reporter, or a handler


@dataclass(frozen=True)
class Transition:
    action: str
    source: str
    target: str
    label: str | Promise
    needs: tuple[str, ...] = ()  # "note", "department", "rating"
    who: str = HANDLER


TRANSITIONS: tuple[Transition, ...] = (
    Transition("open", Status.REPORTED, Status.OPENED, _("立案")),
    Transition("reject", Status.REPORTED, Status.REJECTED, _("不予立案"), needs=("note",)),
    Transition("dispatch", Status.OPENED, Status.DISPATCHED, _("派遣"), needs=("department",)),
    Transition("escalate", Status.OPENED, Status.OPENED, _("上报上级处理")),
    Transition("handle", Status.DISPATCHED, Status.HANDLED, _("处置完毕")),
    Transition("escalate", Status.DISPATCHED, Status.DISPATCHED, _("上报上级处理")),
    Transition("check", Status.HANDLED, Status.CHECKED, _("核查通过")),
    # A failed check sends the case back to a department (the same one unless another is chosen).
    Transition("dispatch", Status.HANDLED, Status.DISPATCHED, _("核查未通过，重新派遣"), needs=("note",)),
    Transition("close", Status.CHECKED, Status.CLOSED, _("结案")),
    Transition("evaluate", Status.CLOSED, Status.EVALUATED, _("评价"), needs=("rating",), who=EVALUATOR),
)

TABLE: dict[tuple[str, str], Transition] = {(t.source, t.action): t for t in TRANSITIONS}
ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TRANSITIONS))

# Names of every kind of history event, transitions and the rest.
EVENT_LABELS: dict[str, str | Promise] = {
    "report": _("上报"),
    "open": _("立案"),
    "reject": _("不予立案"),
    "dispatch": _("派遣"),
    "handle": _("处置"),
    "check": _("核查通过"),
    "close": _("结案"),
    "evaluate": _("评价"),
    "escalate": _("上报上级处理"),
    "merge": _("合并到其他事件"),
    "merged_in": _("并入重复事件"),
    "due_recomputed": _("办结时限调整"),
}


def transition_for(status: str, action: str) -> Transition | None:
    return TABLE.get((status, action))


def transitions_from(status: str) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == status]
