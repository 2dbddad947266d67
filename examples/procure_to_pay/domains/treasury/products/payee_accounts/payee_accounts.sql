select payee_id, trim(payee_name) as payee_name, upper(replace(iban, ' ', '')) as iban, bank_country, opened_date
from raw_payee_accounts
