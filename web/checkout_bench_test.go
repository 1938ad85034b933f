package web_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"testing"
	"time"

	. "github.com/switchboardhq/switchboard/internal/apptest"
	"github.com/switchboardhq/switchboard/store"
)

// BenchmarkCheckoutSessionStatus measures the success page's poll, GET
// /api/v1/checkout-sessions/{cs_id} answered from the ledger, through HTTP
// with a token, over 2,000 paid sessions; it reports p50 and p95.
//
//	go test ./web/ -run '^$' -bench CheckoutSessionStatus -benchtime 2000x
func BenchmarkCheckoutSessionStatus(b *testing.B) {
	app := New(b)
	ctx := context.Background()
	var sessions []string
	for i := range 2000 {
		cs := NewID("cs")
		facts := store.OrderFacts{Payment: store.PaySucceeded, Dispute: store.DisputeNone, Amount: 4800}
		if _, err := app.Store.UpsertOrder(ctx, store.OrderUpsert{PaymentIntentID: NewID("pi"), CheckoutSessionID: cs,
			Currency: "usd", Reference: fmt.Sprintf("ORD-%d", i), Facts: facts}); err != nil {
			b.Fatal(err)
		}
		sessions = append(sessions, cs)
	}
	token := app.Token()
	client := &http.Client{}
	took := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		req, _ := http.NewRequest(http.MethodGet, app.Server.URL+"/api/v1/checkout-sessions/"+sessions[i%len(sessions)], nil)
		req.Header.Set("Authorization", "Bearer "+token)
		t0 := time.Now()
		res, err := client.Do(req)
		if err != nil || res.StatusCode != http.StatusOK {
			b.Fatalf("GET: %v %v", res, err)
		}
		res.Body.Close()
		took = append(took, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(took[len(took)*95/100].Microseconds())/1000, "p95_ms")
}
