package jobs

import (
	"testing"

	stripe "github.com/stripe/stripe-go/v76"

	"github.com/switchboardhq/switchboard/store"
)

// Every status value stripe-go v76 documents, by object. When Stripe adds one,
// add it here and to StatusTable.
var stripeStatuses = map[string][]string{
	"payment_intent": {
		string(stripe.PaymentIntentStatusCanceled), string(stripe.PaymentIntentStatusProcessing),
		string(stripe.PaymentIntentStatusRequiresAction), string(stripe.PaymentIntentStatusRequiresCapture),
		string(stripe.PaymentIntentStatusRequiresConfirmation), string(stripe.PaymentIntentStatusRequiresPaymentMethod),
		string(stripe.PaymentIntentStatusSucceeded),
	},
	"charge": {string(stripe.ChargeStatusFailed), string(stripe.ChargeStatusPending), string(stripe.ChargeStatusSucceeded)},
	"checkout.session.payment_status": {
		string(stripe.CheckoutSessionPaymentStatusNoPaymentRequired), string(stripe.CheckoutSessionPaymentStatusPaid),
		string(stripe.CheckoutSessionPaymentStatusUnpaid),
	},
	"subscription": {
		string(stripe.SubscriptionStatusActive), string(stripe.SubscriptionStatusCanceled), string(stripe.SubscriptionStatusIncomplete),
		string(stripe.SubscriptionStatusIncompleteExpired), string(stripe.SubscriptionStatusPastDue), string(stripe.SubscriptionStatusPaused),
		string(stripe.SubscriptionStatusTrialing), string(stripe.SubscriptionStatusUnpaid),
	},
	"invoice": {
		string(stripe.InvoiceStatusDraft), string(stripe.InvoiceStatusOpen), string(stripe.InvoiceStatusPaid),
		string(stripe.InvoiceStatusUncollectible), string(stripe.InvoiceStatusVoid),
	},
	"dispute": {
		string(stripe.DisputeStatusLost), string(stripe.DisputeStatusNeedsResponse), string(stripe.DisputeStatusUnderReview),
		string(stripe.DisputeStatusWarningClosed), string(stripe.DisputeStatusWarningNeedsResponse),
		string(stripe.DisputeStatusWarningUnderReview), string(stripe.DisputeStatusWon), "prevented", "charge_refunded",
	},
	"refund": {
		string(stripe.RefundStatusCanceled), string(stripe.RefundStatusFailed), string(stripe.RefundStatusPending),
		string(stripe.RefundStatusSucceeded), string(stripe.RefundStatusRequiresAction),
	},
	"payout": {
		string(stripe.PayoutStatusCanceled), string(stripe.PayoutStatusFailed), string(stripe.PayoutStatusInTransit),
		string(stripe.PayoutStatusPaid), string(stripe.PayoutStatusPending),
	},
}

// Our vocabulary per object: what a mapping may produce.
var ours = map[string][]string{
	"payment_intent":                  {store.PayPending, store.PayFailed, store.PaySucceeded},
	"charge":                          {store.PayPending, store.PayFailed, store.PaySucceeded},
	"checkout.session.payment_status": {store.PayPending, store.PayFailed, store.PaySucceeded},
	"subscription":                    {store.SubPending, store.SubActive, store.SubPastDue, store.SubPaused, store.SubCanceled},
	"invoice":                         {"draft", "open", "paid", "payment_failed", "void", "uncollectible"},
	"dispute":                         store.DisputeStages,
	"refund":                          {"pending", "requires_action", "succeeded", "failed", "canceled"},
	"payout":                          {"pending", "in_transit", "paid", "failed", "canceled"},
}

func TestStatusTableCoversEveryStripeStatus(t *testing.T) {
	t.Parallel()
	for object, statuses := range stripeStatuses {
		for _, s := range statuses {
			got, ok := MapStatus(object, "", s)
			if !ok {
				t.Errorf("%s status %q has no row in StatusTable", object, s)
				continue
			}
			if !contains(ours[object], got) {
				t.Errorf("%s status %q maps to %q, which is not one of ours %v", object, s, got, ours[object])
			}
		}
	}
	for _, r := range StatusTable {
		if r.Stripe == AnyStatus && r.Event != "" {
			continue
		}
		if !contains(stripeStatuses[r.Object], r.Stripe) {
			t.Errorf("StatusTable row %s/%s is not a status Stripe documents", r.Object, r.Stripe)
		}
	}
	seen := map[[3]string]bool{}
	for _, r := range StatusTable {
		k := [3]string{r.Object, r.Event, r.Stripe}
		if seen[k] {
			t.Errorf("StatusTable has %s/%s/%s twice", r.Object, r.Event, r.Stripe)
		}
		seen[k] = true
		if r.Event != "" && !Handles(r.Event) {
			t.Errorf("StatusTable row for event %s: the worker does not handle that type", r.Event)
		}
		if !contains(ours[r.Object], r.Ours) {
			t.Errorf("StatusTable row %s/%s/%s maps to %q, not one of ours %v", r.Object, r.Event, r.Stripe, r.Ours, ours[r.Object])
		}
	}
}

