-- Incoming payments and the invoice each was applied to (cash application).
-- Repairs: the bank statement import delivers some payments twice; each payment is
-- kept once (the first row of its payment_id).
with deduplicated as (
    select *
    from raw_payments
    qualify row_number() over (
        partition by payment_id
        order by received_at, matched_invoice_id nulls last
    ) = 1
)
select
    p.payment_id,
    trim(p.payer_name) as payer_name,
    p.payer_iban_hash,
    p.amount,
    p.currency,
    p.received_at,
    nullif(trim(p.remittance_invoice_id), '') as remittance_invoice_id,
    p.matched_invoice_id,
    i.account_no,
    p.matched_invoice_id is not null as is_matched,
    i.due_date as invoice_due_date,
    date_diff('day', i.due_date, p.received_at) as days_after_due
from deduplicated as p
left join invoices as i on i.invoice_id = p.matched_invoice_id
