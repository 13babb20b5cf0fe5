"""Sales tasks: thin, taking ids, safe to run twice."""

import logging
from smtplib import SMTPException

from celery import shared_task
from django.contrib.auth import get_user_model

from backoffice.actors import Actor
from backoffice.pdf import PdfUnavailable
from sales.services import document_files

logger = logging.getLogger(__name__)


@shared_task
def document_pdf_make_task(kind: str, pk: int) -> str:
    """Make (once) the PDF of an issued invoice or credit note. Where PDFs cannot be made,
    the document stands without one and its first download says why."""
    try:
        return document_files.document_pdf(document_files.document_get(kind, pk)).sha256
    except PdfUnavailable as error:
        logger.warning("%s %s has no PDF yet: %s", kind, pk, error)
        return ""


@shared_task(autoretry_for=(OSError, SMTPException), retry_backoff=60, max_retries=6)
def document_send_task(kind: str, pk: int, recipient: str, user_id: int | None) -> str:
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    actor = Actor.for_user(user) if user else Actor.system("Document mail")
    document_files.document_mail(document_files.document_get(kind, pk), recipient, actor)
    return recipient
