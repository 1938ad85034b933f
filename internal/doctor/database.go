package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboardhq/switchboard/migrations"
	"github.com/switchboardhq/switchboard/store"
)

const (
	checkDatabase   = "database"
	checkMigrations = "database.migrations"
	checkStuck      = "jobs.stuck"
	checkQueue      = "jobs.queue"
	checkEvents     = "events.held_failed"
	checkAudit      = "audit.append_only"
)

// databaseChecks: reachable, migrations current, no job stuck, the queue's
// depth, and events that need a person.
func (d *Doctor) databaseChecks(ctx context.Context) []store.Check {
	rest := func(why string) []store.Check {
		const fix = "fix the database check first"
		return []store.Check{skip(checkMigrations, why, fix), skip(checkStuck, why, fix), skip(checkQueue, why, fix), skip(checkEvents, why, fix),
			skip(checkAudit, why, fix)}
	}
	pool := d.deps.Pool
	if pool == nil {
		if d.cfg.DatabaseURL == "" {
			return append([]store.Check{fail(checkDatabase, "DATABASE_URL is not set", "set DATABASE_URL to the Postgres connection string")}, rest("no database")...)
		}
		pc, err := pgxpool.ParseConfig(d.cfg.DatabaseURL)
		if err != nil {
			// The parser's message can quote the URL; say only what is wrong.
			return append([]store.Check{fail(checkDatabase, "DATABASE_URL is not a valid Postgres connection string", "use postgres://user:password@host:5432/dbname")}, rest("no database")...)
		}
		pc.MaxConns = 2
		if pool, err = pgxpool.NewWithConfig(ctx, pc); err != nil {
			return append([]store.Check{fail(checkDatabase, "DATABASE_URL: "+shortErr(err), "")}, rest("no database")...)
		}
		defer pool.Close()
	}
	cc := pool.Config().ConnConfig
	where := fmt.Sprintf("%s:%d/%s", cc.Host, cc.Port, cc.Database)
	pctx, cancel := context.WithTimeout(ctx, d.deps.Timeout)
	defer cancel()
	start := time.Now()
	if err := pool.Ping(pctx); err != nil {
		return append([]store.Check{fail(checkDatabase, "cannot reach Postgres at "+where+": "+shortErr(err), "check DATABASE_URL, that Postgres runs and that this host may connect")}, rest("the database is unreachable")...)
	}
	out := []store.Check{ok(checkDatabase, fmt.Sprintf("Postgres at %s answered in %d ms", where, time.Since(start).Milliseconds()))}
	switch err := migrations.Current(pctx, pool); {
	case errors.Is(err, migrations.ErrPending):
		out = append(out, fail(checkMigrations, "the database is behind this build's migrations: serve refuses to start", "run switchboard migrate"))
	case err != nil:
		out = append(out, fail(checkMigrations, "reading the migration status: "+shortErr(err), "run switchboard migrate"))
	default:
		out = append(out, ok(checkMigrations, "current (ours and River's)"))
	}
	st := store.New(pool)
	out = append(out, auditCheck(pctx, st))
	h, err := st.QueueHealth(pctx, d.deps.StuckAfter)
	if err != nil {
		why := "could not read the queue: " + shortErr(err)
		return append(out, fail(checkStuck, why, "run switchboard migrate"), skip(checkQueue, why, "run switchboard migrate"), skip(checkEvents, why, "run switchboard migrate"))
	}
	return append(out, d.stuckCheck(h), d.queueCheck(h), eventsCheck(h))
}

// auditCheck: the audit log's append-only triggers are in place; it warns
// when this role owns the table, since an owner can drop them.
func auditCheck(ctx context.Context, st *store.Store) store.Check {
	guarded, owner, err := st.AuditAppendOnly(ctx)
	switch {
	case err != nil:
		return fail(checkAudit, "could not read the audit log's triggers: "+shortErr(err), "run switchboard migrate")
	case !guarded:
		return fail(checkAudit, "the audit log's append-only triggers are missing or disabled: its rows can be changed or deleted",
			"run switchboard migrate, or ALTER TABLE audit_log ENABLE TRIGGER ALL")
	case owner:
		return ok(checkAudit, "updates and deletes are refused by triggers; this role owns audit_log, so it could drop them (give the tables another owner and grant this role SELECT, INSERT on audit_log for an audit trail it cannot change)")
	}
	return ok(checkAudit, "updates and deletes are refused by triggers, and this role does not own audit_log")
}

func (d *Doctor) stuckCheck(h store.QueueHealth) store.Check {
	if h.Stuck == 0 {
		return ok(checkStuck, "no job has been running for more than "+minutes(d.deps.StuckAfter))
	}
	return warn(checkStuck, fmt.Sprintf("%d job(s) running for more than %s (%s): a worker may have died holding them", h.Stuck, minutes(d.deps.StuckAfter), strings.Join(h.StuckKinds, ", ")),
		"River rescues them after an hour; look at /jobs and the logs of the instance that ran them, and retry or discard them there")
}

func (d *Doctor) queueCheck(h store.QueueHealth) store.Check {
	detail := fmt.Sprintf("%d waiting, %d retrying, %d failed for good", h.Available, h.Retryable, h.Discarded)
	waited := time.Duration(0)
	if h.OldestAvailable != nil {
		waited = d.deps.Now().Sub(*h.OldestAvailable)
		detail += "; the oldest has waited " + minutes(waited)
	}
	if h.Available > d.deps.QueueWarn || waited > 5*time.Minute {
		return warn(checkQueue, detail, "check that switchboard serve runs (it runs the workers) and is healthy; add instances if the queue keeps growing")
	}
	return ok(checkQueue, detail)
}

func eventsCheck(h store.QueueHealth) store.Check {
	detail := fmt.Sprintf("%d held, %d failed", h.HeldEvents, h.FailedEvents)
	var fixes []string
	if h.HeldEvents > 0 {
		fixes = append(fixes, "held events came on another API version: fix the endpoint's version (see "+checkStripeEndpoint+"), then replay them from /events?status=held or with switchboard replay")
	}
	if h.FailedEvents > 0 {
		fixes = append(fixes, "failed events will not be retried: read their error on /events?status=failed, fix the cause, then replay them")
	}
	if len(fixes) > 0 {
		return warn(checkEvents, detail, strings.Join(fixes, "; "))
	}
	return ok(checkEvents, "no held or failed events")
}

// minutes says a duration in whole minutes, or seconds under one.
func minutes(d time.Duration) string {
	switch m := int(d.Minutes()); {
	case m == 1:
		return "1 minute"
	case m > 1:
		return fmt.Sprintf("%d minutes", m)
	}
	return fmt.Sprintf("%d s", int(d.Seconds()))
}
