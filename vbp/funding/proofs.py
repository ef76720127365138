"""The hospital's proof of its total visits (住院人次附件), kept through the shared file store (vbp.files)."""

from __future__ import annotations

from django.db import transaction

from vbp import files
from vbp.audit.services import Kind, record_change, snapshot
from vbp.funding import services
from vbp.funding.models import Entry, VisitProof, VisitReport

ACCEPTED = files.ACCEPTED
ACCEPT_ATTRIBUTE = files.ACCEPT_ATTRIBUTE
MAX_NAME = VisitProof._meta.get_field("file_name").max_length


def store_proof(user, report: VisitReport, uploaded_file) -> VisitProof:
    """Keep a proof while the hospital may still change its total (before it submits)."""
    with files.keeping(services.FundingRefused) as keep, transaction.atomic():
        report = VisitReport.objects.select_for_update().get(pk=report.pk)
        services.check_own_hospital(user, report)
        if report.status == Entry.SUBMITTED:
            raise services.FundingRefused("住院总人次已提交，不能再上传附件")
        stored = keep(uploaded_file, max_name=MAX_NAME)
        proof = VisitProof.objects.create(report=report, uploaded_by=user, **stored.fields())
        record_change(user, Kind.CREATE, proof, after=snapshot(proof), message="上传住院总人次证明材料")
    return proof


def delete_proof(user, proof: VisitProof) -> None:
    """Remove a proof before the total is submitted; the file goes once the deletion is committed."""
    with transaction.atomic():
        report = VisitReport.objects.select_for_update().get(pk=proof.report_id)
        services.check_own_hospital(user, report)
        if report.status == Entry.SUBMITTED:
            raise services.FundingRefused("住院总人次已提交，附件不能删除")
        path = files.path(proof.stored_as)
        record_change(user, Kind.DELETE, proof, before=snapshot(proof), message=f"删除住院人次附件 {proof.file_name}")
        proof.delete()
        transaction.on_commit(lambda: path.unlink(missing_ok=True))


def serve(proof: VisitProof):
    return files.file_response(proof.stored_as, proof.content_type, proof.file_name)
