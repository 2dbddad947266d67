-- Receivables exposure per account and currency (amounts in different currencies are
-- never added up): open, overdue, disputed and written-off balances.
select
    account_no,
    currency,
    max(as_of_date) as as_of_date,
    count(*) as items,
    count(*) filter (where ageing_bucket <> 'closed') as open_items,
    round(coalesce(sum(open_amount) filter (where ageing_bucket <> 'closed'), 0), 2) as open_amount,
    round(coalesce(sum(open_amount) filter (where days_past_due > 0), 0), 2) as overdue_amount,
    round(coalesce(sum(open_amount) filter (where days_past_due > 90), 0), 2) as over_90_amount,
    round(coalesce(sum(open_amount) filter (where dispute_flag), 0), 2) as disputed_amount,
    count(*) filter (where dispute_flag) as disputed_items,
    round(coalesce(sum(original_amount) filter (where status = 'written_off'), 0), 2) as written_off_amount,
    max(days_past_due) as max_days_past_due
from open_items
group by account_no, currency
