"""In the browser: sign in with the captcha, change the forced password, and see only the role's menus."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from vbp.accounts.models import Role, User

pytestmark = pytest.mark.django_db(transaction=True)

# Each role's side menu on its home page (every group open there), in the seeds' order: 首页 and 通知公告, then
# seed 000's 医疗机构医保资金考核评分 and 医保资金留用金额信息维护, Wuhan's 带量采购结余留用, 基础数据, and 系统管理.
REVIEW = [
    "落实集采政策评分审核",
    "集采任务完成情况评分审核",
    "医疗机构医保资金留用金额审核",
    "落实集采政策评分查看",
    "集采任务完成情况评分查看",
]
WUHAN = ["结余测算数据上报", "医疗机构结余金额", "申诉管理"]
FIGURES = ["采购进度", "报量核对", "逾期回款", "回款情况", "配送情况", "线下采购"]  # every business role
MONITORING = [*FIGURES, "配送企业档案", "供应问题反馈", "约谈督导", "季度通报"]  # the bureaus'
HOSPITAL_MONITORING = [*FIGURES, "供应问题反馈", "约谈督导", "季度通报"]
PLATFORM_MONITORING = [*FIGURES, "季度通报"]
MENUS = {
    "demo_province": [
        "首页",
        "通知公告",
        *REVIEW,
        "各地市医保资金留用金额审核情况",
        "全省医保基金支付比例维护",
        "本统筹地区参保患者住院人次维护",
        "参保患者住院人次及占比查询",
        *WUHAN,
        *MONITORING,
        "重新计算",  # the figures are the province's
        "医疗机构",
        "平台数据",
        "数据导入",
    ],
    "demo_city": [
        "首页",
        "通知公告",
        *REVIEW,
        "本统筹地区参保患者住院人次维护",
        "省内异地参保患者住院人次维护",  # 太原市: the capital's insured at the province-direct hospitals
        "参保患者住院人次及占比查询",
        *WUHAN,
        *MONITORING,
        "医疗机构",
        "平台数据",
    ],
    "demo_district": [
        "首页",
        "通知公告",
        *REVIEW,
        "参保患者住院人次及占比查询",
        *WUHAN,
        *MONITORING,
        "医疗机构",
        "平台数据",
    ],
    "demo_platform": [
        "首页",
        "通知公告",
        "省内异地参保患者住院人次维护",
        "参保患者住院人次及占比查询",
        *PLATFORM_MONITORING,
        "医疗机构",
        "平台数据",
    ],
    "demo_hospital": [
        "首页",
        "通知公告",
        "自评填报",
        "医保资金留用金额查看",
        "落实集采政策评分查看",
        "集采任务完成情况评分查看",
        "医疗机构上一年度住院总人次填报",
        "申诉管理",
        *HOSPITAL_MONITORING,
        "医疗机构",
        "平台数据",
    ],
    "demo_sysadmin": ["首页", "系统管理"],
    "demo_secadmin": ["首页", "安全设置", "用户授权", "接口令牌管理"],
    "demo_auditor": ["首页", "操作日志", "登录日志"],
}
GROUPS = {
    "demo_province": [
        "医疗机构医保资金考核评分",
        "医保资金留用金额信息维护",
        "带量采购结余留用",
        "采购使用监测",
        "基础数据",
    ],
    "demo_platform": ["医保资金留用金额信息维护", "采购使用监测", "基础数据"],
    "demo_hospital": [
        "医疗机构医保资金考核评分",
        "医保资金留用金额信息维护",
        "带量采购结余留用",
        "采购使用监测",
        "基础数据",
    ],
    "demo_sysadmin": ["系统管理"],
    "demo_auditor": ["系统管理"],
}


def test_a_new_account_signs_in_with_the_captcha_and_must_change_its_password_first(page: Page, login):
    User.objects.create_user("newclerk", password="First-Pass-01", role=Role.PROVINCE)  # must change: a new account

    assert login(page, "newclerk", "First-Pass-01")
    expect(page.get_by_text("请先修改密码")).to_be_visible()
    page.goto("/platform/")  # anything else leads back to the password page
    expect(page).to_have_url(re.compile(r"/account/password/\?due=1$"))

    page.get_by_label("原密码").fill("First-Pass-01")
    page.get_by_label("新密码", exact=True).fill("Second-Pass-02")
    page.get_by_label("确认新密码").fill("Second-Pass-02")
    page.get_by_role("button", name="确定").click()
    expect(page.get_by_text("密码已修改。")).to_be_visible()
    page.goto("/platform/")
    expect(page.get_by_role("heading", name="平台数据")).to_be_visible()


@pytest.mark.parametrize("username", list(MENUS))
def test_each_role_sees_only_its_menus(page: Page, login, username):
    call_command("load_demo", verbosity=0)
    assert login(page, username, "demo2024!")
    expect(page.locator("header.top nav a")).to_have_text(MENUS[username])
    if username in GROUPS:
        expect(page.locator("header.top nav details.group > summary")).to_have_text(GROUPS[username])
