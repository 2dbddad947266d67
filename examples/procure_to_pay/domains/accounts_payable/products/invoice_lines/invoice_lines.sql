select l.invoice_id, l.line_no, l.po_line_no, l.quantity, l.unit_price, l.line_amount, i.currency
from raw_invoice_lines as l
join vendor_invoices as i on i.invoice_id = l.invoice_id
