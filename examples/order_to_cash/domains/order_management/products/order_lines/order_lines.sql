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
    -- in exact decimals: the discount is in half percents, so decimal(5,2) holds it exactly
    round(l.quantity * l.unit_price * (1 - cast(coalesce(l.discount_pct, 0) as decimal(5, 2)) * 0.01), 2)
        as line_amount,
    o.currency,
    o.order_date
from raw_order_lines as l
join orders as o on o.order_id = l.order_id
where l.quantity >= 1
