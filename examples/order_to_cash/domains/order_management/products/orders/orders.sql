-- Order headers with the value of their valid lines.
-- Repairs: order lines with a quantity of zero or less are data-entry defects; they
-- are left out of the order's value, line count and quantity (order_lines drops them
-- too). requested_delivery_date is passed through as captured: it is missing on many
-- orders and must not be invented here.
with valid_lines as (
    select
        order_id,
        count(*) as line_count,
        cast(sum(quantity) as bigint) as total_quantity,
        round(sum(quantity * unit_price * (1 - cast(coalesce(discount_pct, 0) as decimal(5, 2)) * 0.01)), 2)
            as order_value
    from raw_order_lines
    where quantity >= 1
    group by order_id
)
select
    o.order_id,
    o.account_no,
    a.segment,
    a.sales_region,
    o.order_ts,
    -- the UTC day, whatever the time zone of the session
    cast(o.order_ts at time zone 'UTC' as date) as order_date,
    o.requested_delivery_date,
    o.channel,
    o.currency,
    o.ship_to_site_id,
    o.status,
    coalesce(l.line_count, 0) as line_count,
    coalesce(l.total_quantity, 0) as total_quantity,
    coalesce(l.order_value, 0.0) as order_value
from raw_sales_orders as o
left join valid_lines as l on l.order_id = o.order_id
left join accounts as a on a.account_no = o.account_no
