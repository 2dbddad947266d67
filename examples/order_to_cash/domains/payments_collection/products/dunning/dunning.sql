-- Dunning actions on overdue invoices, with how overdue the invoice was when chased.
select
    d.action_id,
    d.invoice_id,
    o.account_no,
    o.debtor_ref,
    d.action_date,
    d.level,
    d.channel,
    o.due_date,
    date_diff('day', o.due_date, d.action_date) as days_past_due_at_action
from raw_dunning_actions as d
join open_items as o on o.invoice_id = d.invoice_id
