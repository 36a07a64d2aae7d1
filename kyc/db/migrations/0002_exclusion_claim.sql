-- The self-exclusion re-check claims a batch of accounts with a lease instead of holding their row
-- locks while it waits for a (possibly remote) register: a worker that dies leaves a lease that
-- expires, and the accounts are due again.
alter table kyc.accounts add column exclusion_claimed_until timestamptz;
