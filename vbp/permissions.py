"""Who may do what: every role predicate of the system, in one place, each named by what it allows.

Plain functions rather than django-rules: each takes the user (and the object it is about, when the
answer depends on it) and returns a bool; they are typed, found by a grep, and tested directly.
Which *rows* a user reaches is not decided here but by data scope (vbp.accounts.scope): a predicate
says whether a role may use a page or act on an object it has already been allowed to see.

Every predicate fails closed: no user, an inactive user, or a user without the role is refused.
Roles are compared by their TextChoices, never by raw strings.
"""

from __future__ import annotations

from vbp.accounts.models import Role

BUREAUS = frozenset({Role.PROVINCE, Role.CITY, Role.DISTRICT})
BUSINESS = frozenset({*BUREAUS, Role.REMOTE_PLATFORM, Role.HOSPITAL})
ADMINISTRATORS = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})


def _active(user) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def has_role(user, *roles: Role) -> bool:
    return _active(user) and user.role in roles


def signed_in(user) -> bool:
    """Every active account, the three administrators too: its own 个人信息 and 修改密码."""
    return _active(user)


# --- the three administrators (三员分立) -----------------------------------------------------------------


def manages_accounts(user) -> bool:
    """系统管理: accounts, regions and pools in the admin."""
    return has_role(user, Role.SYSTEM_ADMIN) and user.is_staff


def sets_security_policy(user) -> bool:
    """安全设置, 登录锁定 and 用户授权."""
    return has_role(user, Role.SECURITY_ADMIN)


def reads_audit_log(user) -> bool:
    """操作日志 and 登录日志."""
    return has_role(user, Role.AUDIT_ADMIN)


# --- business data -------------------------------------------------------------------------------------


def sees_business_data(user) -> bool:
    """Any bureau, the remote-settlement platform, a hospital: the three administrators (三员) see none."""
    return has_role(user, *BUSINESS)


def holds_api_tokens(user) -> bool:
    return sees_business_data(user)


def reaches_api_tokens(user) -> bool:
    """接口令牌: a business account's own tokens, or every token for the security administrator (to revoke them)."""
    return holds_api_tokens(user) or sets_security_policy(user)


def revokes_api_token(user, token) -> bool:
    """Its owner, or the security administrator."""
    return _active(user) and (token.user_id == user.pk or user.role == Role.SECURITY_ADMIN)


def imports_data(user) -> bool:
    """Master and platform data are the province bureau's (此数据由平台提供)."""
    return has_role(user, Role.PROVINCE)


def reopens_submitted_data(user) -> bool:
    """退回: a submitted review, ratio, visit count or confirmed amount goes back, with a reason."""
    return has_role(user, Role.PROVINCE)


# --- assessment ----------------------------------------------------------------------------------------


def fills_assessment(user, hospital) -> bool:
    """自评填报: a hospital fills its own assessment."""
    return has_role(user, Role.HOSPITAL) and user.hospital_id == hospital.pk


def reviews_assessments(user) -> bool:
    """The bureaus have review pages; which hospitals each reviews is ``reviews_hospital``'s business."""
    return has_role(user, *BUREAUS)


def reviews_hospital(user, hospital) -> bool:
    """The reviewing bureau: the province for a province-direct hospital, else its city's or district's bureau."""
    if not _active(user):
        return False
    if hospital.province_direct:
        return user.role == Role.PROVINCE
    if user.role == Role.CITY:
        return hospital.city_id == user.region_id
    if user.role == Role.DISTRICT:
        return hospital.district_id == user.region_id
    return False


def views_scores(user) -> bool:
    """The 查看 pages: the bureaus, and a hospital for its own assessments."""
    return has_role(user, *BUREAUS, Role.HOSPITAL)


def reads_assessment_attachment(user, hospital) -> bool:
    """An assessment's attachments: the hospital itself, its reviewing bureau and the province bureau."""
    return fills_assessment(user, hospital) or reviews_hospital(user, hospital) or has_role(user, Role.PROVINCE)


# --- funding -------------------------------------------------------------------------------------------


def keeps_pay_ratios(user) -> bool:
    """全省医保基金支付比例维护."""
    return has_role(user, Role.PROVINCE)


def keeps_visits(user) -> bool:
    """住院人次维护: the hospital (its total), the pools' bureaus and the remote-settlement platform."""
    return has_role(user, Role.HOSPITAL, Role.PROVINCE, Role.CITY, Role.REMOTE_PLATFORM)


def enters_total_visits(user, hospital=None) -> bool:
    """上一年度住院总人次 and its proof: the hospital itself (any hospital account, when no hospital is named)."""
    if not (has_role(user, Role.HOSPITAL) and user.hospital_id):
        return False
    return hospital is None or user.hospital_id == hospital.pk


