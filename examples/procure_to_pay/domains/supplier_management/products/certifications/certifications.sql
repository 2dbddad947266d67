select c.certificate_id, c.supplier_id, c.standard, c.issued_date, c.valid_until
from raw_certifications as c
join supplier_files as f on f.supplier_id = c.supplier_id
