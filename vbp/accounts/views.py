"""登录, 个人信息 (with 个人信息修改), 修改密码, 接口令牌, and the security administrator's 安全设置, 登录锁定,
用户授权 and 接口令牌管理 pages.

The login page and the captcha's 换一张 are for visitors not signed in yet; every other page is a list page
(vbp.accounts.lists) or guarded by ``@page``, the account or token the URL names fetched through its scope.
"""

from captcha.views import captcha_refresh
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.http import HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from vbp import permissions
from vbp.accounts import security, services, throttle
from vbp.accounts.forms import (
    AuthorizationForm,
    LoginForm,
    LoginNext,
    PasswordChangeForm,
    ProfileForm,
    SecurityPolicyForm,
    UnlockForm,
)
from vbp.accounts.lists import AccountList, AllTokenList, TokenList, authorizable_accounts
from vbp.accounts.models import ApiToken, SecurityPolicy, User
from vbp.audit.services import client_ip
from vbp.ui.views import Lookup, page, refused

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
    posted = request.method == "POST"
    form = LoginForm(request, data=request.POST if posted else None)
    wanted = _safe_next(request, LoginNext(request.POST if posted else request.GET).values.get("next", ""))
    if posted and form.is_valid():
        auth_login(request, form.user)
        return HttpResponseRedirect(wanted) if wanted else redirect("home")
    context = {"form": form, "next": wanted, "policy": SecurityPolicy.current()}
    return render(request, "registration/login.html", context)


def _safe_next(request, target: str) -> str:
    """Where to go after signing in: a path on this system ("/appeals/"), else nowhere (the home page)."""
    if not target.startswith("/") or target.startswith("//"):
        return ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


@never_cache
def captcha_refresh_limited(request):
    """A new captcha (换一张), within the same per-address limit as the login page."""
    if not _captcha_allowed(request):
        return JsonResponse({"error": TOO_MANY}, status=429)
    return captcha_refresh(request)


@page(permissions.signed_in)
def profile(request):
    """个人信息: the account, and 个人信息修改 (seed 001 §3): name, phone and e-mail, audited before and after."""
    user = request.user
    form = ProfileForm(request.POST if request.method == "POST" else None, initial=ProfileForm.initial_of(user))
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.update_profile(user, name=values["name"], phone=values["phone"], email=values["email"])
        except services.AccountRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "个人信息已保存。")
            return redirect("accounts:profile")
    policy = SecurityPolicy.current()
    context = {
        "form": form,
        "expired": security.password_expired(user, policy),
        "policy": policy,
        "holds_tokens": permissions.holds_api_tokens(user),
    }
    return render(request, "accounts/profile.html", context)


api_tokens = sensitive_post_parameters("password")(TokenList.as_view())
all_tokens = AllTokenList.as_view()


@page(permissions.reaches_api_tokens, token=Lookup(ApiToken, "pk", related=("user",)))
@require_POST
def api_token_revoke(request, token: ApiToken):
    """作废: the token's owner, or the security administrator (ApiToken.objects.visible_to says whose tokens)."""
    try:
        services.revoke_api_token(request.user, token)
    except services.AccountRefused as error:
        refused(request, error)
    else:
        messages.success(request, f"已作废接口令牌 {token.prefix}…")
    return redirect("accounts:tokens" if permissions.sets_security_policy(request.user) else "accounts:api_tokens")


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@page(permissions.signed_in)
def password_change(request):
    form = PasswordChangeForm(request.user, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, "密码已修改。")
        return redirect("home")
    due = security.must_change_password(request.user)
    return render(request, "accounts/password_change.html", {"form": form, "due": due})


authorizations = AccountList.as_view()


@page(permissions.sets_security_policy, account=Lookup(authorizable_accounts(), "pk", related=("region", "hospital")))
def authorize(request, account: User):
    """One account's role and scope, set by the security administrator (audited before and after)."""
    form = AuthorizationForm(request.POST if request.method == "POST" else None, account=account)
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            services.authorize(
                request.user, account, role=values["role"], region=values["region"], hospital=values["hospital"]
            )
        except services.AccountRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"已保存 {account.username} 的授权。")
            return redirect("accounts:authorizations")
    return render(request, "accounts/authorize.html", {"form": form, "account": account})


@page(permissions.sets_security_policy)
def security_settings(request):
    policy = SecurityPolicy.current()
    form = SecurityPolicyForm(request.POST if request.method == "POST" else None, policy=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_security_policy(request.user, **form.cleaned_data)
        except services.AccountRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "安全设置已保存。")
            return redirect("accounts:security")
    return render(request, "accounts/security.html", {"form": form, "locks": security.current_locks()})


@page(permissions.sets_security_policy)
@require_POST
def security_unlock(request):
    form = UnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.first_error())
    else:
        field, value = form.cleaned_data["field"], form.cleaned_data["value"]
        services.unlock(request.user, **{field: value})
        messages.success(request, f"已解锁：{value}")
    return redirect("accounts:security")
