"""Checks shared by the forms and the services: attachments (at most 5 MB, and only PDF, PNG, JPEG, plain
text or CSV, by name and by content) and a cancellation's reason."""

import os

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from .models import CancellationReason

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024

# extension → (content type we store and serve, check of the first bytes)
_PDF = ("application/pdf", lambda head: head.startswith(b"%PDF-"))
_PNG = ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"))
_JPEG = ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff"))


def _is_text(head):
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


ALLOWED_TYPES = {
    ".pdf": _PDF,
    ".png": _PNG,
    ".jpg": _JPEG,
    ".jpeg": _JPEG,
    ".txt": ("text/plain", _is_text),
    ".csv": ("text/csv", _is_text),
}


def validate_attachment(upload):
    """Refuse a file that is too big or not of an allowed type; return the content type to store."""
    if upload.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("“%(name)s” is too big (%(size)s); attachments can be at most %(limit)s."),
            code="too_big",
            params={
                "name": upload.name,
                "size": filesizeformat(upload.size),
                "limit": "%d MB" % (MAX_ATTACHMENT_BYTES // (1024 * 1024)),
            },
        )
    extension = os.path.splitext(upload.name or "")[1].lower()
    if extension not in ALLOWED_TYPES:
        raise ValidationError(
            _("“%(name)s” is not an allowed file type. Attach a PDF, PNG, JPG, TXT or CSV file."),
            code="wrong_type",
            params={"name": upload.name},
        )
    content_type, looks_right = ALLOWED_TYPES[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if not looks_right(head):
        raise ValidationError(
            _("“%(name)s” does not contain what its name says (%(extension)s)."),
            code="wrong_content",
            params={"name": upload.name, "extension": extension},
        )
    return content_type


def cancellation_reason_clean(*, wants_cancellation: bool, reason: str, other: str) -> tuple[str, str]:
    """The reason a cancellation must give, and the free text kept only for "other"; nothing without a cancellation.

    Raises a ValidationError keyed by the form's (and the model's) field names.
    """
    if not wants_cancellation:
        return "", ""
    if reason not in CancellationReason.values:
        raise ValidationError({"cancellation_reason": _("Choose why you want to cancel.")}, code="required")
    other = (other or "").strip()
    if reason != CancellationReason.OTHER:
        return reason, ""
    if not other:
        raise ValidationError({"cancellation_reason_other": _("Tell us why you want to cancel.")}, code="required")
    return reason, other
