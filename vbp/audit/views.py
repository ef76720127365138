"""操作日志 and 登录日志: the audit administrator's pages (vbp.audit.lists), with a query form and 导出."""

from vbp.audit.lists import LoginList, OperationList

operation_list = OperationList.as_view()
login_list = LoginList.as_view()
