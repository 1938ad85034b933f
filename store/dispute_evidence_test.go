package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/switchboardhq/switchboard/store"
)

func TestCheckEvidence(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	later, earlier := now.Add(time.Hour), now.Add(-time.Second)
	open := store.Dispute{Stage: store.DisputeStageNeedsResponse, QueueState: store.QueueOpen, EvidenceDueBy: &later}
	with := func(f func(*store.Dispute)) store.Dispute { d := open; f(&d); return d }
	failed := []store.EvidenceSubmission{{Status: store.EvidenceFailed}}
	for _, tc := range []struct {
		name string
		d    store.Dispute
		subs []store.EvidenceSubmission
		want error
	}{
		{"open, before the deadline", open, nil, nil},
		{"no deadline", with(func(d *store.Dispute) { d.EvidenceDueBy = nil }), nil, nil},
		{"an earlier submission failed", open, failed, nil},
		{"past the deadline", with(func(d *store.Dispute) { d.EvidenceDueBy = &earlier }), nil, store.ErrEvidenceOverdue},
		{"at the deadline", with(func(d *store.Dispute) { d.EvidenceDueBy = &now }), nil, store.ErrEvidenceOverdue},
		{"won", with(func(d *store.Dispute) { d.Stage = store.DisputeStageWon }), nil, store.ErrDisputeClosed},
		{"lost", with(func(d *store.Dispute) { d.Stage = store.DisputeStageLost }), nil, store.ErrDisputeClosed},
		{"refunded", with(func(d *store.Dispute) { d.Stage = store.DisputeStageRefunded }), nil, store.ErrDisputeClosed},
		{"closed from the queue", with(func(d *store.Dispute) { d.QueueState = store.QueueClosed }), nil, store.ErrDisputeClosed},
		{"under review (submitted in Stripe)", with(func(d *store.Dispute) { d.Stage = store.DisputeStageUnderReview }), nil, store.ErrEvidenceSubmitted},
		{"a submission on its way", open, []store.EvidenceSubmission{{Status: store.EvidenceRequested}}, store.ErrEvidenceInFlight},
		{"a submission done", open, append(failed, store.EvidenceSubmission{Status: store.EvidenceSubmitted}), store.ErrEvidenceSubmitted},
	} {
		if got := store.CheckEvidence(tc.d, tc.subs, now); !errors.Is(got, tc.want) || (got == nil) != (tc.want == nil) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		if tc.want != nil && store.EvidenceRefusal(tc.want, tc.d) == "" {
			t.Errorf("%s: no message for the console", tc.name)
		}
	}
}

func TestEvidenceFieldsAndProblems(t *testing.T) {
	t.Parallel()
	names := func(fs []store.EvidenceField) string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Name)
		}
		return strings.Join(out, " ")
	}
	for reason, want := range map[string]string{
		"product_not_received": "product_description customer_communication shipping_carrier shipping_tracking_number uncategorized_text",
		"credit_not_processed": "product_description customer_communication refund_policy uncategorized_text",
		"general":              names(store.EvidenceFields),
	} {
		if got := names(store.EvidenceFieldsFor(reason)); got != want {
			t.Errorf("fields for %s: got %q, want %q", reason, got, want)
		}
	}
	for _, tc := range []struct {
		e    store.Evidence
		want string
	}{
		{store.Evidence{ProductDescription: strings.Repeat("ü", store.EvidenceTextMax)}, ""},
		{store.Evidence{ProductDescription: strings.Repeat("ü", store.EvidenceTextMax+1)}, "Product description is at most"},
		{store.Evidence{ShippingTrackingNumber: strings.Repeat("1", store.EvidenceShortMax+1)}, "Tracking number is at most"},
		{store.Evidence{UncategorizedText: "a\x00b"}, "NUL"},
		{store.Evidence{RefundPolicy: "\xff"}, "UTF-8"},
	} {
		got := tc.e.Problem()
		if tc.want == "" && got != "" || !strings.Contains(got, tc.want) {
			t.Errorf("Problem(): got %q, want %q", got, tc.want)
		}
	}
	if !(store.Evidence{}).Empty() || (store.Evidence{ShippingCarrier: "UPS"}).Empty() || !(store.Evidence{UncategorizedText: " \n"}).Empty() {
		t.Errorf("Empty: wrong for blank or filled evidence")
	}
}
