package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/switchboardhq/switchboard/internal/pgtest"
	"github.com/switchboardhq/switchboard/store"
)

func TestTicketConsoleFlow(t *testing.T) {
	t.Parallel()
	st := store.New(pgtest.Pool(t))
	ctx := t.Context()
	acct, _, err := st.CreateSignup(ctx, store.Signup{Email: "sel@example.com", Name: "Sel", Role: store.RoleSeller, PlanTier: "pro"})
	if err != nil {
		t.Fatal(err)
	}
	tk, created, err := st.CreateTicket(ctx, store.NewTicket{Email: "sel@example.com", Subject: "Payout", Body: "When?", Channel: store.ChannelAPI, SourceKey: "form:1"}, "token:app")
	if err != nil || !created || tk.Queue != store.TicketSellers || tk.LastAction != "signed up" || *tk.AccountID != acct.ID {
		t.Fatalf("create: got %+v, %v, %v", tk, created, err)
	}
	again, created, err := st.CreateTicket(ctx, store.NewTicket{Email: "sel@example.com", Subject: "Payout", Body: "When?", Channel: store.ChannelAPI, SourceKey: "form:1"}, "token:app")
	if err != nil || created || again.ID != tk.ID {
		t.Fatalf("same source key: got %d created=%v, %v; want ticket %d again", again.ID, created, err, tk.ID)
	}
	if _, _, err := st.CreateTicket(ctx, store.NewTicket{Email: "nobody@example.com", Subject: "Hi", Body: "?", Channel: store.ChannelEmail}, "inbound-email"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AddTicketNote(ctx, tk.ID, "support@example.com", "Customer pasted sk_live_abcdefghijklmnop; told them to roll it."); err != nil {
		t.Fatal(err)
	}
	if err := st.SetTicketStatus(ctx, tk.ID, store.TicketSolved, "support@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := st.SetTicketStatus(ctx, tk.ID, "burned", "support@example.com"); err == nil {
		t.Fatal("an unknown status was accepted")
	}
	if _, err := st.AddTicketNote(ctx, 999999, "support@example.com", "x"); err == nil || !strings.Contains(err.Error(), store.ErrNotFound.Error()) {
		t.Fatalf("note on a missing ticket: got %v, want not found", err)
	}
	d, err := st.TicketDetailByID(ctx, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, a := range d.Audit {
		actions = append(actions, a.Action+":"+a.Actor)
	}
	want := []string{"ticket.open:token:app", "ticket.note:support@example.com", "ticket.status:support@example.com"}
	if !slices.Equal(actions, want) || d.Ticket.Status != store.TicketSolved || len(d.Notes) != 1 ||
		strings.Contains(d.Notes[0].Body, "sk_live_") {
		t.Fatalf("detail: audit %v, status %s, notes %+v", actions, d.Ticket.Status, d.Notes)
	}
	qs, err := st.TicketQueues(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(qs)
	if got != "[{billing 0 0} {disputes 0 0} {sellers 0 1} {general 1 1}]" {
		t.Fatalf("queues: got %s", got)
	}
	list, err := st.Tickets(ctx, store.TicketFilter{Status: store.TicketOpen})
	if err != nil || len(list) != 1 || list[0].Queue != store.TicketGeneral || !slices.Contains(list[0].Tags, "requester:unknown") {
		t.Fatalf("open tickets: got %+v, %v", list, err)
	}
}
