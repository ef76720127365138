"""登录, 个人信息, 修改密码, 接口令牌, and the security administrator's 安全设置, 登录锁定 and 用户授权 pages."""

from captcha.views import captcha_refresh
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from vbp.accounts import security, services, throttle
from vbp.accounts.forms import (
    ApiTokenForm,
    AuthorizationForm,
    AuthorizationQueryForm,
    LoginForm,
    PasswordChangeForm,
    SecurityPolicyForm,
    UnlockForm,
)
from vbp.accounts.models import ApiToken, Role, SecurityPolicy, User
from vbp.audit.services import client_ip

# Each captcha drawn is a row in the database: an address may have this many drawn per window, signed in or not.
CAPTCHAS_PER_WINDOW, CAPTCHA_WINDOW_SECONDS = 30, 600
TOO_MANY = "请求过于频繁，请 10 分钟后再试。"


def _captcha_allowed(request) -> bool:
    return throttle.allow(f"captcha:{client_ip(request)}", limit=CAPTCHAS_PER_WINDOW, seconds=CAPTCHA_WINDOW_SECONDS)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login(request):
    if request.user.is_authenticated:
        return redirect("home")
    if not _captcha_allowed(request):
        return render(request, "registration/too_many.html", {"message": TOO_MANY}, status=429)
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        auth_login(request, form.user)
        target = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            target = "home"
        return redirect(target)
    context = {"form": form, "next": request.GET.get("next", ""), "policy": SecurityPolicy.current()}
    return render(request, "registration/login.html", context)


@never_cache
def captcha_refresh_limited(request):
    """A new captcha (换一张), within the same per-address limit as the login page."""
    if not _captcha_allowed(request):
        return JsonResponse({"error": TOO_MANY}, status=429)
    return captcha_refresh(request)


@login_required
def profile(request):
    policy = SecurityPolicy.current()
    context = {"expired": security.password_expired(request.user, policy), "policy": policy}
    return render(request, "accounts/profile.html", context)


@sensitive_post_parameters("password")
@login_required
def api_tokens(request):
    """接口令牌: the user's own tokens; a new one after the password again (counted toward the lockout)."""
    if not services.may_hold_api_token(request.user):
        raise Http404
    form = ApiTokenForm(request, data=request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        try:
            token, new_key = services.create_api_token(request.user, name=form.cleaned_data["name"])
        except services.AccountRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已创建接口令牌 {token.prefix}…，请立即复制保存：离开本页后不再显示。")
            form = ApiTokenForm(request)
    tokens = ApiToken.objects.filter(user=request.user)
    context = {"form": form, "tokens": tokens, "new_key": new_key, "policy": SecurityPolicy.current()}
    return render(request, "accounts/api_tokens.html", context)


@login_required
@require_POST
def api_token_revoke(request, pk: int):
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    if not services.may_revoke(request.user, token):
        raise Http404
    try:
        services.revoke_api_token(request.user, token)
        messages.success(request, f"已作废接口令牌 {token.prefix}…")
    except services.AccountRefused as error:
        messages.error(request, str(error))
    return redirect("accounts:authorizations" if request.user.role == Role.SECURITY_ADMIN else "accounts:api_tokens")


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


AUTHORIZATION_PAGE_SIZE = 50


@login_required
def authorizations(request):
    """用户授权: every business account (or one waiting for a role), with its role and scope; and the API tokens."""
    _security_admin(request)
    query = AuthorizationQueryForm(request.GET or None)
    accounts = User.objects.exclude(role__in=services.ADMIN_ROLES).exclude(is_staff=True)
    accounts = accounts.select_related("region", "hospital").order_by("username")
    if query.is_valid():
        accounts = query.filter(accounts)
    page = Paginator(accounts, AUTHORIZATION_PAGE_SIZE).get_page(request.GET.get("page"))
    tokens = ApiToken.objects.usable().select_related("user").order_by("-created_at")[:200]
    params = request.GET.copy()
    params.pop("page", None)
    context = {"query": query, "page": page, "tokens": tokens, "params": params.urlencode()}
    return render(request, "accounts/authorizations.html", context)


@login_required
def authorize(request, pk: int):
    """One account's role and scope, set by the security administrator (audited before and after)."""
    _security_admin(request)
    account = get_object_or_404(User.objects.exclude(role__in=services.ADMIN_ROLES).exclude(is_staff=True), pk=pk)
    form = AuthorizationForm(request.POST or None, account=account)
    if request.method == "POST" and form.is_valid():
        try:
            services.authorize(request.user, account, **form.cleaned_data)
        except services.AccountRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已保存 {account.username} 的授权。")
            return redirect("accounts:authorizations")
    return render(request, "accounts/authorize.html", {"form": form, "account": account})


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
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请指定要解锁的账号或地址")
    else:
        field, value = form.cleaned_data["field"], form.cleaned_data["value"]
        services.unlock(request.user, **{field: value})
        messages.success(request, f"已解锁：{value}")
    return redirect("accounts:security")
