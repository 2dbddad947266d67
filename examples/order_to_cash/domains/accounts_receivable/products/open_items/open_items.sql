-- The receivables ledger at extraction: one item per invoice, with days past due and
-- ageing bucket. The ledger extract carries no extraction date, so the as-of date is
-- the last invoice date billing has published (the day the books were extracted).
-- dispute_reason is passed through as AR captures it (free text, mostly empty): the
-- enterprise needs a coded reason and measures that gap; it is not invented here.
with as_of as (
    select max(invoice_date) as as_of_date from invoices
),
items as (
    select
        r.item_id,
        r.invoice_id,
        i.account_no,
        r.debtor_ref,
        trim(r.debtor_name) as debtor_name,
        i.currency,
        r.original_amount,
        r.open_amount,
        i.invoice_date,
        r.due_date,
        r.status,
        r.dispute_flag,
        r.dispute_reason,
        r.written_off_at,
        a.as_of_date,
        case
            when r.status in ('paid', 'written_off') or r.open_amount <= 0 then 0
            else greatest(date_diff('day', r.due_date, a.as_of_date), 0)
        end as days_past_due
    from raw_open_items as r
    join invoices as i on i.invoice_id = r.invoice_id
    cross join as_of as a
)
select
    *,
    case
        when status in ('paid', 'written_off') or open_amount <= 0 then 'closed'
        when days_past_due = 0 then 'not_due'
        when days_past_due <= 30 then 'days_1_30'
        when days_past_due <= 60 then 'days_31_60'
        when days_past_due <= 90 then 'days_61_90'
        else 'over_90'
    end as ageing_bucket
from items
