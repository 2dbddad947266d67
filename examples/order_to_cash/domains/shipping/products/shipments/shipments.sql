-- Shipments with delivery performance against the date promised to the customer.
-- Repairs: a carrier delivery scan earlier than the hand-over to the carrier is
-- impossible; such a scan is rejected (delivered_at null, delivery_scan_rejected
-- true) rather than used to call the shipment on time.
-- pod_signed_at (proof of delivery) is passed through as the carriers' feeds deliver
-- it: mostly null. It is an enterprise gap, measured downstream, not invented here.
-- Timestamps are UTC; days are UTC days whatever the session's time zone.
with scans as (
    select
        shipment_id,
        order_id,
        ship_to_site_id,
        carrier,
        promised_date,
        shipped_at,
        case when delivered_at >= shipped_at then delivered_at end as delivered_at,
        coalesce(delivered_at < shipped_at, false) as delivery_scan_rejected,
        pod_signed_at,
        delivery_status
    from raw_shipments
)
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
    s.delivery_scan_rejected,
    s.pod_signed_at,
    s.delivery_status,
    case
        when s.delivered_at is not null
            then cast(s.delivered_at at time zone 'UTC' as date) <= s.promised_date
    end as delivered_on_time,
    case
        when s.delivered_at is not null
            then greatest(date_diff('day', s.promised_date, cast(s.delivered_at at time zone 'UTC' as date)), 0)
    end as days_late,
    case
        when s.delivered_at is not null
            then round(date_diff('minute', s.shipped_at, s.delivered_at) / 1440.0, 2)
    end as transit_days,
    case
        when s.delivered_at is not null
            then date_diff('day', o.order_date, cast(s.delivered_at at time zone 'UTC' as date))
    end as days_order_to_delivery
from scans as s
join orders as o on o.order_id = s.order_id
left join ship_to_sites as t on t.ship_to_site_id = s.ship_to_site_id
