"""The pages of 配送企业档案, 供应问题反馈 and 约谈督导."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from vbp import files, permissions
from vbp.supervision import services
from vbp.supervision.forms import DistributorForm, FollowUpForm, InterviewForm, SupplyIssueForm
from vbp.supervision.lists import DistributorList, InterviewList, SupplyIssueList
from vbp.supervision.models import Distributor, Interview, InterviewAttachment, SupplyIssue
from vbp.ui.views import Lookup, page

distributors = DistributorList.as_view()
issues = SupplyIssueList.as_view()
interviews = InterviewList.as_view()


def _form_page(request, form, title: str, back: str, multipart: bool = False):
    context = {"form": form, "title": title, "back": back, "multipart": multipart}
    return render(request, "supervision/form.html", context)


@page(permissions.keeps_distributors)
def distributor_new(request):
    return _distributor_form(request, None)


@page(permissions.keeps_distributors, distributor=Lookup(Distributor, "pk"))
def distributor_edit(request, distributor: Distributor):
    return _distributor_form(request, distributor)


def _distributor_form(request, distributor: Distributor | None):
    initial = {name: getattr(distributor, name) for name in services.DISTRIBUTOR_FIELDS} if distributor else {}
    if distributor:
        initial["version"] = distributor.version
    form = DistributorForm(request.POST or None, initial=initial or {"status": Distributor.Status.ACTIVE})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_distributor(request.user, form.cleaned_data, distributor)
        except services.Refused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "配送企业档案已保存。")
            return redirect("supervision:distributors")
    title = f"配送企业档案：{distributor.name}" if distributor else "新增配送企业"
    return _form_page(request, form, title, reverse("supervision:distributors"))


@page(permissions.reports_supply_issue)
def issue_new(request):
    form = SupplyIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issue = services.report_issue(request.user, form.cleaned_data)
        except services.Refused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "供应问题已反馈，医保部门将跟进处理。")
            return redirect("supervision:issue", pk=issue.pk)
    return _form_page(request, form, "反馈供应问题", reverse("supervision:issues"))


ISSUE = Lookup(SupplyIssue, "pk", related=("hospital", "distributor", "batch", "reported_by", "handled_by"))


@page(permissions.has_supervision_pages, issue=ISSUE)
def issue_detail(request, issue: SupplyIssue):
    return render(request, "supervision/issue.html", _issue_context(request, issue))


@page(permissions.has_supervision_pages, issue=ISSUE)
@require_POST
def issue_follow_up(request, issue: SupplyIssue):
    if not permissions.handles_supply_issue(request.user, issue.hospital):
        raise Http404
    form = FollowUpForm(request.POST)
    if form.is_valid():
        values = form.cleaned_data
        try:
            services.follow_up(
                request.user, issue, values["status"], values["follow_up"], values["outcome"], version=values["version"]
            )
        except services.Refused as error:  # resolved or changed meanwhile: said above the issue as it is now
            messages.error(request, str(error))
        else:
            messages.success(request, "已保存跟进情况。")
        return redirect("supervision:issue", pk=issue.pk)
    issue.refresh_from_db()
    return render(request, "supervision/issue.html", _issue_context(request, issue, form))


def _issue_context(request, issue: SupplyIssue, form=None) -> dict:
    context = {"issue": issue, "title": f"供应问题：{issue.hospital.name} {issue.generic}"}
    if issue.status != SupplyIssue.Status.RESOLVED and permissions.handles_supply_issue(request.user, issue.hospital):
        initial = {"status": issue.status, "follow_up": issue.follow_up, "outcome": issue.outcome}
        context["form"] = form or FollowUpForm(initial={**initial, "version": issue.version})
    return context


@page(permissions.records_interviews)
def interview_new(request):
    form = InterviewForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            interview = services.record_interview(request.user, values, values["files"])
        except services.Refused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "约谈督导记录已保存。")
            return redirect("supervision:interview", pk=interview.pk)
    return _form_page(request, form, "新增约谈记录", reverse("supervision:interviews"), multipart=True)


@page(
    permissions.has_supervision_pages,
    interview=Lookup(Interview, "pk", related=("hospital", "distributor", "region", "created_by")),
)
def interview_detail(request, interview: Interview):
    context = {
        "interview": interview,
        "attachments": list(interview.attachments.all()),
        "title": f"约谈督导：{interview.party}",
    }
    return render(request, "supervision/interview.html", context)


@page(permissions.has_supervision_pages, attachment=Lookup(InterviewAttachment, "pk"))
def interview_attachment(request, attachment: InterviewAttachment):
    """An attachment of a record the user may read."""
    return files.file_response(attachment.stored_as, attachment.content_type, attachment.file_name)
