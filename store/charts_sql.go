package store

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
)

// ChartBucket is one bar of the overview's charts: an hour (the 24-hour
// view) or a day (the 7-day view), starting at Start.
type ChartBucket struct {
	Start time.Time
	// Webhooks received in the bucket and, of those, the ones whose apply
	// failed for good.
	Received, Failed int64
	// Payments by their PaymentIntent events.
	PaymentsSucceeded, PaymentsFailed int64
	// Refunds (charge.refunded) and disputes opened (charge.dispute.created).
	Refunds, Disputes int64
	// CRM syncs finished in the bucket and their median change-to-CRM time.
	CRMSyncs  int64
	CRMMedian time.Duration
	// River jobs finished in the bucket: completed, and failed for good
	// (discarded or cancelled). River keeps finished jobs a day (failed ones
	// a week), so older buckets show fewer.
	JobsCompleted, JobsFailed int64
}

// ChartEventTypes names, for each of the charts' event counts, the event types
// that fall under it. The store does not speak Stripe's vocabulary: the caller
// passes jobs.ChartEventTypes.
type ChartEventTypes struct {
	PaymentsSucceeded, PaymentsFailed, Refunds, Disputes []string
}

// Charts returns n buckets of length step, the first starting at from (the
// caller aligns it to the hour or the day), each read with the tables' time
// indexes in one round trip: a range scan of the window, never of the
// whole ledger.
func (s *Store) Charts(ctx context.Context, types ChartEventTypes, from time.Time, step time.Duration, n int) ([]ChartBucket, error) {
	out := make([]ChartBucket, n)
	for i := range out {
		out[i].Start = from.Add(time.Duration(i) * step)
	}
	at := func(t time.Time) *ChartBucket {
		i := int(t.Sub(from) / step)
		if i < 0 || i >= n {
			return nil
		}
		return &out[i]
	}
	b := &pgx.Batch{}
	b.Queue(`SELECT date_bin($2::interval, received_at, $1) AS b, count(*),
			count(*) FILTER (WHERE status = 'failed'),
			count(*) FILTER (WHERE type = ANY($3)),
			count(*) FILTER (WHERE type = ANY($4)),
			count(*) FILTER (WHERE type = ANY($5)),
			count(*) FILTER (WHERE type = ANY($6))
		FROM stripe_events WHERE received_at >= $1 GROUP BY 1`, from, step,
		types.PaymentsSucceeded, types.PaymentsFailed, types.Refunds, types.Disputes).Query(func(rows pgx.Rows) error {
		var t time.Time
		var c ChartBucket
		_, err := pgx.ForEachRow(rows, []any{&t, &c.Received, &c.Failed, &c.PaymentsSucceeded, &c.PaymentsFailed, &c.Refunds, &c.Disputes},
			func() error {
				if p := at(t); p != nil {
					p.Received, p.Failed, p.PaymentsSucceeded, p.PaymentsFailed, p.Refunds, p.Disputes =
						c.Received, c.Failed, c.PaymentsSucceeded, c.PaymentsFailed, c.Refunds, c.Disputes
				}
				return nil
			})
		return err
	})
	b.Queue(`SELECT date_bin($2::interval, synced_at, $1) AS b, count(*),
			percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM synced_at - requested_at))
		FROM crm_syncs WHERE synced_at >= $1 GROUP BY 1`, from, step).Query(func(rows pgx.Rows) error {
		var t time.Time
		var n int64
		var med float64
		_, err := pgx.ForEachRow(rows, []any{&t, &n, &med}, func() error {
			if p := at(t); p != nil {
				p.CRMSyncs, p.CRMMedian = n, time.Duration(med*float64(time.Second))
			}
			return nil
		})
		return err
	})
	b.Queue(riverFinishedByBucket, from, step).Query(func(rows pgx.Rows) error {
		var t time.Time
		var done, failed int64
		_, err := pgx.ForEachRow(rows, []any{&t, &done, &failed}, func() error {
			if p := at(t); p != nil {
				p.JobsCompleted, p.JobsFailed = done, failed
			}
			return nil
		})
		return err
	})
	err := s.pool.SendBatch(ctx, b).Close()
	return out, mapErr("charts", err)
}
