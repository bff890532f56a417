-- A customer's other numbers (contract §14, issue 29): a 座机 or a second mobile, up to five
-- beside the main `customers.phone`. Caller ID, back-fill, recordings, dedup and search match a
-- number against both, so a number belongs to one customer only: its main number or one of its
-- others, never both, never two customers'. The application checks this inside its write and
-- names the other customer; the triggers keep a stray write from breaking it silently.
CREATE TABLE customer_numbers (
    number      TEXT PRIMARY KEY,                   -- normalised digits, like customers.phone
    customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    position    INTEGER NOT NULL                    -- the order the admin gave them
) WITHOUT ROWID;
CREATE INDEX customer_numbers_by_customer ON customer_numbers (customer_id, position);

CREATE TRIGGER customer_numbers_not_a_main_number
BEFORE INSERT ON customer_numbers
WHEN EXISTS (SELECT 1 FROM customers WHERE phone = NEW.number)
BEGIN
    SELECT RAISE(ABORT, 'customer number is already a main number');
END;

CREATE TRIGGER customers_main_number_not_another
BEFORE UPDATE OF phone ON customers
WHEN EXISTS (SELECT 1 FROM customer_numbers WHERE number = NEW.phone AND customer_id <> NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'main number is already another customer''s number');
END;

CREATE TRIGGER customers_new_main_number_not_another
BEFORE INSERT ON customers
WHEN EXISTS (SELECT 1 FROM customer_numbers WHERE number = NEW.phone)
BEGIN
    SELECT RAISE(ABORT, 'main number is already another customer''s number');
END;
