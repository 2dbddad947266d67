-- Fulfilment per order: when the order was released, fully picked and fully packed,
-- and its fill rate (units shipped over units ordered on the order's valid lines).
-- An order still in the warehouse has no packed time, fill rate or verdict yet.
with per_order as (
    select
        order_id,
        min(warehouse) as warehouse,
        count(distinct warehouse) as warehouse_count,
        count(*) as lines_released,
        count(*) filter (where not short_shipped) as lines_complete,
        cast(coalesce(sum(quantity_shipped), 0) as bigint) as quantity_shipped,
        min(released_at) as released_at,
        -- the order is picked (packed) when its last line is; null while any line is not
        case when count(picked_at) = count(*) then max(picked_at) end as picked_at,
        case when count(packed_at) = count(*) then max(packed_at) end as packed_at
    from fulfillment_lines
    group by order_id
)
select
    p.order_id,
    o.account_no,
    o.order_date,
    p.warehouse,
    p.warehouse_count,
    o.line_count as lines_ordered,
    p.lines_released,
    p.lines_complete,
    o.total_quantity as quantity_ordered,
    p.quantity_shipped,
    case
        when p.packed_at is not null then round(least(p.quantity_shipped / o.total_quantity, 1.0), 4)
    end as fill_rate,
    case when p.packed_at is not null then p.quantity_shipped >= o.total_quantity end as fully_shipped,
    p.released_at,
    p.picked_at,
    p.packed_at,
    -- UTC days, whatever the time zone of the session
    date_diff('day', o.order_date, cast(p.packed_at at time zone 'UTC' as date)) as days_order_to_packed
from per_order as p
join orders as o on o.order_id = p.order_id
where o.total_quantity > 0