def keeps_capital_visits(user) -> bool:
    """(太原市)省内异地参保患者住院人次维护 (seed 000 §2.3): the bureau of the city the province-direct hospitals are in
    enters its insured's visits at them."""
    if not has_role(user, Role.CITY):
        return False
    from vbp.catalog.models import Hospital  # the catalogue is above this module

    return Hospital.objects.filter(province_direct=True, city_id=user.region_id).exists()


def enters_pool_visits(user, hospital, pool) -> bool:
    """Who enters ``pool``'s insured visits at ``hospital`` (seed 000 §2): 省直 by the province, the hospital's
    city's pool by that city's bureau, the other cities of a province-direct hospital by the remote platform.
    The hospital must be in the user's scope as well (the caller found it through it)."""
    if not _active(user):
        return False
    party = pool_party(hospital, pool)
    if party == Role.CITY:
        return user.role == Role.CITY and user.region_id == pool.region_id
    return user.role == party


def pool_party(hospital, pool) -> Role:
    """The role that enters ``pool``'s visits at ``hospital``."""
    if pool.province_level:
        return Role.PROVINCE
    if pool.region_id == hospital.city_id:
        return Role.CITY
    return Role.REMOTE_PLATFORM


def sees_shares(user) -> bool:
    """参保患者住院人次及占比查询."""
    return has_role(user, *BUREAUS, Role.REMOTE_PLATFORM, Role.HOSPITAL)


def sees_amounts(user) -> bool:
    """留用金额: the bureaus of the hospital's region, and the hospital for its own."""
    return has_role(user, *BUREAUS, Role.HOSPITAL)


def confirms_amounts(user, hospital) -> bool:
    """The hospital's bureau confirms: the province for a province-direct hospital, else the city bureau."""
    if not _active(user):
        return False
    if hospital.province_direct:
        return user.role == Role.PROVINCE
    return user.role == Role.CITY and user.region_id == hospital.city_id


def sees_overview(user) -> bool:
    """各地市医保资金留用金额审核情况."""
    return has_role(user, Role.PROVINCE)


def sees_surplus(user) -> bool:
    """Wuhan's 医疗机构结余金额 and the calculation workbook (测算底稿): the bureaus."""
    return has_role(user, *BUREAUS)


def recalculates(user) -> bool:
    """重新测算 of a batch, for the hospitals in the user's scope."""
    return has_role(user, Role.PROVINCE, Role.CITY)


# --- appeals -------------------------------------------------------------------------------------------


def has_appeal_pages(user) -> bool:
    """The hospitals and the bureaus; not the remote platform."""
    return has_role(user, *BUREAUS, Role.HOSPITAL)


def files_appeals(user, hospital=None) -> bool:
    """A hospital files (and follows up) its own appeals."""
    return (
        has_role(user, Role.HOSPITAL)
        and bool(user.hospital_id)
        and (hospital is None or hospital.pk == user.hospital_id)
    )


def answers_appeals(user, hospital) -> bool:
    """The hospital's bureau replies and closes: the province for any hospital, and for a province-direct one only
    the province; otherwise its city's bureau, or its district's (Wuhan's district bureaus handle appeals)."""
    if not _active(user):
        return False
    if user.role == Role.PROVINCE:
        return True
    if hospital.province_direct or not user.region_id:
        return False
    if user.role == Role.CITY:
        return hospital.city_id == user.region_id
    if user.role == Role.DISTRICT:
        return hospital.district_id == user.region_id
    return False


# --- procurement monitoring --------------------------------------------------------------------------------


def refreshes_monitoring(user) -> bool:
    """重新计算 a year's monitoring figures as of another date: they are the whole province's, so the province's."""
    return has_role(user, Role.PROVINCE)


def explains_demand_report(user, hospital) -> bool:
    """A hospital writes the 说明 of its own flagged 报量 (and reports again when it is returned)."""
    return has_role(user, Role.HOSPITAL) and user.hospital_id == hospital.pk


def reviews_demand_report(user, hospital) -> bool:
    """The bureau that reviews the hospital's assessment accepts or returns its 说明."""
    return reviews_hospital(user, hospital)


def keeps_distributors(user) -> bool:
    """配送企业档案: the bureaus read and keep the register."""
    return has_role(user, *BUREAUS)


def reports_supply_issue(user, hospital=None) -> bool:
    """供应问题反馈: a hospital reports for itself."""
    return (
        has_role(user, Role.HOSPITAL)
        and bool(user.hospital_id)
        and (hospital is None or hospital.pk == user.hospital_id)
    )


def handles_supply_issue(user, hospital) -> bool:
    """The hospital's bureau follows the issue up: the one reviewing it, or the province."""
    return has_role(user, Role.PROVINCE) or reviews_hospital(user, hospital)


def has_supervision_pages(user) -> bool:
    """供应问题反馈 and 约谈督导: the bureaus and the hospitals (about themselves)."""
    return has_role(user, *BUREAUS, Role.HOSPITAL)


def records_interviews(user) -> bool:
    """约谈督导 records are kept by the bureaus."""
    return has_role(user, *BUREAUS) and bool(user.region_id)
