-- One row per enterprise vendor: each unit's facts of the 12 months before the business
-- date (2026-09-30), attached through the cross-reference (receipts and POs by purchasing's
-- vendor record, invoices by the invoice, files by the supplier file).
WITH ids AS (SELECT source, record_id, entity_id FROM vendor_xref),
deliveries AS (
  SELECT x.entity_id, count(*) AS receipts, avg(CASE WHEN NOT g.on_time THEN 1.0 ELSE 0.0 END) AS late_delivery_rate
  FROM goods_receipts g JOIN ids x ON x.source = 'procurement.vendors' AND x.record_id = g.vendor_no
  WHERE g.on_time IS NOT NULL AND g.expected_delivery_date > DATE '2026-09-30' - INTERVAL 365 DAY
  GROUP BY 1),
matching AS (
  SELECT x.entity_id, count(*) AS invoices,
         avg(CASE WHEN m.is_matched THEN 0.0 ELSE 1.0 END) AS match_exception_rate,
         avg(CASE WHEN m.price_variance > 0 THEN 1.0 ELSE 0.0 END) AS price_variance_rate
  FROM invoice_matches m JOIN ids x ON x.source = 'accounts_payable.vendor_invoices' AND x.record_id = m.invoice_id
  WHERE m.invoice_date > DATE '2026-09-30' - INTERVAL 365 DAY
  GROUP BY 1),
terms AS (
  SELECT x.entity_id, avg(i.payment_terms_days) AS payment_terms_days,
         bool_or(coalesce(i.discount_pct, 0) > 0) AS discount_offered
  FROM vendor_invoices i JOIN ids x ON x.source = 'accounts_payable.vendor_invoices' AND x.record_id = i.invoice_id
  WHERE i.invoice_date > DATE '2026-09-30' - INTERVAL 365 DAY
  GROUP BY 1),
spend AS (
  SELECT x.entity_id, v.category, sum(p.po_value) AS spend
  FROM purchase_orders p JOIN ids x ON x.source = 'procurement.vendors' AND x.record_id = p.vendor_no
  JOIN vendors v ON v.vendor_no = p.vendor_no
  WHERE p.order_date > DATE '2026-09-30' - INTERVAL 365 DAY AND p.status <> 'cancelled'
  GROUP BY 1, 2),
shares AS (SELECT entity_id, category, spend / sum(spend) OVER (PARTITION BY category) AS share FROM spend),
concentration AS (SELECT entity_id, arg_max(category, share) AS category, max(share) AS spend_share FROM shares GROUP BY 1),
rating AS (
  SELECT x.entity_id, max(CASE s.risk_rating WHEN 'low' THEN 0 WHEN 'medium' THEN 1 WHEN 'high' THEN 2 WHEN 'critical' THEN 3 END) AS r
  FROM supplier_files s JOIN ids x ON x.source = 'supplier_management.supplier_files' AND x.record_id = s.supplier_id
  GROUP BY 1)
SELECT e.entity_id, d.receipts AS receipt_lines, d.late_delivery_rate, m.invoices, m.match_exception_rate, m.price_variance_rate,
       t.payment_terms_days, t.discount_offered, c.category, c.spend_share,
       CASE r.r WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' WHEN 3 THEN 'critical' END AS risk_rating
FROM (SELECT DISTINCT entity_id FROM vendor_xref) e
LEFT JOIN deliveries d USING (entity_id) LEFT JOIN matching m USING (entity_id) LEFT JOIN terms t USING (entity_id)
LEFT JOIN concentration c USING (entity_id) LEFT JOIN rating r USING (entity_id)
ORDER BY e.entity_id
