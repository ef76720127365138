"""The home page: who the user is, what waits for them (待办), what they can reach, and the rule-set presets."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from vbp.appeals.selectors import appeal_todos
from vbp.assessment.selectors import Todo, todos
from vbp.catalog.models import Hospital
from vbp.funding.selectors import funding_todos
from vbp.permissions import sees_business_data
from vbp.platformdata.models import PlatformRecord
from vbp.presets import PRESETS, load_preset
from vbp.ui.export import scope_text
from vbp.web.workbench import workbench


@login_required
def home(request):
    user = request.user
    waiting = todos(user) + funding_todos(user) + [Todo(text, url) for text, url in appeal_todos(user)]
    context = {"rule_sets": [load_preset(name) for name in PRESETS], "scope": scope_text(user), "todos": waiting}
    if sees_business_data(user):
        context["counts"] = {
            "hospitals": Hospital.objects.visible_to(user).count(),
            "records": PlatformRecord.objects.visible_to(user).count(),
        }
        context["bench"] = workbench(user)
    return render(request, "web/home.html", context)
