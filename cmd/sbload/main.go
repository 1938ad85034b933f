// Command sbload is Switchboard's webhook load benchmark: it sends N unique,
// correctly signed Stripe events at concurrency C (or at a fixed rate) to a
// running server over loopback and reports acks/s and ack latency percentiles;
// with -db it also reports how long events took from receipt to processed.
//
//	go run ./cmd/sbload -url http://127.0.0.1:8080/webhooks/stripe -secret whsec_… -n 20000 -c 32
//	go run ./cmd/sbload -rate 200 -n 6000 -db "$DATABASE_URL" …
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/switchboardhq/switchboard/internal/fixture"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:8080/webhooks/stripe", "webhook endpoint")
	secret := flag.String("secret", os.Getenv("STRIPE_WEBHOOK_SECRET"), "webhook signing secret (whsec_…)")
	n := flag.Int("n", 20000, "events to send (bounded: at most 1,000,000)")
	c := flag.Int("c", 32, "concurrent senders (closed loop)")
	rate := flag.Float64("rate", 0, "events per second (open loop); 0 sends as fast as the senders can")
	db := flag.String("db", "", "DATABASE_URL of the server, to measure event-to-processed latency")
	wait := flag.Duration("wait", 2*time.Minute, "how long to wait for processing with -db")
	flag.Parse()
	if *secret == "" || *n <= 0 || *n > 1_000_000 || *c <= 0 {
		fmt.Fprintln(os.Stderr, "sbload: need -secret, 0 < -n ≤ 1000000 and -c > 0")
		os.Exit(2)
	}
	run := fixture.NewID("run")[4:12]
	bodies := make([][]byte, *n)
	ids := make([]string, *n)
	for i := range bodies {
		cus := fmt.Sprintf("cus_bench%s%d", run, i%500)
		ev := fixture.NewEvent("payment_intent.succeeded", fixture.PaymentIntent(
			fmt.Sprintf("pi_bench%s%07d", run, i), int64(1000+i%9000), "usd", cus, "succeeded",
			map[string]string{"order_id": fmt.Sprintf("ord_%s_%d", run, i)}))
		ev.ID = fmt.Sprintf("evt_bench%s%07d", run, i)
		ids[i] = ev.ID
		bodies[i] = ev.JSON()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *c * 2, MaxConnsPerHost: *c * 2}, Timeout: 30 * time.Second}
	lat := make([]time.Duration, *n)
	var next, failed atomic.Int64
	var tick <-chan time.Time
	if *rate > 0 {
		t := time.NewTicker(time.Duration(float64(time.Second) / *rate))
		defer t.Stop()
		tick = t.C
	}
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < *c; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if tick != nil {
					<-tick
				}
				i := int(next.Add(1) - 1)
				if i >= *n {
					return
				}
				body := bodies[i]
				req, _ := http.NewRequest(http.MethodPost, *url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Stripe-Signature", fixture.Sign(body, *secret, time.Now()))
				t0 := time.Now()
				resp, err := client.Do(req)
				lat[i] = time.Since(t0)
				if err != nil {
					failed.Add(1)
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	fmt.Printf("sent %d events, concurrency %d, rate %s: %d failed\n", *n, *c, rateLabel(*rate), failed.Load())
	fmt.Printf("acks/s %.0f   ack latency p50 %s  p95 %s  p99 %s  max %s\n",
		float64(*n)/elapsed.Seconds(), pct(lat, 50), pct(lat, 95), pct(lat, 99), lat[len(lat)-1].Round(time.Microsecond))
	if *db == "" {
		return
	}
	if err := processed(*db, run, *n, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "sbload:", err)
		os.Exit(1)
	}
}

// processed waits until every event of the run is processed and reports the
// receipt-to-processed latency percentiles from the event ledger.
func processed(dbURL, run string, n int, wait time.Duration) error {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	prefix := "evt_bench" + run + "%"
	deadline := time.Now().Add(wait)
	for {
		var done int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM stripe_events WHERE id LIKE $1 AND status = 'processed'`, prefix).Scan(&done); err != nil {
			return err
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d events processed after %s", done, n, wait)
		}
		time.Sleep(200 * time.Millisecond)
	}
	var p50, p95, p99 float64
	err = pool.QueryRow(ctx, `
		SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY d), percentile_cont(0.95) WITHIN GROUP (ORDER BY d),
			percentile_cont(0.99) WITHIN GROUP (ORDER BY d)
		FROM (SELECT extract(epoch FROM processed_at - received_at) * 1000 AS d FROM stripe_events WHERE id LIKE $1) x`,
		prefix).Scan(&p50, &p95, &p99)
	if err != nil {
		return err
	}
	var orders int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM orders WHERE stripe_payment_intent_id LIKE $1`, "pi_bench"+run+"%").Scan(&orders); err != nil {
		return err
	}
	fmt.Printf("event-to-processed p50 %.1fms  p95 %.1fms  p99 %.1fms   (%d orders for %d events)\n", p50, p95, p99, orders, n)
	return nil
}

func pct(sorted []time.Duration, p int) time.Duration {
	i := (len(sorted)*p + 99) / 100
	if i > 0 {
		i--
	}
	return sorted[i].Round(time.Microsecond)
}

func rateLabel(r float64) string {
	if r <= 0 {
		return "unlimited"
	}
	return fmt.Sprintf("%.0f/s", r)
}
