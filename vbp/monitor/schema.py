"""The sheets and columns of monitoring input, by their Chinese names."""

from __future__ import annotations

from dataclasses import dataclass

ORDER_LINES = "订单明细"
AGREEMENTS = "约定采购量"
REPORTS = "报量"

YES, NO = "是", "否"
ONLINE, OFFLINE = "线上", "线下"

MAX_INTEGER_DIGITS = 15  # volumes: up to 999 trillion units, so sums of millions of lines stay exact
MAX_AMOUNT_DIGITS = 14  # yuan before the point; two after it (fen)
EARLIEST_YEAR, LATEST_YEAR = 1990, 2100


@dataclass(frozen=True)
class Column:
    header: str
    name: str  # the column's name in the SQL tables
    kind: str  # text | yes_no | method | integer | amount | date
    required: bool = True  # False: the cell may be empty (the column itself must be there unless optional)
    optional: bool = False  # the column may be absent

    @property
    def expected(self) -> str:
        return {
            "text": "文本",
            "yes_no": f"“{YES}”或“{NO}”",
            "method": f"“{ONLINE}”或“{OFFLINE}”",
            "integer": "≥ 0 的整数",
            "amount": "≥ 0 的金额（元，最多两位小数）",
            "date": "日期（如 2024-01-31）",
        }[self.kind]


ORDER_COLUMNS = (
    Column("订单编号", "order_no", "text"),
    Column("医疗机构编码", "hospital", "text"),
    Column("带量批次", "batch", "text"),
    Column("药品通用名", "generic", "text"),
    Column("是否中选", "winning", "yes_no"),
    Column("配送企业", "distributor", "text"),
    Column("采购方式", "offline", "method"),
    Column("采购数量", "quantity", "integer"),
    Column("采购金额", "amount", "amount"),
    Column("下单日期", "ordered", "date"),
    Column("配送日期", "delivered", "date", required=False),
    Column("入库日期", "received", "date", required=False),
    Column("入库金额", "received_amount", "amount", required=False),
    Column("支付日期", "paid", "date", required=False),
)

AGREEMENT_COLUMNS = (
    Column("医疗机构编码", "hospital", "text"),
    Column("带量批次", "batch", "text"),
    Column("药品通用名", "generic", "text"),
    Column("约定采购量", "agreed", "integer"),
    Column("执行开始日期", "starts", "date"),
    Column("执行结束日期", "ends", "date"),
)

REPORT_COLUMNS = (
    Column("医疗机构编码", "hospital", "text"),
    Column("带量批次", "batch", "text"),
    Column("药品通用名", "generic", "text"),
    Column("报量", "reported", "integer"),
    Column("上一年度实际采购量", "last_year", "integer", required=False, optional=True),
)

# sheet → (columns, the columns no two rows may share, whether the sheet may be absent)
INPUT_SHEETS = {
    ORDER_LINES: (ORDER_COLUMNS, ("order_no", "hospital"), False),
    AGREEMENTS: (AGREEMENT_COLUMNS, ("hospital", "batch", "generic"), False),
    REPORTS: (REPORT_COLUMNS, ("hospital", "batch", "generic"), True),
}

KNOWN_HEADERS = {column.header for columns, _, _ in INPUT_SHEETS.values() for column in columns}
