-- Goods receipts with the PO's expected date. received_date is passed through as
-- captured: it is missing on many receipts at the paper sites and must not be
-- invented from the posting time here.
select
    r.receipt_id,
    r.po_id,
    r.line_no,
    o.vendor_no,
    r.receiving_site,
    r.received_date,
    r.posted_at,
    cast(r.posted_at at time zone 'UTC' as date) as posting_date,
    r.quantity_received,
    o.expected_delivery_date,
    r.received_date <= o.expected_delivery_date as on_time,
    date_diff('day', o.expected_delivery_date, r.received_date) as days_late
from raw_goods_receipts as r
left join purchase_orders as o on o.po_id = r.po_id
