"""登录, 个人信息, 修改密码, and the security administrator's 安全设置 and 登录锁定 pages."""

from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from vbp.accounts import security, services
from vbp.accounts.forms import LoginForm, PasswordChangeForm, SecurityPolicyForm
from vbp.accounts.models import Role, SecurityPolicy


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.user)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = "home"
        return redirect(target)
    return render(request, "registration/login.html", {"form": form, "next": request.GET.get("next", "")})


@login_required
def profile(request):
    policy = SecurityPolicy.current()
    return render(request, "accounts/profile.html", {"expired": security.password_expired(request.user, policy)})


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改。")
        return redirect("home")
    due = request.user.must_change_password or security.password_expired(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "due": due})


def _security_admin(request):
    if not request.user.is_authenticated or request.user.role != Role.SECURITY_ADMIN:
        raise Http404


@login_required
def security_settings(request):
    _security_admin(request)
    form = SecurityPolicyForm(request.POST or None, instance=SecurityPolicy.current())
    if request.method == "POST" and form.is_valid():
        services.update_security_policy(request.user, **form.cleaned_data)
        messages.success(request, "安全设置已保存。")
        return redirect("accounts:security")
    return render(request, "accounts/security.html", {"form": form, "locks": security.current_locks()})


@login_required
@require_POST
def security_unlock(request):
    _security_admin(request)
    field, value = request.POST.get("field"), request.POST.get("value", "")
    if field not in ("username", "ip_address") or not value:
        messages.error(request, "请指定要解锁的账号或地址")
    else:
        services.unlock(request.user, **{field: value})
        messages.success(request, f"已解锁：{value}")
    return redirect("accounts:security")