func TestStatusTableSemantics(t *testing.T) {
	t.Parallel()
	want := map[[3]string]string{
		{"subscription", "", "trialing"}:                                               store.SubActive,
		{"subscription", "", "unpaid"}:                                                 store.SubPastDue,
		{"subscription", "", "incomplete_expired"}:                                     store.SubCanceled,
		{"subscription", "customer.subscription.deleted", "active"}:                    store.SubCanceled,
		{"subscription", "customer.subscription.updated", "active"}:                    store.SubActive,
		{"payment_intent", "", "canceled"}:                                             store.PayFailed,
		{"payment_intent", "", "requires_capture"}:                                     store.PayPending,
		{"payment_intent", "payment_intent.payment_failed", "requires_payment_method"}: store.PayFailed,
		{"payment_intent", "payment_intent.processing", "processing"}:                  store.PayPending,
		{"checkout.session.payment_status", "checkout.session.expired", "unpaid"}:      store.PayFailed,
		{"invoice", "invoice.payment_failed", "open"}:                                  "payment_failed",
		{"invoice", "invoice.payment_failed", "paid"}:                                  "paid",
		{"invoice", "invoice.updated", "open"}:                                         "open",
		{"payout", "payout.failed", "paid"}:                                            "failed",
		{"dispute", "", "warning_closed"}:                                              store.DisputeStageWon,
		{"dispute", "", "under_review"}:                                                store.DisputeStageUnderReview,
		{"dispute", "", "charge_refunded"}:                                             store.DisputeStageRefunded,
		{"dispute", "", "lost"}:                                                        store.DisputeStageLost,
	}
	for k, w := range want {
		if got, _ := MapStatus(k[0], k[1], k[2]); got != w {
			t.Errorf("%s/%s/%s: got %q, want %q", k[0], k[1], k[2], got, w)
		}
	}
	if got, ok := MapStatus("payment_intent", "payment_intent.succeeded", "a_status_stripe_added_later"); ok {
		t.Errorf("an unknown status: got %q, want no row", got)
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	cases := []struct {
		prod     bool
		typ, ver string
		live     bool
		want     string
	}{
		{false, "charge.succeeded", SupportedAPIVersion, false, store.EventReceived},
		{true, "charge.succeeded", SupportedAPIVersion, true, store.EventReceived},
		{false, "charge.succeeded", SupportedAPIVersion, true, store.EventIgnored},
		{true, "charge.succeeded", SupportedAPIVersion, false, store.EventIgnored},
		{false, "issuing_card.created", SupportedAPIVersion, false, store.EventIgnored},
		{false, "charge.succeeded", "2024-06-20", false, store.EventHeld},
		{false, "charge.succeeded", "", false, store.EventHeld},
	}
	for _, c := range cases {
		if got, reason := Classify(c.prod, c.typ, c.ver, c.live); got != c.want || (got != store.EventReceived && reason == "") {
			t.Errorf("Classify(%v, %s, %s, %v): got %s %q, want %s with a reason", c.prod, c.typ, c.ver, c.live, got, reason, c.want)
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

func TestMovesMoney(t *testing.T) {
	t.Parallel()
	for typ, want := range map[string]bool{
		"payment_intent.succeeded": true, "charge.refunded": true, "charge.dispute.created": true, "refund.updated": true,
		"checkout.session.completed": true, "invoice.paid": true, "invoice.payment_failed": true, "payout.failed": true,
		"customer.created": false, "customer.subscription.updated": false, "account.updated": false, "invoice.created": false,
	} {
		if got := MovesMoney(typ); got != want {
			t.Errorf("MovesMoney(%q): got %v, want %v", typ, got, want)
		}
	}
}
