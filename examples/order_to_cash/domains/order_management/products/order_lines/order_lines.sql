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
    -- in exact decimals: the discount is in half percents, so decimal(5,2) holds it exactly.
    -- The product has 6 decimals; below a trillion it is rounded as a decimal(18,6) (an
    -- 8-byte integer: 5x less CPU than rounding the 16-byte decimal(38,6) it is typed as),
    -- the same value to the cent; larger amounts take the wide path.
    case
        when abs(l.quantity) < 100000 and abs(l.unit_price) < 800000 then round(
            cast(l.quantity * l.unit_price * (1 - cast(coalesce(l.discount_pct, 0) as decimal(5, 2)) * 0.01)
                as decimal(18, 6)),
            2
        )
        else round(l.quantity * l.unit_price * (1 - cast(coalesce(l.discount_pct, 0) as decimal(5, 2)) * 0.01), 2)
    end as line_amount,
    o.currency,
    o.order_date
from raw_order_lines as l
join orders as o on o.order_id = l.order_id
where l.quantity >= 1
