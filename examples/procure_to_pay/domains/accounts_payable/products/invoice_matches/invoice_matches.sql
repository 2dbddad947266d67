select
    m.invoice_id,
    i.po_id,
    i.vendor_no,
    m.match_status,
    m.match_status = 'matched' as is_matched,
    m.price_variance,
    m.quantity_variance,
    m.checked_at,
    i.invoice_date,
    i.currency,
    i.gross_amount,
    i.discount_pct,
    i.discount_due_date
from raw_match_results as m
join vendor_invoices as i on i.invoice_id = m.invoice_id
