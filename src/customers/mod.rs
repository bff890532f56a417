//! Customers belong to the office (contract §2, §11): phone numbers are kept normalised so a
//! dial, a report and an import all find the same customer, and shown masked to sales staff.

pub mod import;
pub mod phone;
