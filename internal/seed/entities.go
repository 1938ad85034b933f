package seed

var firstNames = []string{"Maya", "Jonas", "Aiko", "Omar", "Lena", "Mateo", "Priya", "Noah", "Sofia", "Liam",
	"Amara", "Yusuf", "Chloé", "Kenji", "Ingrid", "Diego", "Fatima", "Lucas", "Zoë", "Ravi", "Elena", "Tomás",
	"Hana", "Oskar", "Nia", "Pedro", "Saanvi", "Arjun", "Mei", "Bjørn", "Leila", "Sean", "Ana", "Marek", "Ife"}

var lastNames = []string{"Lind", "Berg", "Tanaka", "Haddad", "Fischer", "García", "Sharma", "Smith", "Rossi",
	"O'Brien", "Okafor", "Yılmaz", "Dubois", "Sato", "Hansen", "López", "Khan", "Silva", "Novak", "Patel",
	"Kowalski", "Nguyen", "Müller", "Andersson", "Costa", "Mensah", "Ivanova", "Chen", "Walsh", "Moreau"}

var domains = []string{"example.com", "example.org", "example.net", "mail.example", "inbox.example"}

// The seed's pseudo-random numbers come from hashes of the row number, so a
// row's choices are independent of each other and of other rows.
const randFunc = `CREATE FUNCTION pg_temp.sr(bigint, int) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
	AS $$ SELECT (hashint8($1 * 1009 + $2) & 2147483647)::float8 / 2147483648 $$`

