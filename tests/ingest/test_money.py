"""Money through real files: symbols and separators, refunds, and other currencies via fx_rates.

The workspace currency is CNY (the default).
"""

from __future__ import annotations

from decimal import Decimal

from tests.ingest.support import counts, issues, load, stored, write

NO_USD_RATE = ("amount in USD, but fx_rates has no USD rate to CNY on or before that date; "
               "import fx_rates (date, currency, rate_to_workspace_currency) first")
NOT_NEGATIVE = ("'{}' is not an amount (expected a non-negative number like 1234.50 "
                "or ¥1,234.50)")


def test_symbols_and_separators_are_read_as_cny(workspace, tmp_path):
    orders = write(tmp_path / "orders.csv",
                   "order_id,account_id,signed_at,amount,cost\n"
                   'O1,A1,2026-01-05,"¥1,234.50",￥100\n'
                   'O2,A1,2026-01-05,￥1234.5,"1,000元"\n'
                   'O3,A1,2026-01-05,"1,234.50元",RMB 0.5\n'
                   "O4,A1,2026-01-05,RMB 1234.5,\n"
                   "O5,A1,2026-01-05,12.345,7 元\n")   # half a cent rounds up
    result = load(workspace, "orders", orders)
    assert counts(result) == {"rows_read": 5, "inserted": 5, "updated": 0, "unchanged": 0,
                              "rejected": 0, "warnings": 0}
    assert stored(workspace, "orders", "order_id", "amount", "cost") == [
        {"order_id": "O1", "amount": Decimal("1234.50"), "cost": Decimal("100.00")},
        {"order_id": "O2", "amount": Decimal("1234.50"), "cost": Decimal("1000.00")},
        {"order_id": "O3", "amount": Decimal("1234.50"), "cost": Decimal("0.50")},
        {"order_id": "O4", "amount": Decimal("1234.50"), "cost": None},
        {"order_id": "O5", "amount": Decimal("12.35"), "cost": Decimal("7.00")},
    ]


def test_unreadable_amount_rejects_the_row(workspace, tmp_path):
    orders = write(tmp_path / "orders.csv",
                   "order_id,account_id,signed_at,amount\n"
                   "O1,A1,2026-01-05,100\n"
                   "O2,A1,2026-01-05,\"12,3a4\"\n")
    result = load(workspace, "orders", orders)
    assert (result.inserted, result.rejected) == (1, 1)
    assert issues(workspace, result.batch_id) == [
        (3, "amount", "12,3a4", NOT_NEGATIVE.format("12,3a4"), "error")]


def test_negative_money_is_rejected_except_refunds(workspace, tmp_path):
    orders = write(tmp_path / "orders.csv",
                   "order_id,account_id,signed_at,amount\n"
                   "O1,A1,2026-01-05,-5\n"
                   "O2,A1,2026-01-05,5\n")
    result = load(workspace, "orders", orders)
    assert (result.inserted, result.rejected) == (1, 1)
    assert issues(workspace, result.batch_id) == [
        (2, "amount", "-5", NOT_NEGATIVE.format("-5"), "error")]

    payments = write(tmp_path / "payments.csv",
                     "payment_id,order_id,paid_at,amount\n"
                     "P1,O2,2026-01-06,5\n"
                     "P2,O2,2026-01-07,-100.50\n"       # a refund
                     "P3,O2,2026-01-08,-¥20\n")
    result = load(workspace, "payments", payments)
    assert (result.inserted, result.rejected) == (3, 0)
    assert stored(workspace, "payments", "payment_id", "amount") == [
        {"payment_id": "P1", "amount": Decimal("5.00")},
        {"payment_id": "P2", "amount": Decimal("-100.50")},
        {"payment_id": "P3", "amount": Decimal("-20.00")},
    ]


def test_dollars_without_a_rate_are_rejected_saying_which_rate_to_import(workspace, tmp_path):
    orders = write(tmp_path / "orders.csv",
                   "order_id,account_id,signed_at,amount\n"
                   'O1,A1,2026-01-05,"$1,234.50"\n'
                   "O2,A1,2026-01-05,¥10\n")
    result = load(workspace, "orders", orders)
    assert (result.inserted, result.rejected) == (1, 1)
    assert issues(workspace, result.batch_id) == [
        (2, "amount", "$1,234.50", NO_USD_RATE, "error")]
    assert stored(workspace, "orders", "order_id") == [{"order_id": "O2"}]


def test_dollars_are_converted_at_the_latest_rate_on_or_before_the_row_date(workspace,
                                                                           tmp_path):
    rates = write(tmp_path / "fx.csv",
                  "date,currency,rate_to_workspace_currency\n"
                  "2026-01-01,USD,7.2\n"
                  "2026-02-01,USD,7.5\n")
    assert load(workspace, "fx_rates", rates).inserted == 2
    orders = write(tmp_path / "orders.csv",
                   "order_id,account_id,signed_at,amount\n"
                   'O1,A1,2026-01-05,"$1,234.50"\n'     # 1234.50 x 7.2 = 8888.40
                   "O2,A1,2026-02-03 10:00,US$100\n"    # 100 x 7.5 (February's rate) = 750.00
                   "O3,A1,2025-12-20,$100\n")           # before the first rate: rejected
    result = load(workspace, "orders", orders)
    assert (result.inserted, result.rejected) == (2, 1)
    assert stored(workspace, "orders", "order_id", "amount") == [
        {"order_id": "O1", "amount": Decimal("8888.40")},
        {"order_id": "O2", "amount": Decimal("750.00")},
    ]
    assert issues(workspace, result.batch_id) == [(4, "amount", "$100", NO_USD_RATE, "error")]


def test_the_rows_currency_column_names_the_currency_of_a_bare_amount(workspace, tmp_path):
    load(workspace, "fx_rates", write(tmp_path / "fx.csv",
                                      "date,currency,rate_to_workspace_currency\n"
                                      "2026-01-01,USD,7.2\n"))
    spend = write(tmp_path / "spend.csv",
                  "date,platform,campaign_name,cost,currency\n"
                  "2026-01-05,google,Brand,10,USD\n"     # 10 x 7.2 = 72.00
                  "2026-01-05,百度,品牌词,10,\n"          # workspace currency
                  "2026-01-05,百度,通用词,10,CNY\n")
    result = load(workspace, "ad_spend", spend)
    assert (result.inserted, result.rejected) == (3, 0)
    assert stored(workspace, "ad_spend", "platform", "campaign_name", "cost") == [
        {"platform": "baidu", "campaign_name": "品牌词", "cost": Decimal("10.00")},
        {"platform": "baidu", "campaign_name": "通用词", "cost": Decimal("10.00")},
        {"platform": "google", "campaign_name": "Brand", "cost": Decimal("72.00")},
    ]
