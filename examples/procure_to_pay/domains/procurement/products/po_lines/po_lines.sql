-- Valid PO lines. Repairs: a line with a quantity of zero or less is a keying error
-- and is dropped.
select
    l.po_id,
    l.line_no,
    l.item_code,
    l.quantity,
    l.unit_price,
    round(l.quantity * l.unit_price, 2) as line_value,
    o.vendor_no
from raw_po_lines as l
join purchase_orders as o on o.po_id = l.po_id
where l.quantity >= 1
