package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/switchboardhq/switchboard/store"
)

// RetryRefusal says why a job must not be retried by hand ("" when it may).
// A Stripe write (a refund, dispute evidence) runs once per request: once its
// request has ended, a retried job would complete without asking Stripe and
// read as done while the request stays failed. The way forward is a new
// request from the object's page, which the refusal names.
func RetryRefusal(ctx context.Context, st *store.Store, kind string, encodedArgs []byte) (string, error) {
	switch kind {
	case RefundArgs{}.Kind():
		var a RefundArgs
		if err := json.Unmarshal(encodedArgs, &a); err != nil {
			return "", fmt.Errorf("refund job arguments: %w", err)
		}
		req, err := st.RefundRequestByID(ctx, a.RequestID)
		if errors.Is(err, store.ErrNotFound) {
			return "Its refund request no longer exists, so retrying would do nothing.", nil
		} else if err != nil {
			return "", err
		}
		if req.Status == store.RefundRequested {
			return "", nil
		}
		o, err := st.OrderByID(ctx, req.OrderID)
		if err != nil {
			return "", err
		}
		if req.Status == store.RefundSubmitted {
			return fmt.Sprintf("The refund for %s (%s) already reached Stripe (%s): there is nothing to retry.",
				o.Label(), store.Money(req.Amount, req.Currency), req.State()), nil
		}
		return fmt.Sprintf("The refund request for %s (%s) failed for good. Retrying its job would not ask Stripe again; request a new refund from the order's refund page.",
			o.Label(), store.Money(req.Amount, req.Currency)), nil
	case DisputeEvidenceArgs{}.Kind():
		var a DisputeEvidenceArgs
		if err := json.Unmarshal(encodedArgs, &a); err != nil {
			return "", fmt.Errorf("evidence job arguments: %w", err)
		}
		sub, err := st.EvidenceSubmissionByID(ctx, a.SubmissionID)
		if errors.Is(err, store.ErrNotFound) {
			return "Its evidence submission no longer exists, so retrying would do nothing.", nil
		} else if err != nil {
			return "", err
		}
		if sub.Status == store.EvidenceRequested {
			return "", nil
		}
		if sub.Status == store.EvidenceSubmitted {
			return "This evidence already reached Stripe: there is nothing to retry.", nil
		}
		return "This evidence submission failed for good. Retrying its job would not send it again; submit the evidence again from the dispute's page.", nil
	}
	return "", nil
}
