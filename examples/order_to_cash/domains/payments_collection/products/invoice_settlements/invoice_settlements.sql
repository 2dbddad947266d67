-- How and when every invoice was paid: cash applied against it, the day it was paid
-- in full, days to pay and days late, and how hard it had to be chased. Only
-- payments in the invoice's currency count towards settling it.
with applied as (
    select
        p.matched_invoice_id as invoice_id,
        p.payment_id,
        p.received_at,
        p.amount,
        sum(p.amount) over (
            partition by p.matched_invoice_id
            order by p.received_at, p.payment_id
            rows between unbounded preceding and current row
        ) as paid_to_date
    from payments as p
    join invoices as i
        on i.invoice_id = p.matched_invoice_id
        and i.currency = p.currency
),
paid as (
    select
        a.invoice_id,
        count(*) as payment_count,
        round(sum(a.amount), 2) as paid_amount,
        min(a.received_at) as first_payment_date,
        max(a.received_at) as last_payment_date,
        min(a.received_at) filter (where a.paid_to_date >= i.gross_amount - 0.01) as settled_date
    from applied as a
    join invoices as i on i.invoice_id = a.invoice_id
    group by a.invoice_id
),
chased as (
    select
        invoice_id,
        count(*) as dunning_actions,
        max(level) as max_dunning_level
    from dunning
    group by invoice_id
)
select
    i.invoice_id,
    i.account_no,
    i.currency,
    i.invoice_date,
    i.due_date,
    i.gross_amount,
    coalesce(p.payment_count, 0) as payment_count,
    coalesce(p.paid_amount, 0.0) as paid_amount,
    round(greatest(i.gross_amount - coalesce(p.paid_amount, 0.0), 0.0), 2) as unpaid_amount,
    p.first_payment_date,
    p.settled_date,
    p.settled_date is not null as settled,
    date_diff('day', i.invoice_date, p.settled_date) as days_to_pay,
    case
        when p.settled_date is not null then greatest(date_diff('day', i.due_date, p.settled_date), 0)
    end as days_late,
    case when p.settled_date is not null then p.settled_date > i.due_date end as paid_late,
    coalesce(c.dunning_actions, 0) as dunning_actions,
    coalesce(c.max_dunning_level, 0) as max_dunning_level
from invoices as i
left join paid as p on p.invoice_id = i.invoice_id
left join chased as c on c.invoice_id = i.invoice_id
