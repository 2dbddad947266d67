-- Vendor invoices with purchasing's vendor record of the PO they bill.
-- Repairs: a few invoices were booked with a gross amount that is not net + tax;
-- gross is recomputed (tax is what the vendor charged, net what the lines add up to).
select
    i.invoice_id,
    i.supplier_invoice_no,
    nullif(trim(i.po_id), '') as po_id,
    o.vendor_no,
    trim(i.vendor_name) as vendor_name,
    trim(i.vendor_street) as vendor_street,
    trim(i.vendor_city) as vendor_city,
    trim(i.vendor_postcode) as vendor_postcode,
    upper(trim(i.vendor_country)) as vendor_country,
    nullif(trim(i.vendor_tax_id), '') as vendor_tax_id,
    i.invoice_date,
    i.received_date,
    i.due_date,
    i.payment_terms_days,
    i.discount_pct,
    i.discount_days,
    case when i.discount_pct is not null then i.invoice_date + cast(i.discount_days as integer) end as discount_due_date,
    i.currency,
    i.net_amount,
    i.tax_amount,
    round(i.net_amount + i.tax_amount, 2) as gross_amount
from raw_vendor_invoices as i
left join purchase_orders as o on o.po_id = i.po_id
