-- PO headers with the value of their valid lines.
-- Repairs: lines with a quantity of zero or less are keying errors; they are left out
-- of the PO's value, line count and quantity (po_lines drops them too).
with valid_lines as (
    select
        po_id,
        count(*) as line_count,
        cast(sum(quantity) as bigint) as total_quantity,
        round(sum(quantity * unit_price), 2) as po_value
    from raw_po_lines
    where quantity >= 1
    group by po_id
)
select
    o.po_id,
    o.vendor_no,
    v.tier,
    o.ordered_at,
    cast(o.ordered_at at time zone 'UTC' as date) as order_date,
    o.expected_delivery_date,
    o.receiving_site,
    o.currency,
    o.status,
    coalesce(l.line_count, 0) as line_count,
    coalesce(l.total_quantity, 0) as total_quantity,
    coalesce(l.po_value, 0.0) as po_value
from raw_purchase_orders as o
left join valid_lines as l on l.po_id = o.po_id
left join vendors as v on v.vendor_no = o.vendor_no
