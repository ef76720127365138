"""The sheets and columns of calculator workbooks, by their Chinese names."""

from __future__ import annotations

from dataclasses import dataclass

PRODUCTS = "品种明细"
HOSPITALS = "医疗机构"
VISITS = "参保住院人次"
POOL_AMOUNTS = "分统筹区留用金额"
SUMMARY = "汇总"
RULES = "规则"
YES, NO = "是", "否"


@dataclass(frozen=True)
class Column:
    header: str
    name: str  # the English field name used in code
    kind: str  # text | yes_no | decimal | integer | percent
    required: bool = True
    minimum: int | None = None
    maximum: int | None = None
    exclusive_minimum: bool = False

    @property
    def expected(self) -> str:
        """What a valid value looks like, in the words of the error report."""
        if self.kind == "text":
            return "文本"
        if self.kind == "yes_no":
            return f"“{YES}”或“{NO}”"
        if self.kind == "percent":
            return "1–100 的整数（百分比，如 70 或 70%）"
        noun = "整数" if self.kind == "integer" else "数字"
        if self.minimum is not None and self.maximum is not None:
            return f"{self.minimum}–{self.maximum} 的{noun}"
        if self.minimum is not None:
            return f"{'>' if self.exclusive_minimum else '≥'} {self.minimum} 的{noun}"
        return noun

    @property
    def read_as_text(self) -> bool:
        return self.kind in ("text", "yes_no")


PRODUCT_COLUMNS = (
    Column("医疗机构编码", "hospital", "text"),
    Column("医疗机构名称", "hospital_name", "text", required=False),
    Column("带量批次", "batch", "text"),
    Column("接续批次", "renewal", "yes_no", required=False),  # empty or no column: 否
    Column("药品通用名", "generic_name", "text"),
    Column("规格", "spec", "text", required=False),
    Column("综合得分", "score", "decimal", minimum=0, maximum=100),
    Column("约定采购量", "agreed_volume", "decimal", minimum=0),
    Column("实际采购量", "actual_volume", "decimal", required=False, minimum=0),
    Column("采购量基数", "base_volume", "decimal", minimum=0),
    Column("中选价格", "bid_price", "decimal", minimum=0),
    Column("加权平均价", "weighted_avg_price", "decimal", minimum=0),
    Column("非中选产品使用金额", "nonselected_amount", "decimal", minimum=0),
    Column("医保基金平均支付比例", "pay_ratio", "percent", minimum=1, maximum=100),
)
PRODUCT_KEY = ("hospital", "batch", "generic_name")

HOSPITAL_COLUMNS = (
    Column("医疗机构编码", "hospital", "text"),
    Column("医疗机构名称", "hospital_name", "text", required=False),
    Column("上一年度住院总人次", "total_visits", "integer", minimum=0, exclusive_minimum=True),
)
HOSPITAL_KEY = ("hospital",)

VISIT_COLUMNS = (
    Column("医疗机构编码", "hospital", "text"),
    Column("统筹区", "pool", "text"),
    Column("住院人次", "visits", "integer", minimum=0),
)
VISIT_KEY = ("hospital", "pool")

INPUT_SHEETS = {
    PRODUCTS: (PRODUCT_COLUMNS, PRODUCT_KEY),
    HOSPITALS: (HOSPITAL_COLUMNS, HOSPITAL_KEY),
    VISITS: (VISIT_COLUMNS, VISIT_KEY),
}

# Output columns added to 品种明细, in order; an input holding them gets fresh values.
RESULT_HEADERS = {
    "retention_ratio": "结余留用比例",
    "vetoed": "否决",
    "budget": "医保资金预算",
    "actual_cost": "实际医保支出",
    "surplus": "结余测算基数",
    "total_share": "参保患者使用量占比",
    "retained_amount": "留用金额",
    "payable_amount": "应留用金额",
}
POOL_HEADERS = {
    "hospital": "医疗机构编码",
    "batch": "带量批次",
    "generic_name": "药品通用名",
    "pool": "统筹区",
    "share": "参保患者使用量占比",
    "amount": "留用金额",
}
SUMMARY_HEADERS = {
    "hospital": "医疗机构编码",
    "hospital_name": "医疗机构名称",
    "product_count": "品种数",
    "retained_total": "留用金额合计",
    "payable_total": "应留用金额合计",
}
# Shares with no rule-set rounding are shown to this many decimals of the ratio.
DISPLAY_SHARE_DECIMALS = 8
EXCEL_MAX_ROWS = 1_048_576
# Sheets a long workbook may continue on further sheets (名称2, 名称3…), read back as one.
CONTINUED_SHEETS = (PRODUCTS, HOSPITALS, VISITS, POOL_AMOUNTS, SUMMARY, RULES)
