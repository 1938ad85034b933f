package doctor_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/internal/doctor"
	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/store"
)

func TestDatabaseChecks(t *testing.T) {
	t.Parallel()
	exec := func(t testing.TB, url, sql string) {
		t.Helper()
		pool := pgtest.PoolFor(t, url)
		if _, err := pool.Exec(context.Background(), sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	type expect struct {
		name   string
		status store.CheckStatus
		says   string
	}
	cases := []struct {
		name  string
		url   func(t testing.TB) string
		deps  func(*doctor.Deps)
		wants []expect
	}{
		{"a healthy database", pgtest.URL, nil, []expect{
			{"database", store.CheckOK, "answered in"}, {"database.migrations", store.CheckOK, "current"},
			{"jobs.stuck", store.CheckOK, "no job"}, {"jobs.queue", store.CheckOK, "0 waiting"}, {"events.held_failed", store.CheckOK, "no held or failed"},
			{"audit.append_only", store.CheckOK, "refused by triggers"},
		}},
		{"an audit log that can be changed", func(t testing.TB) string {
			u := pgtest.URL(t)
			exec(t, u, `ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`)
			return u
		}, nil, []expect{{"audit.append_only", store.CheckFail, "missing or disabled"}}},
		{"pending migrations", func(t testing.TB) string {
			u := pgtest.URL(t)
			exec(t, u, `DELETE FROM goose_db_version WHERE version_id = (SELECT max(version_id) FROM goose_db_version)`)
			return u
		}, nil, []expect{{"database", store.CheckOK, ""}, {"database.migrations", store.CheckFail, "switchboard migrate"}}},
		{"a stuck job, a deep queue, held and failed events", func(t testing.TB) string {
			u := pgtest.URL(t)
			exec(t, u, `
				INSERT INTO river_job (kind, args, max_attempts, state, attempt, attempted_at)
				VALUES ('crm_sync', '{}', 5, 'running', 1, now() - interval '10 minutes'),
				       ('email', '{}', 5, 'running', 1, now() - interval '10 seconds');
				INSERT INTO river_job (kind, args, max_attempts, state, scheduled_at)
				SELECT 'email', '{}', 5, 'available', now() - interval '1 minute' FROM generate_series(1, 3);
				INSERT INTO stripe_events (id, type, livemode, created, payload, status)
				VALUES ('evt_held1', 'charge.succeeded', false, now(), '{}', 'held'),
				       ('evt_failed1', 'charge.succeeded', false, now(), '{}', 'failed')`)
			return u
		}, func(d *doctor.Deps) { d.QueueWarn = 2 }, []expect{
			{"jobs.stuck", store.CheckWarn, "1 job(s) running for more than 5 minutes (crm_sync)"},
			{"jobs.queue", store.CheckWarn, "3 waiting"},
			{"events.held_failed", store.CheckWarn, "1 held, 1 failed"},
			{"events.held_failed", store.CheckWarn, "replay"},
		}},
		{"a queue that waits too long", func(t testing.TB) string {
			u := pgtest.URL(t)
			exec(t, u, `INSERT INTO river_job (kind, args, max_attempts, state, scheduled_at) VALUES ('email', '{}', 5, 'available', now() - interval '20 minutes')`)
			return u
		}, nil, []expect{{"jobs.queue", store.CheckWarn, "the oldest has waited 20 minutes"}}},
		{"nothing listening", func(testing.TB) string { return "postgres://sb:secret-pw@127.0.0.1:1/switchboard" }, nil, []expect{
			{"database", store.CheckFail, "cannot reach Postgres at 127.0.0.1:1/switchboard"}, {"database.migrations", store.CheckSkip, "unreachable"},
		}},
		{"not a connection string", func(testing.TB) string { return "postgres://sb:secret-pw@host:port/x" }, nil, []expect{
			{"database", store.CheckFail, "not a valid Postgres connection string"}, {"jobs.queue", store.CheckSkip, "no database"},
		}},
		{"not set", func(testing.TB) string { return "" }, nil, []expect{{"database", store.CheckFail, "DATABASE_URL is not set"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := baseConfig()
			cfg.DatabaseURL = tc.url(t)
			deps := offlineDeps()
			if tc.deps != nil {
				tc.deps(&deps)
			}
			start := time.Now()
			cs := run(t, cfg, deps)
			for _, w := range tc.wants {
				want(t, find(t, cs, w.name), w.status, w.says)
			}
			for _, c := range cs {
				if strings.Contains(c.Detail+c.Fix, "secret-pw") {
					t.Fatalf("%s shows the database password: %q", c.Name, c.Detail)
				}
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("took %s", d)
			}
		})
	}
}
