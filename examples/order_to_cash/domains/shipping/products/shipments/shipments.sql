-- Shipments with delivery performance against the date promised to the customer.
-- pod_signed_at (proof of delivery) is passed through as the carriers' feeds deliver
-- it: mostly null. It is an enterprise gap, measured downstream, not invented here.
select
    s.shipment_id,
    s.order_id,
    o.account_no,
    s.ship_to_site_id,
    t.country as delivery_country,
    s.carrier,
    o.order_date,
    s.promised_date,
    s.shipped_at,
    s.delivered_at,
    s.pod_signed_at,
    s.delivery_status,
    case
        when s.delivered_at is not null
            then cast(s.delivered_at as date) <= s.promised_date
    end as delivered_on_time,
    case
        when s.delivered_at is not null
            then greatest(date_diff('day', s.promised_date, cast(s.delivered_at as date)), 0)
    end as days_late,
    case
        when s.delivered_at is not null
            then round(date_diff('minute', s.shipped_at, s.delivered_at) / 1440.0, 2)
    end as transit_days,
    case
        when s.delivered_at is not null
            then date_diff('day', o.order_date, cast(s.delivered_at as date))
    end as days_order_to_delivery
from raw_shipments as s
join orders as o on o.order_id = s.order_id
left join ship_to_sites as t on t.ship_to_site_id = s.ship_to_site_id
