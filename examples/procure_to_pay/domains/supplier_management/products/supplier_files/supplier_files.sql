select
    supplier_id, trim(legal_name) as legal_name, trim(registration_no) as registration_no,
    trim(street) as street, trim(city) as city, trim(postcode) as postcode, upper(trim(country)) as country,
    trim(contact_name) as contact_name, lower(trim(contact_email)) as contact_email,
    onboarded_date, risk_rating, last_assessment_date, status
from raw_supplier_files
