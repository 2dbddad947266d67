-- Outgoing payments with the invoice they pay.
-- Repairs: the bank file delivers some payments twice; each payment is kept once.
with deduplicated as (
    select *
    from raw_payments
    qualify row_number() over (partition by payment_id order by paid_date) = 1
)
select
    p.payment_id,
    p.invoice_id,
    p.payee_id,
    i.vendor_no,
    p.paid_date,
    p.amount,
    p.discount_taken,
    p.currency,
    p.payment_method,
    i.invoice_date,
    i.due_date,
    i.gross_amount as invoice_gross_amount,
    i.discount_due_date,
    -- in exact decimals: discount terms (2, 1.5, 3 %) fit decimal(5,2) exactly
    case
        when i.discount_pct is not null
            then round(i.gross_amount * cast(i.discount_pct as decimal(5, 2)) * 0.01, 2)
        else 0.0
    end as discount_available,
    date_diff('day', i.invoice_date, p.paid_date) as days_to_pay,
    date_diff('day', i.due_date, p.paid_date) as days_after_due
from deduplicated as p
join vendor_invoices as i on i.invoice_id = p.invoice_id
