"""The pages of 采购使用监测: lists on the shared machinery (vbp.monitoring.lists)."""

from vbp.monitoring.lists import DeliveryList, LatePaymentList, OfflinePurchaseList, PaymentList, ProgressList

progress = ProgressList.as_view()
late_payments = LatePaymentList.as_view()
payments = PaymentList.as_view()
delivery = DeliveryList.as_view()
offline = OfflinePurchaseList.as_view()
