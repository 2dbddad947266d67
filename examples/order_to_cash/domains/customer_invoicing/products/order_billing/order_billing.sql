-- Billing status of every order that was not cancelled: how much of its value has
-- been invoiced, and how long after the order the first invoice went out.
with billed as (
    select
        order_id,
        count(*) as invoice_count,
        round(sum(net_amount), 2) as invoiced_net,
        round(sum(gross_amount), 2) as invoiced_gross,
        min(invoice_date) as first_invoice_date,
        max(invoice_date) as last_invoice_date
    from invoices
    group by order_id
)
select
    o.order_id,
    o.account_no,
    o.order_date,
    o.status as order_status,
    o.currency,
    o.order_value,
    coalesce(b.invoice_count, 0) as invoice_count,
    coalesce(b.invoiced_net, 0.0) as invoiced_net,
    coalesce(b.invoiced_gross, 0.0) as invoiced_gross,
    b.first_invoice_date,
    b.last_invoice_date,
    date_diff('day', o.order_date, b.first_invoice_date) as invoice_lag_days,
    case
        when b.order_id is null then 'unbilled'
        -- invoices round each line to the cent: allow a cent per line
        when round(o.order_value - b.invoiced_net, 2) <= 0.01 * greatest(o.line_count, 1) then 'billed'
        else 'partially_billed'
    end as billing_status
from orders as o
left join billed as b on b.order_id = o.order_id
where o.status <> 'cancelled'
