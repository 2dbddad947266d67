-- Valid order lines with their net amount.
-- Repairs: lines with a quantity of zero or less are data-entry defects and are
-- dropped (the same rule orders applies to its value); lines of unknown orders are
-- dropped so every line has its order.
select
    l.order_id,
    l.line_no,
    l.sku,
    l.quantity,
    l.unit_price,
    coalesce(l.discount_pct, 0.0) as discount_pct,
    round(l.quantity * l.unit_price * (1 - coalesce(l.discount_pct, 0) / 100), 2) as line_amount,
    o.currency,
    o.order_date
from raw_order_lines as l
join orders as o on o.order_id = l.order_id
where l.quantity >= 1