// entitySteps fill the tables the events will talk about.
func entitySteps() []step {
	tag := func(r *run) []any { return []any{r.tag} }
	return []step{
		{sql: randFunc},
		{table: "accounts", sql: `
			INSERT INTO accounts (email, name, role, plan_tier, stripe_customer_id, stripe_account_id, crm_contact_id,
				crm_sync_status, crm_sync_attempts, crm_last_error, crm_last_synced_at, created_at, updated_at)
			SELECT lower(regexp_replace(f || '.' || l, '[^A-Za-z.]', '', 'g')) || '.' || i || '.' || $1 || '@' || d,
				CASE WHEN i % 9973 = 17 THEN '<script>alert(1)</script>' ELSE f || ' ' || l END,
				CASE WHEN seller THEN 'seller' ELSE 'buyer' END,
				CASE WHEN seller THEN 'seller' WHEN r1 < .6 THEN 'free' WHEN r1 < .8 THEN 'starter'
					WHEN r1 < .95 THEN 'pro' ELSE 'business' END,
				CASE WHEN (NOT seller AND r2 < .95) OR (seller AND r2 < .3) THEN 'cus_' || $1 || lpad(i::text, 9, '0') END,
				CASE WHEN seller THEN 'acct_' || $1 || lpad(i::text, 9, '0') END,
				CASE WHEN r3 < .88 OR r3 >= .93 AND r3 < .97 THEN (1000000000 + i * 7)::text END,
				CASE WHEN r3 < .88 THEN 'synced' WHEN r3 < .93 THEN 'pending' WHEN r3 < .97 THEN 'retrying'
					WHEN r3 < .99 THEN 'failed' ELSE 'disabled' END,
				CASE WHEN r3 >= .93 AND r3 < .97 THEN 1 + floor(r4 * 5)::int WHEN r3 >= .97 AND r3 < .99 THEN 10 ELSE 0 END,
				CASE WHEN r3 >= .93 AND r3 < .97 THEN 'HubSpot answered 502 Bad Gateway; retrying'
					WHEN r3 >= .97 AND r3 < .99 THEN 'HubSpot answered 401 Unauthorized: the private-app token is not valid'
					ELSE '' END,
				CASE WHEN r3 < .88 THEN now() - interval '30 days' * r4
					WHEN r3 >= .93 AND r3 < .97 THEN now() - interval '1 day' - interval '30 days' * r4 END,
				created, least(now(), created + interval '60 days' * r4)
			FROM (SELECT i, i % 20 = 0 AS seller, pg_temp.sr(i, 1) AS r1, pg_temp.sr(i, 2) AS r2, pg_temp.sr(i, 3) AS r3,
					pg_temp.sr(i, 4) AS r4,
					($2::text[])[1 + floor(pg_temp.sr(i, 5) * cardinality($2::text[]))::int] AS f,
					($3::text[])[1 + floor(pg_temp.sr(i, 6) * cardinality($3::text[]))::int] AS l,
					($4::text[])[1 + floor(pg_temp.sr(i, 7) * cardinality($4::text[]))::int] AS d,
					now() - interval '730 days' * (1 - i::float8 / $5) AS created
				FROM generate_series(1, $5) i) g`,
			args: func(r *run) []any { return []any{r.tag, firstNames, lastNames, domains, r.sizes.Accounts} }},
		{sql: `CREATE TEMP TABLE seed_buyers ON COMMIT DROP AS
			SELECT row_number() OVER (ORDER BY id) AS n, id FROM accounts WHERE id > $1 AND role = 'buyer'`,
			args: func(r *run) []any { return []any{r.lo["accounts"]} }},
		{sql: `CREATE TEMP TABLE seed_sellers ON COMMIT DROP AS
			SELECT row_number() OVER (ORDER BY id) AS n, id, stripe_account_id AS acct, email, name, created_at
			FROM accounts WHERE id > $1 AND role = 'seller'`,
			args: func(r *run) []any { return []any{r.lo["accounts"]} }},
		{sql: `ANALYZE seed_buyers, seed_sellers`},
		{table: "orders", sql: `
			INSERT INTO orders (reference, buyer_account_id, seller_account_id, status, payment, amount, refunded_amount,
				currency, stripe_checkout_session_id, stripe_payment_intent_id, stripe_charge_id, last_error, created_at, updated_at)
			SELECT 'ORD-' || upper($1) || '-' || lpad(i::text, 8, '0'), b.id, s.id, st,
				CASE st WHEN 'failed' THEN 'failed' WHEN 'pending' THEN 'pending' ELSE 'succeeded' END,
				amount, CASE st WHEN 'refunded' THEN amount WHEN 'partially_refunded' THEN amount / 3 ELSE 0 END,
				CASE WHEN r4 < .8 THEN 'usd' WHEN r4 < .95 THEN 'eur' ELSE 'gbp' END,
				CASE WHEN r3 < .6 THEN 'cs_' || $1 || lpad(i::text, 9, '0') END,
				'pi_' || $1 || lpad(i::text, 9, '0'),
				CASE WHEN st <> 'pending' THEN 'ch_' || $1 || lpad(i::text, 9, '0') END,
				CASE WHEN st = 'failed' THEN 'Your card was declined.' ELSE '' END,
				created, least(now(), created + interval '3 days' * r3 * r3)
			FROM (SELECT i, pg_temp.sr(i, 13) AS r3, pg_temp.sr(i, 14) AS r4,
					500 + floor(pg_temp.sr(i, 12) ^ 3 * 60000)::bigint AS amount,
					CASE WHEN pg_temp.sr(i, 11) < .86 THEN 'paid' WHEN pg_temp.sr(i, 11) < .90 THEN 'refunded'
						WHEN pg_temp.sr(i, 11) < .93 THEN 'partially_refunded' WHEN pg_temp.sr(i, 11) < .98 THEN 'failed'
						ELSE 'pending' END AS st,
					1 + floor(pg_temp.sr(i, 15) ^ 2 * (SELECT count(*) FROM seed_buyers))::bigint AS bn,
					CASE WHEN pg_temp.sr(i, 16) < .9
						THEN 1 + floor(pg_temp.sr(i, 17) ^ 2 * (SELECT count(*) FROM seed_sellers))::bigint END AS sn,
					now() - interval '365 days' * (1 - i::float8 / $2) AS created
				FROM generate_series(1, $2) i) g
			JOIN seed_buyers b ON b.n = g.bn LEFT JOIN seed_sellers s ON s.n = g.sn`,
			args: func(r *run) []any { return []any{r.tag, r.sizes.Orders} }},
		{table: "refunds", sql: `
			INSERT INTO refunds (stripe_refund_id, order_id, stripe_payment_intent_id, stripe_charge_id, amount, currency,
				status, created_at, updated_at)
			SELECT 're_' || substr(stripe_payment_intent_id, 4), id, stripe_payment_intent_id, stripe_charge_id,
				refunded_amount, currency, 'succeeded', updated_at, updated_at
			FROM orders WHERE id > $1 AND refunded_amount > 0`,
			args: func(r *run) []any { return []any{r.lo["orders"]} }},
		disputesStep,
		{sql: `UPDATE orders o SET
				dispute = CASE WHEN d.queue_state = 'open' THEN 'open' WHEN d.status = 'lost' THEN 'lost' ELSE 'won' END,
				status = CASE WHEN d.queue_state = 'open' THEN 'disputed' WHEN d.status = 'lost' THEN 'charged_back'
					ELSE o.status END
			FROM disputes d WHERE d.order_id = o.id AND d.id > $1`,
			args: func(r *run) []any { return []any{r.lo["disputes"]} }},
		{table: "seller_payouts", sql: `
			INSERT INTO seller_payouts (stripe_payout_id, account_id, stripe_account_id, status, amount, currency,
				failure_code, failure_message, created_at, updated_at)
			SELECT 'po_' || $1 || lpad(n::text, 9, '0'), id, acct, 'failed', 1000 + floor(pg_temp.sr(n, 41) * 90000)::bigint,
				'usd', 'account_closed', 'The bank account has been closed', t, t
			FROM (SELECT n, id, acct, now() - interval '90 days' * pg_temp.sr(n, 42) AS t FROM seed_sellers
				WHERE pg_temp.sr(n, 40) < .05) s`, args: tag},
		subscriptionsStep, invoicesStep, {table: "accounts (payment state)", fn: setPaymentStates}, ticketsStep, generalTicketsStep, messagesStep,
		crmJobsStep, mailJobsStep,
	}
}
