-- Invoices with their order reference and invoice lag (order date to invoice date).
-- Repairs: gross_amount must equal net_amount + tax_amount; billing's export breaks
-- that on some invoices, so gross is recomputed from net and tax (the amounts the tax
-- return is built from) and the repair is flagged on the row.
select
    i.invoice_id,
    i.order_id,
    o.account_no,
    trim(i.bill_to_name) as bill_to_name,
    trim(i.bill_to_street) as bill_to_street,
    trim(i.bill_to_city) as bill_to_city,
    trim(i.bill_to_postcode) as bill_to_postcode,
    upper(trim(i.bill_to_country)) as bill_to_country,
    nullif(trim(i.bill_to_tax_id), '') as bill_to_tax_id,
    o.order_date,
    i.invoice_date,
    i.due_date,
    i.payment_terms_days,
    date_diff('day', o.order_date, i.invoice_date) as invoice_lag_days,
    i.currency,
    round(i.net_amount, 2) as net_amount,
    round(i.tax_amount, 2) as tax_amount,
    round(i.net_amount + i.tax_amount, 2) as gross_amount,
    coalesce(abs(i.gross_amount - (i.net_amount + i.tax_amount)) > 0.005, true) as gross_amount_corrected
from raw_invoices as i
join orders as o on o.order_id = i.order_id
