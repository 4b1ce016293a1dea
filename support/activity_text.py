"""How support's activity verbs read (R16): request numbers, titles and status codes, per reader."""

from .models import RequestStatus


def _status(code: str) -> str:
    return str(RequestStatus(code).label) if code else "—"


RENDERERS = {
    "service_request.filed": lambda data: data["title"],
    "service_request.status_changed": lambda data: f"{_status(data['from'])} → {_status(data['to'])}",
    "service_request.assigned": lambda data: data["assignee"],
}
